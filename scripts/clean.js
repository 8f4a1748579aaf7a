// Removes build output so a deleted source file can never survive in dist/ or the manifest.
import {rmSync} from 'node:fs'

for (const p of ['dist', 'oclif.manifest.json', 'tsconfig.tsbuildinfo']) rmSync(p, {force: true, recursive: true})
