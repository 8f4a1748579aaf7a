/** The shipped oclif.manifest.json must list exactly the commands in src/commands (a stale one hides or invents commands). */
import {existsSync, readdirSync, readFileSync, statSync} from 'node:fs'
import {join, relative} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ROOT} from '../support/run-command.js'

function commandIds(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = join(dir, name)
    if (statSync(p).isDirectory()) out.push(...commandIds(p))
    else if (name.endsWith('.ts')) {
      const id = relative(join(ROOT, 'src', 'commands'), p).replace(/\.ts$/, '').replace(/\/index$/, '').split('/').join(':')
      out.push(id)
    }
  }
  return out
}

describe('oclif.manifest.json', () => {
  it('exists after the build (npm ci builds it)', () => {
    expect(existsSync(join(ROOT, 'oclif.manifest.json'))).toBe(true)
  })
  it('lists every command in src/commands and nothing else', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>; version: string}
    expect(Object.keys(manifest.commands).sort()).toEqual(commandIds(join(ROOT, 'src', 'commands')).sort())
    expect(manifest.version).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version)
  })
})
