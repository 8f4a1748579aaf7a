/** map-role / map-user check the principal in IAM before writing (issue #3 item 8), against moto. */
import {CreateRoleCommand, CreateUserCommand, IAMClient} from '@aws-sdk/client-iam'
import {copyFileSync, mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ROOT, runCli} from '../support/cli.js'
import {type Moto, startMoto} from '../support/moto.js'

let moto: Moto
let tmp: string
const ACCOUNT = '123456789012' // moto's account
const trust = JSON.stringify({Statement: [{Action: 'sts:AssumeRole', Effect: 'Allow', Principal: {AWS: `arn:aws:iam::${ACCOUNT}:root`}}], Version: '2012-10-17'})

beforeAll(async () => {
  moto = await startMoto()
  tmp = mkdtempSync(join(tmpdir(), 'eksauth-edit-iam-'))
  const iam = new IAMClient({credentials: {accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x'}, endpoint: moto.endpoint, region: 'us-east-1'})
  await iam.send(new CreateRoleCommand({AssumeRolePolicyDocument: trust, Path: '/teams/', RoleName: 'Developer'}))
  await iam.send(new CreateRoleCommand({AssumeRolePolicyDocument: trust, Path: '/aws-reserved/sso.amazonaws.com/', RoleName: 'AWSReservedSSO_Admin_0123456789abcdef'}))
  await iam.send(new CreateRoleCommand({AssumeRolePolicyDocument: trust, RoleName: 'Operator'}))
  await iam.send(new CreateUserCommand({UserName: 'alice'}))
}, 60_000)
afterAll(async () => {
  await moto?.stop()
  rmSync(tmp, {force: true, recursive: true})
})

function copy(): string {
  const f = join(tmp, `aws-auth-${Math.random().toString(36).slice(2)}.yaml`)
  copyFileSync(join(ROOT, 'test', 'fixtures', 'aws-auth', 'kubectl-get-output.yaml'), f)
  return f
}
const cli = (args: string[]) => runCli(args, {env: {...moto.env, AWS_EC2_METADATA_DISABLED: 'true', XDG_STATE_HOME: join(tmp, 'state')}})

describe('IAM existence before writing (moto)', () => {
  it('an existing role is written', async () => {
    const f = copy()
    const r = await cli(['map-role', '--file', f, '--arn', `arn:aws:iam::${ACCOUNT}:role/Operator`, '--group', 'ops', '--yes'])
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(f, 'utf8')).toContain(`arn:aws:iam::${ACCOUNT}:role/Operator`)
  })
  it('a missing role is exit 8 with "did you mean" the same name under its path; nothing written', async () => {
    const f = copy()
    const before = readFileSync(f, 'utf8')
    const r = await cli(['map-role', '--file', f, '--arn', `arn:aws:iam::${ACCOUNT}:role/developer`, '--group', 'dev', '--yes'])
    expect(r.code).toBe(8)
    expect(r.stderr).toContain('did you mean')
    expect(r.stderr).toContain(`arn:aws:iam::${ACCOUNT}:role/teams/Developer`)
    expect(r.stderr.trim().split('\n')[0]).toMatch(/does not exist/)
    expect(readFileSync(f, 'utf8')).toBe(before)
  })
  it('an SSO permission-set name without its suffix suggests the concrete AWSReservedSSO role', async () => {
    const f = copy()
    const r = await cli(['map-role', '--file', f, '--arn', `arn:aws:iam::${ACCOUNT}:role/AWSReservedSSO_Admin`, '--group', 'admins', '--yes'])
    expect(r.code).toBe(8)
    expect(r.stderr).toContain('AWSReservedSSO_Admin_0123456789abcdef')
  })
  it('a missing user is exit 8; an existing one is written', async () => {
    const f = copy()
    expect((await cli(['map-user', '--file', f, '--arn', `arn:aws:iam::${ACCOUNT}:user/bob`, '--username', 'bob', '--group', 'g', '--yes'])).code).toBe(8)
    const ok = await cli(['map-user', '--file', f, '--arn', `arn:aws:iam::${ACCOUNT}:user/alice`, '--username', 'alice', '--group', 'g', '--yes'])
    expect(ok.code, ok.stderr).toBe(0)
  })
  it('--no-verify-iam skips the check', async () => {
    const f = copy()
    const r = await cli(['map-role', '--file', f, '--arn', `arn:aws:iam::${ACCOUNT}:role/Nowhere`, '--group', 'g', '--yes', '--no-verify-iam'])
    expect(r.code, r.stderr).toBe(0)
  })
})
