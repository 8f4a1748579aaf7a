/** One exit-code table: the code (src/core/errors.ts) and the README must agree. */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ExitCode} from '../../src/core/errors.js'
import {ROOT} from '../support/run-command.js'

describe('exit codes', () => {
  it('README documents every code of ExitCode with the same number', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8')
    const section = readme.slice(readme.indexOf('## Exit codes'))
    const rows = [...section.matchAll(/^\| (\d+) \| `([A-Z_]+)` \|/gm)].map((m) => [m[2], Number(m[1])])
    expect(Object.fromEntries(rows)).toEqual(ExitCode)
  })
})
