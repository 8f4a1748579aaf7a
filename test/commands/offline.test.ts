import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ROOT, run} from '../support/run-command.js'

const FIX = join(ROOT, 'test', 'fixtures', 'aws-auth')

describe('list --file', () => {
  it('prints one row per mapping with notes (risky fixture)', async () => {
    const {stdout, exit} = await run(['list', '--file', join(FIX, 'risky.yaml'), '--no-color'])
    expect(exit).toBe(0)
    expect(stdout).toContain('dead: STS session ARN never matches')
    expect(stdout).toContain('8 mapRoles, 1 mapUsers, 1 mapAccounts')
  })
  it('--json is the typed result', async () => {
    const {stdout} = await run(['list', '--file', join(FIX, 'kubectl-get-output.yaml'), '--json'])
    const json = JSON.parse(stdout)
    expect(json.summary).toEqual({effective: 3, mapAccounts: 0, mapRoles: 2, mapUsers: 1, withNotes: 0})
    expect(json.rows[0]).toMatchObject({arn: expect.stringContaining('NodeInstanceRole'), line: 6, section: 'mapRoles'})
  })
  it('--output yaml', async () => {
    const {stdout} = await run(['list', '--file', join(FIX, 'manifest.json'), '-o', 'yaml'])
    expect(stdout).toMatch(/^source: /)
    expect(stdout).toContain('section: mapUsers')
  })
  it('bad input: one line, exit 4, under --json too', async () => {
    const human = await run(['list', '--file', join(FIX, 'missing.yaml')])
    expect(human.exit).toBe(4)
    const json = await run(['list', '--file', join(ROOT, 'package.json'), '--json'])
    expect(json.exit).toBe(4)
    expect(JSON.parse(json.stdout).error.message).toContain('no ConfigMap named aws-auth')
  })
})

describe('simulate', () => {
  it('--json has the contract fields', async () => {
    const {stdout} = await run([
      'simulate',
      '--arn',
      'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane',
      '--aws-auth',
      join(FIX, 'kubectl-get-output.yaml'),
      '--json',
    ])
    const r = JSON.parse(stdout)
    expect(Object.keys(r).slice(0, 7)).toEqual(['input', 'canonicalArn', 'authenticated', 'mapping', 'user', 'reason', 'steps'])
    expect(r).toMatchObject({
      authenticated: true,
      canonicalArn: 'arn:aws:iam::111122223333:role/PlatformAdmin',
      mapping: {groups: ['platform:admins'], index: 1, source: 'mapRoles', username: 'platform-admin:jane'},
      user: {groups: ['platform:admins', 'system:authenticated'], username: 'platform-admin:jane'},
    })
  })
  it('not mapped: exit 0, authenticated false, a reason', async () => {
    const {stdout, exit} = await run(['simulate', '--arn', 'arn:aws:iam::111122223333:user/nobody', '--aws-auth', join(FIX, 'risky.yaml'), '--json'])
    expect(exit).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({authenticated: false, mapping: null, user: null})
  })
  it('an unparseable ARN exits 4 with the error object under --json', async () => {
    const {stdout, exit} = await run(['simulate', '--arn', 'arn:aws:iam::111122223333:group/devs', '--json'])
    expect(exit).toBe(4)
    expect(JSON.parse(stdout).error.message).toContain('IAM groups cannot be mapped')
  })
  it('human output prints the chain, one step a line', async () => {
    const {stdout} = await run(['simulate', '--arn', 'arn:aws:sts::111122223333:assumed-role/Admin/x', '--aws-auth', join(FIX, 'groups-as-string.yaml'), '--no-color'])
    expect(stdout.split('\n')[0]).toMatch(/^1\. caller /)
    expect(stdout).toContain('authenticated as "admin:x" in groups system:authenticated')
  })
})
