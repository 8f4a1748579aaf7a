/**
 * The public surface (command ids, flags, arguments) is a contract other tools and scripts depend on: a rename or a
 * removed flag fails here on purpose. After an intended change: UPDATE_SURFACE=1 npx vitest run test/unit/surface.test.ts
 */
import {existsSync, readFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ROOT} from '../support/run-command.js'

interface ManifestFlag {
  char?: string
  default?: unknown
  multiple?: boolean
  options?: string[]
  type: string
  allowNo?: boolean
}
interface ManifestCommand {
  args: Record<string, {required?: boolean}>
  flags: Record<string, ManifestFlag>
}

const SNAPSHOT = join(ROOT, 'test', 'fixtures', 'surface.json')

function surface(): Record<string, unknown> {
  const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, ManifestCommand>}
  const out: Record<string, unknown> = {}
  for (const id of Object.keys(manifest.commands).sort()) {
    const c = manifest.commands[id]!
    out[id] = {
      args: Object.fromEntries(Object.entries(c.args).map(([k, a]) => [k, {required: Boolean(a.required)}])),
      flags: Object.fromEntries(
        Object.keys(c.flags)
          .sort()
          .map((k) => {
            const f = c.flags[k]!
            return [k, {type: f.type, ...(f.char ? {char: f.char} : {}), ...(f.multiple ? {multiple: true} : {}), ...(f.allowNo ? {allowNo: true} : {}), ...(f.options ? {options: f.options} : {}), ...(f.default === undefined ? {} : {default: f.default})}]
          }),
      ),
    }
  }
  return out
}

describe('public surface', () => {
  it('command ids, flags and arguments match test/fixtures/surface.json', () => {
    const now = surface()
    if (process.env.UPDATE_SURFACE) writeFileSync(SNAPSHOT, JSON.stringify(now, null, 2) + '\n')
    expect(existsSync(SNAPSHOT), 'test/fixtures/surface.json is missing: run with UPDATE_SURFACE=1').toBe(true)
    expect(now).toEqual(JSON.parse(readFileSync(SNAPSHOT, 'utf8')))
  })
})
