/** map-role / map-user / unmap in --file (GitOps) mode through the built CLI, on every aws-auth fixture. */
import {copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, chmodSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, describe, expect, it} from 'vitest'

import {parseAwsAuth} from '../../src/core/aws-auth/authenticator.js'
import {readAwsAuthFile} from '../../src/core/aws-auth/configmap.js'
import {runCli, runCliJson} from '../support/cli.js'

const FIX = join(import.meta.dirname, '..', 'fixtures', 'aws-auth')
const tmp = mkdtempSync(join(tmpdir(), 'eksauth-edit-file-'))
afterAll(() => rmSync(tmp, {force: true, recursive: true}))
const copy = (name: string): string => {
  const dir = mkdtempSync(join(tmp, 'f-'))
  const p = join(dir, name)
  copyFileSync(join(FIX, name), p)
  return p
}
const ROLE = 'arn:aws:iam::111122223333:role/NewTeam'

describe('--file mode on every fixture', () => {
  for (const name of readdirSync(FIX)) {
    it(`${name}: dry-run writes nothing; map-role writes; unmap restores the bytes`, async () => {
      const p = copy(name)
      const orig = readFileSync(p, 'utf8')
      chmodSync(p, 0o640)
      const broken = Boolean(parseAwsAuth(readAwsAuthFile(orig, name).data).sections.mapRoles.error)
      const dry = await runCliJson(['map-role', '--arn', ROLE, '--group', 'team', '--file', p, '--dry-run', '--no-verify-iam'])
      expect(readFileSync(p, 'utf8')).toBe(orig)
      if (broken) {
        expect(dry.code).toBe(7)
        return
      }
      expect(dry.code, dry.stderr).toBe(0)
      expect(dry.json).toMatchObject({action: 'created', dryRun: true, mode: 'file', section: 'mapRoles', arn: ROLE, username: 'NewTeam:{{SessionName}}', groups: ['team']})
      expect(dry.json.diff).toContain(`+`)
      const w = await runCli(['map-role', '--arn', ROLE, '--group', 'team', '--file', p, '--yes', '--no-verify-iam'])
      expect(w.code, w.stderr).toBe(0)
      expect(statSync(p).mode & 0o777).toBe(0o640)
      const after = readFileSync(p, 'utf8')
      expect(parseAwsAuth(readAwsAuthFile(after, name).data).roleIndex.get(ROLE.toLowerCase())?.groups).toEqual(['team'])
      const again = await runCliJson(['map-role', '--arn', ROLE, '--group', 'team', '--file', p, '--yes', '--no-verify-iam'])
      expect(again.json.action).toBe('unchanged')
      const u = await runCli(['unmap', '--arn', ROLE, '--file', p, '--yes'])
      expect(u.code, u.stderr).toBe(0)
      expect(readFileSync(p, 'utf8')).toBe(orig)
      expect(readdirSync(join(p, '..'))).toEqual([name])
    })
  }
})

describe('errors and exit codes', () => {
  it('bad input is exit 4 with a one-line reason; nothing missing to unmap is exit 8', async () => {
    const p = copy('comments-and-layout.yaml')
    const a = await runCli(['map-role', '--arn', 'arn:aws:iam::111122223333:user/bob', '--group', 'g', '--file', p, '--yes', '--no-verify-iam'])
    expect(a.code).toBe(4)
    expect(a.stderr).toMatch(/map-user/)
    const b = await runCli(['map-user', '--arn', 'arn:aws:iam::111122223333:user/bob', '--username', 'bob', '--group', '- system:masters', '--file', p, '--yes', '--no-verify-iam'])
    expect(b.code).toBe(4)
    expect(b.stderr).toMatch(/pasted YAML/)
    const c = await runCli(['map-role', '--arn', 'arn:aws:iam::1111:role/x', '--group', 'g', '--file', p, '--yes', '--no-verify-iam'])
    expect(c.code).toBe(4)
    const d = await runCli(['unmap', '--username', 'nobody', '--file', p, '--yes'])
    expect(d.code).toBe(8)
    const e = await runCli(['unmap', '--arn', 'arn:aws:iam::111122223333:role/nodes-general', '--file', p, '--yes'])
    expect(e.code).toBe(7)
    expect(readFileSync(p, 'utf8')).toBe(readFileSync(join(FIX, 'comments-and-layout.yaml'), 'utf8'))
  })
})
