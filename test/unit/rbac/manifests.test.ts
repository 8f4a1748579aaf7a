import {chmodSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join, relative} from 'node:path'
import {afterAll, describe, expect, it} from 'vitest'

import {manifestFiles, readManifests} from '../../../src/adapters/files/manifests.js'
import {EksauthError, ExitCode} from '../../../src/core/errors.js'
import {loadManifestDocs} from '../../../src/core/rbac/objects.js'
import {FIXTURES, fixture} from './helpers.js'

const tmp = mkdtempSync(join(tmpdir(), 'eksauth-manifests-'))
afterAll(() => rmSync(tmp, {force: true, recursive: true}))

const bad = (fn: () => unknown): EksauthError => {
  try {
    fn()
  } catch (error) {
    return error as EksauthError
  }
  throw new Error('expected a failure')
}

describe('--manifests reader', () => {
  it('walks directories recursively, *.yaml/*.yml/*.json only, sorted by path', () => {
    const files = manifestFiles([fixture('tree')]).map((f) => relative(FIXTURES, f))
    expect(files).toEqual(['tree/b-role.yaml', 'tree/sub/a-binding.yml', 'tree/sub/c.json'])
  })

  it('reads files and directories in the order given, keeping file and line per object', () => {
    const {docs, files} = readManifests([fixture('typed-list.json'), fixture('tree')])
    expect(files).toHaveLength(4)
    const loaded = loadManifestDocs(docs)
    expect(loaded.roleBindings.map((b) => [b.name, b.source?.file.endsWith('typed-list.json') || b.source?.file.endsWith('a-binding.yml')])).toEqual([
      ['view-dev', true],
      ['edit-dev', true],
      ['a', true],
    ])
    expect(loaded.roles[0]?.source).toEqual({file: fixture('tree/b-role.yaml'), line: 1})
  })

  it('reads an explicitly named file whatever its extension', () => {
    const p = join(tmp, 'rbac.txt')
    writeFileSync(p, 'apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: x}\n')
    expect(readManifests([p]).docs).toHaveLength(1)
  })

  it('a missing path is BAD_INPUT naming the path', () => {
    const e = bad(() => readManifests([join(tmp, 'nope.yaml')]))
    expect(e).toBeInstanceOf(EksauthError)
    expect(e.exit).toBe(ExitCode.BAD_INPUT)
    expect(e.message).toBe(`cannot read manifests from ${join(tmp, 'nope.yaml')}: no such file or directory`)
  })

  it('an unreadable path is BAD_INPUT naming the path', () => {
    // a path below a regular file fails for every user (ENOTDIR); a 0000 file only for non-root users
    const file = join(tmp, 'plain.yaml')
    writeFileSync(file, 'a: b\n')
    const below = join(file, 'x.yaml')
    const e = bad(() => readManifests([below]))
    expect(e.exit).toBe(ExitCode.BAD_INPUT)
    expect(e.message).toContain(below)
    const p = join(tmp, 'secret.yaml')
    writeFileSync(p, 'a: b\n')
    chmodSync(p, 0o000)
    if (process.getuid?.() !== 0) {
      const denied = bad(() => readManifests([p]))
      expect(denied.exit).toBe(ExitCode.BAD_INPUT)
      expect(denied.message).toContain(p)
    }
  })

  it('a directory without manifests is BAD_INPUT; a file that is not YAML is BAD_INPUT naming file and line', () => {
    const empty = mkdtempSync(join(tmp, 'empty-'))
    writeFileSync(join(empty, 'README.md'), '# hi\n')
    expect(bad(() => readManifests([empty])).message).toBe(`${empty} holds no *.yaml, *.yml or *.json files`)
    const e = bad(() => readManifests([fixture('broken.yaml')]))
    expect(e.exit).toBe(ExitCode.BAD_INPUT)
    expect(e.message).toMatch(new RegExp(`^${fixture('broken.yaml').replaceAll(/[.]/g, '\\.')}:\\d+: not valid YAML`))
  })
})
