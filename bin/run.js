#!/usr/bin/env node
// Errors are one line for scripts and CI: oclif wraps them at 80 columns unless told the width, so when stderr is not a
// terminal the width is set before oclif loads.
if (!process.stderr.isTTY && !process.env.OCLIF_COLUMNS) process.env.OCLIF_COLUMNS = '4096'

const {execute} = await import('@oclif/core')
await execute({dir: import.meta.url})
