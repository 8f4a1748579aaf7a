/**
 * The AWS adapters (src/adapters/aws/{clients,iam-directory,caller,eks-access}.ts) against moto_server.
 * The adapters are pointed at moto only through AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_<SERVICE> (no code path for
 * tests), except the second, authenticating moto, which is addressed with an explicit endpoint.
 * A missing moto_server FAILS these tests; they never skip. No aws-sdk-client-mock in this file.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {CreateAccessKeyCommand, CreateRoleCommand, CreateUserCommand, IAMClient} from '@aws-sdk/client-iam'
import {CreateClusterCommand, EKSClient} from '@aws-sdk/client-eks'
import pLimit from 'p-limit'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {StsCallerIdentity} from '../../src/adapters/aws/caller.js'
import {awsError, resetAwsClients, retrySettings, safeMessage} from '../../src/adapters/aws/clients.js'
import {SdkEksAccess} from '../../src/adapters/aws/eks-access.js'
import {SdkIamDirectory} from '../../src/adapters/aws/iam-directory.js'
import {EksauthError, ExitCode} from '../../src/core/errors.js'
import {freePort, type Moto, startMoto} from '../support/moto.js'

const ACCOUNT = '123456789012'
const AKID = 'AKIAIOSFODNN7EXAMPLE'
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const role = (r: string) => `arn:aws:iam::${ACCOUNT}:role/${r}`
const user = (u: string) => `arn:aws:iam::${ACCOUNT}:user/${u}`
const TRUST = JSON.stringify({Statement: [{Action: 'sts:AssumeRole', Effect: 'Allow', Principal: {Service: 'eks.amazonaws.com'}}], Version: '2012-10-17'})
const SSO_ROLE = 'AWSReservedSSO_AdministratorAccess_0123456789abcdef'
const SSO_PATH = '/aws-reserved/sso.amazonaws.com/eu-west-1/'

const tmp = mkdtempSync(join(tmpdir(), 'eksauth-aws-'))
const saved: Record<string, string | undefined> = {}
function setEnv(vars: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(vars)) {
    if (!(k in saved)) saved[k] = process.env[k]
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
}

let moto: Moto
let seed: IAMClient
const BULK_ROLES = 600
const BULK_USERS = 150

beforeAll(async () => {
  writeFileSync(join(tmp, 'config'), '')
  writeFileSync(join(tmp, 'credentials'), '')
  moto = await startMoto()
  // hermetic: static fake keys, no profile, no IMDS, no home-directory files
  setEnv({
    ...moto.env,
    AWS_CONFIG_FILE: join(tmp, 'config'),
    AWS_DEFAULT_PROFILE: undefined,
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL_EKS: undefined,
    AWS_ENDPOINT_URL_IAM: undefined,
    AWS_ENDPOINT_URL_STS: undefined,
    AWS_MAX_ATTEMPTS: undefined,
    AWS_PROFILE: undefined,
    AWS_RETRY_MODE: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'credentials'),
  })
  seed = new IAMClient({credentials: {accessKeyId: AKID, secretAccessKey: SECRET}, endpoint: moto.endpoint, region: 'us-east-1'})
  const mk = (RoleName: string, Path?: string) => seed.send(new CreateRoleCommand({AssumeRolePolicyDocument: TRUST, Path, RoleName}))
  await mk('Admin')
  await mk('Deploy', '/team/')
  await mk(SSO_ROLE, SSO_PATH)
  await mk('AWSReservedSSO_ReadOnly_fedcba9876543210', SSO_PATH)
  await seed.send(new CreateUserCommand({UserName: 'alice'}))
  await seed.send(new CreateUserCommand({Path: '/eng/', UserName: 'bob'}))
  const limit = pLimit(16)
  await Promise.all([
    ...Array.from({length: BULK_ROLES}, (_, i) => limit(() => mk(`bulk-role-${i}`, i % 3 === 0 ? '/bulk/' : undefined))),
    ...Array.from({length: BULK_USERS}, (_, i) => limit(() => seed.send(new CreateUserCommand({UserName: `bulk-user-${i}`})))),
  ])
}, 120_000)

afterAll(async () => {
  resetAwsClients()
  seed?.destroy()
  await moto?.stop()
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  rmSync(tmp, {force: true, recursive: true})
})

describe('SdkIamDirectory.lookup with GetRole/GetUser (few ARNs)', () => {
  it('answers exists with IAM\'s ARN (path, id), missing, and root without a call', async () => {
    const dir = new SdkIamDirectory()
    const arns = [
      role('Admin'),
      role('Deploy'), // exists, under /team/
      role('team/Deploy'),
      role('NoSuchRole'),
      user('alice'),
      user('bob'), // exists, under /eng/
      user('nobody'),
      `arn:aws:iam::${ACCOUNT}:root`,
      `arn:aws:sts::${ACCOUNT}:assumed-role/Admin/session-1`,
    ]
    const res = await dir.lookup(arns)
    expect(res.get(role('Admin'))).toMatchObject({arn: role('Admin'), status: 'exists'})
    expect(res.get(role('Admin'))?.id).toMatch(/^AROA/)
    expect(res.get(role('Deploy'))).toMatchObject({arn: role('team/Deploy'), status: 'exists'})
    expect(res.get(role('team/Deploy'))).toMatchObject({arn: role('team/Deploy'), status: 'exists'})
    expect(res.get(role('NoSuchRole'))?.status).toBe('missing')
    expect(res.get(user('alice'))).toMatchObject({arn: user('alice'), status: 'exists'})
    expect(res.get(user('alice'))?.id).toBeTruthy()
    expect(res.get(user('bob'))).toMatchObject({arn: user('eng/bob'), status: 'exists'})
    expect(res.get(user('nobody'))?.status).toBe('missing')
    expect(res.get(`arn:aws:iam::${ACCOUNT}:root`)?.status).toBe('exists')
    expect(res.get(`arn:aws:sts::${ACCOUNT}:assumed-role/Admin/session-1`)).toMatchObject({arn: role('Admin'), status: 'exists'})
    // 1 sts:GetCallerIdentity + GetRole for Admin, Deploy, NoSuchRole + GetUser for alice, bob, nobody
    expect(dir.stats()).toEqual({
      byAction: {'iam:GetRole': 3, 'iam:GetUser': 3, 'sts:GetCallerIdentity': 1},
      calls: 7,
    })
  })

  it('reports ARNs of another account as error without looking them up', async () => {
    const dir = new SdkIamDirectory()
    const res = await dir.lookup(['arn:aws:iam::999999999999:role/Admin', 'not-an-arn'])
    expect(res.get('arn:aws:iam::999999999999:role/Admin')?.status).toBe('error')
    expect(res.get('arn:aws:iam::999999999999:role/Admin')?.message).toMatch(/account 999999999999.*account 123456789012/)
    expect(res.get('not-an-arn')?.status).toBe('error')
    expect(dir.stats().byAction['iam:GetRole']).toBeUndefined()
  })

  it('a case difference: moto\'s GetRole is case-sensitive (real IAM\'s is not), so the hint finds the role', async () => {
    const dir = new SdkIamDirectory()
    const res = await dir.lookup([role('admin')])
    // real IAM answers GetRole(admin) with role/Admin; moto says NoSuchEntity. Either way similarRoles names it.
    const info = res.get(role('admin'))!
    if (info.status === 'exists') expect(info.arn).toBe(role('Admin'))
    else expect(info.status).toBe('missing')
    expect(await dir.similarRoles('admin')).toEqual([role('Admin')])
  })
})

describe('SdkIamDirectory.lookup by listing (many ARNs)', () => {
  it('answers 1,000 ARNs with a handful of calls', async () => {
    const arns: string[] = []
    for (let i = 0; i < BULK_ROLES; i++) arns.push(i % 3 === 0 ? role(`bulk/bulk-role-${i}`) : role(`bulk-role-${i}`))
    for (let i = 0; i < 200; i++) arns.push(role(`missing-role-${i}`))
    for (let i = 0; i < BULK_USERS; i++) arns.push(user(`bulk-user-${i}`))
    for (let i = 0; i < 50; i++) arns.push(user(`missing-user-${i}`))
    expect(arns).toHaveLength(1000)
    const dir = new SdkIamDirectory()
    const started = Date.now()
    const res = await dir.lookup(arns)
    const elapsed = Date.now() - started
    expect(res.size).toBe(1000)
    const by = (s: string) => [...res.values()].filter((i) => i.status === s).length
    expect(by('exists')).toBe(BULK_ROLES + BULK_USERS)
    expect(by('missing')).toBe(250)
    expect(res.get(role('bulk/bulk-role-3'))).toMatchObject({arn: role('bulk/bulk-role-3'), status: 'exists'})
    // 1 sts:GetCallerIdentity + 1 ListRoles page (604 roles <= 1000) + 1 ListUsers page (152 users)
    expect(dir.stats()).toEqual({byAction: {'iam:ListRoles': 1, 'iam:ListUsers': 1, 'sts:GetCallerIdentity': 1}, calls: 3})
    console.log(`1,000 ARNs: ${dir.stats().calls} calls in ${elapsed} ms`)
  })

  it('pages ListRoles / ListUsers through every page and answers case-insensitively with IAM\'s spelling', async () => {
    const dir = new SdkIamDirectory({accountId: ACCOUNT, listThreshold: 0, pageSize: 100})
    const res = await dir.lookup([role('ADMIN'), role('bulk-role-599'), user('ALICE'), role('nope')])
    expect(res.get(role('ADMIN'))).toMatchObject({arn: role('Admin'), status: 'exists'})
    expect(res.get(role('bulk-role-599'))?.status).toBe('exists')
    expect(res.get(user('ALICE'))).toMatchObject({arn: user('alice'), status: 'exists'})
    expect(res.get(role('nope'))?.status).toBe('missing')
    // 604 roles over 7 pages of 100 (moto ignores MaxItems for ListUsers: 1 page); no STS call (accountId given)
    const {byAction, calls} = dir.stats()
    expect(byAction['iam:ListRoles']).toBe(7)
    expect(byAction['sts:GetCallerIdentity']).toBeUndefined()
    // the listing is reused: later lookups and hints cost nothing
    await dir.lookup([role('Deploy')])
    await dir.similarRoles('deploy')
    expect(dir.stats().calls).toBe(calls)
  })
})

describe('SdkIamDirectory.similarRoles', () => {
  it('finds the role under a path, in another case, and the concrete SSO role(s), from one cached listing', async () => {
    const dir = new SdkIamDirectory()
    expect(await dir.similarRoles('Deploy')).toEqual([role('team/Deploy')])
    expect(await dir.similarRoles('DEPLOY')).toEqual([role('team/Deploy')])
    const ssoArn = `arn:aws:iam::${ACCOUNT}:role${SSO_PATH}${SSO_ROLE}`
    expect(await dir.similarRoles('AWSReservedSSO_AdministratorAccess')).toEqual([ssoArn])
    expect(await dir.similarRoles('awsreservedsso_administratoraccess_ffffffffffffffff')).toEqual([ssoArn])
    expect(await dir.similarRoles('AWSReservedSSO_Admin')).toEqual([])
    expect(await dir.similarRoles('Nothing')).toEqual([])
    expect(dir.stats()).toEqual({byAction: {'iam:ListRoles': 1}, calls: 1})
  })
})

describe('StsCallerIdentity', () => {
  it('returns moto\'s caller', async () => {
    const who = await new StsCallerIdentity().whoami()
    expect(who.account).toBe(ACCOUNT)
    expect(who.arn).toMatch(/^arn:aws:(sts|iam)::123456789012:user\/moto$/)
    expect(who.userId).toBeTruthy()
  })
})

describe('SdkEksAccess.cluster against moto', () => {
  beforeAll(async () => {
    const eks = new EKSClient({credentials: {accessKeyId: AKID, secretAccessKey: SECRET}, endpoint: moto.endpoint, region: 'us-east-1'})
    await eks.send(
      new CreateClusterCommand({
        logging: {clusterLogging: [{enabled: true, types: ['api', 'audit']}, {enabled: false, types: ['authenticator']}]},
        name: 'prod',
        resourcesVpcConfig: {endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24'], subnetIds: ['subnet-1']},
        roleArn: role('eks-cluster'),
      }),
    )
    eks.destroy()
  })

  it('maps DescribeCluster (moto returns no accessConfig: that part is in test/unit/eks-access.test.ts)', async () => {
    const c = await new SdkEksAccess('prod').cluster()
    expect(c).toMatchObject({
      accountId: ACCOUNT,
      arn: `arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod`,
      enabledLogTypes: ['api', 'audit'],
      endpointPrivateAccess: true,
      endpointPublicAccess: true,
      name: 'prod',
      publicAccessCidrs: ['203.0.113.0/24'],
    })
    expect(c.oidcIssuer).toMatch(/^https:\/\/oidc\.eks\.us-east-1\.amazonaws\.com\/id\//)
    expect(c.authenticationMode).toBeUndefined()
  })

  it('accepts a cluster ARN (its region wins)', async () => {
    const c = await new SdkEksAccess(`arn:aws:eks:us-east-1:${ACCOUNT}:cluster/prod`, {region: 'eu-west-1'}).cluster()
    expect(c.name).toBe('prod')
  })

  it('a missing cluster is NOT_FOUND naming the region', async () => {
    const err = await new SdkEksAccess('nope').cluster().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EksauthError)
    expect((err as EksauthError).exit).toBe(ExitCode.NOT_FOUND)
    expect((err as EksauthError).message).toMatch(/nope was not found in us-east-1/)
  })
})

describe('endpoints, retries, timeouts', () => {
  it('AWS_ENDPOINT_URL_IAM wins over AWS_ENDPOINT_URL (the SDK honours both; no code of ours reads them)', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`
    setEnv({AWS_ENDPOINT_URL: dead, AWS_ENDPOINT_URL_IAM: moto.endpoint, AWS_MAX_ATTEMPTS: '1'})
    resetAwsClients()
    try {
      const dir = new SdkIamDirectory({accountId: ACCOUNT})
      expect((await dir.lookup([role('Admin')])).get(role('Admin'))?.status).toBe('exists')
      const err = await new StsCallerIdentity().whoami().catch((e: unknown) => e)
      expect((err as EksauthError).exit).toBe(ExitCode.UNAVAILABLE)
    } finally {
      setEnv({AWS_ENDPOINT_URL: moto.endpoint, AWS_ENDPOINT_URL_IAM: undefined, AWS_MAX_ATTEMPTS: undefined})
      resetAwsClients()
    }
  })

  it('retry settings: adaptive / 5 unless AWS_RETRY_MODE / AWS_MAX_ATTEMPTS say otherwise', () => {
    expect(retrySettings({env: {AWS_CONFIG_FILE: join(tmp, 'config')}})).toEqual({maxAttempts: 5, retryMode: 'adaptive'})
    expect(retrySettings({env: {AWS_CONFIG_FILE: join(tmp, 'config'), AWS_MAX_ATTEMPTS: '2', AWS_RETRY_MODE: 'standard'}})).toEqual({maxAttempts: 2, retryMode: 'standard'})
  })

  it('an unreachable endpoint is UNAVAILABLE, quickly, after the retries', async () => {
    const dead = `http://127.0.0.1:${await freePort()}`
    const creds = {accessKeyId: AKID, secretAccessKey: SECRET}
    const started = Date.now()
    const err = await new StsCallerIdentity({credentials: creds, endpoint: dead}).whoami().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EksauthError)
    expect((err as EksauthError).exit).toBe(ExitCode.UNAVAILABLE)
    expect((err as EksauthError).message).toMatch(/sts:GetCallerIdentity: cannot reach AWS \(5 attempts\)/)
    const eksErr = await new SdkEksAccess('prod', {credentials: creds, endpoint: dead}).cluster().catch((e: unknown) => e)
    expect((eksErr as EksauthError).exit).toBe(ExitCode.UNAVAILABLE)
    const dir = new SdkIamDirectory({credentials: creds, endpoint: dead})
    const info = (await dir.lookup([role('Admin')])).get(role('Admin'))!
    expect(info.status).toBe('error')
    expect(info.message).toMatch(/iam:GetRole \(role Admin\): cannot reach AWS/)
    expect(Date.now() - started).toBeLessThan(20_000)
  })
})

describe('credential and permission errors against an authenticating moto', () => {
  let authMoto: Moto
  let limited: {accessKeyId: string; secretAccessKey: string}
  const bogus = {accessKeyId: 'AKIAXXXXXXXXXXXXXXXX', secretAccessKey: 'Zm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFyZm9vYmFy'}

  beforeAll(async () => {
    // moto enforces IAM authentication and policies after the first N requests
    const before = process.env.INITIAL_NO_AUTH_ACTION_COUNT
    process.env.INITIAL_NO_AUTH_ACTION_COUNT = '3'
    try {
      authMoto = await startMoto()
    } finally {
      if (before === undefined) delete process.env.INITIAL_NO_AUTH_ACTION_COUNT
      else process.env.INITIAL_NO_AUTH_ACTION_COUNT = before
    }
    const iam = new IAMClient({credentials: {accessKeyId: AKID, secretAccessKey: SECRET}, endpoint: authMoto.endpoint, region: 'us-east-1'})
    await iam.send(new CreateUserCommand({UserName: 'limited'})) // 1
    const key = (await iam.send(new CreateAccessKeyCommand({UserName: 'limited'}))).AccessKey! // 2
    await iam.send(new CreateRoleCommand({AssumeRolePolicyDocument: TRUST, RoleName: 'Target'})) // 3
    iam.destroy()
    limited = {accessKeyId: key.AccessKeyId!, secretAccessKey: key.SecretAccessKey!}
  })

  afterAll(async () => {
    await authMoto?.stop()
  })

  it('invalid keys: NOT_AUTHORIZED with the fix, and no secret in the message', async () => {
    const err = await new StsCallerIdentity({credentials: bogus, endpoint: authMoto.endpoint}).whoami().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EksauthError)
    const e = err as EksauthError
    expect(e.exit).toBe(ExitCode.NOT_AUTHORIZED)
    expect(e.message).toMatch(/^sts:GetCallerIdentity: /)
    expect(e.suggestions.join(' ')).toMatch(/AWS_PROFILE/)
    expect(JSON.stringify({d: e.details, m: e.message, s: e.suggestions})).not.toContain(bogus.secretAccessKey)
    // the directory throws too: without valid credentials nothing else can work
    const dirErr = await new SdkIamDirectory({credentials: bogus, endpoint: authMoto.endpoint}).lookup([role('Target')]).catch((x: unknown) => x)
    expect((dirErr as EksauthError).exit).toBe(ExitCode.NOT_AUTHORIZED)
  })

  it('AccessDenied: denied per ARN naming iam:GetRole, or iam:ListRoles when listing', async () => {
    const who = await new StsCallerIdentity({credentials: limited, endpoint: authMoto.endpoint}).whoami()
    expect(who.arn).toBe(user('limited'))
    const few = await new SdkIamDirectory({credentials: limited, endpoint: authMoto.endpoint}).lookup([role('Target')])
    expect(few.get(role('Target'))?.status).toBe('denied')
    expect(few.get(role('Target'))?.message).toMatch(/iam:GetRole/)
    const many = await new SdkIamDirectory({accountId: ACCOUNT, credentials: limited, endpoint: authMoto.endpoint, listThreshold: 0}).lookup([role('Target')])
    expect(many.get(role('Target'))?.status).toBe('denied')
    expect(many.get(role('Target'))?.message).toMatch(/iam:ListRoles/)
    const hint = await new SdkIamDirectory({credentials: limited, endpoint: authMoto.endpoint}).similarRoles('Target').catch((x: unknown) => x)
    expect((hint as EksauthError).exit).toBe(ExitCode.NOT_AUTHORIZED)
    expect((hint as EksauthError).message).toMatch(/iam:ListRoles was denied/)
  })
})

describe('credentials the SDK cannot find', () => {
  it('a profile with no credentials: NOT_AUTHORIZED with `aws configure --profile`', async () => {
    writeFileSync(join(tmp, 'config'), '[profile empty]\nregion = us-east-1\n')
    const err = await new StsCallerIdentity({profile: 'empty'}).whoami().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EksauthError)
    expect((err as EksauthError).exit).toBe(ExitCode.NOT_AUTHORIZED)
    expect((err as EksauthError).suggestions.join(' ')).toMatch(/--profile empty/)
  })

  it('an SSO profile without a valid token: NOT_AUTHORIZED with `aws sso login --profile X`', async () => {
    writeFileSync(
      join(tmp, 'config'),
      [
        '[profile sso-dev]',
        'sso_session = corp',
        'sso_account_id = 123456789012',
        'sso_role_name = Admin',
        'region = us-east-1',
        '[sso-session corp]',
        'sso_start_url = https://example.awsapps.com/start',
        'sso_region = us-east-1',
        '',
      ].join('\n'),
    )
    setEnv({HOME: tmp})
    const err = await new StsCallerIdentity({profile: 'sso-dev'}).whoami().catch((e: unknown) => e)
    expect(err).toBeInstanceOf(EksauthError)
    expect((err as EksauthError).exit).toBe(ExitCode.NOT_AUTHORIZED)
    expect((err as EksauthError).suggestions).toContain('aws sso login --profile sso-dev')
  })
})

describe('error mapping without a peer', () => {
  it('throttling after retries is UNAVAILABLE; secrets are redacted', () => {
    const throttled = Object.assign(new Error('Rate exceeded'), {$fault: 'client', $metadata: {attempts: 5, httpStatusCode: 400}, name: 'Throttling'})
    const e = awsError(throttled, {action: 'iam:ListRoles'})
    expect(e.exit).toBe(ExitCode.UNAVAILABLE)
    expect(e.message).toMatch(/throttling.*5 attempts/)
    expect(safeMessage(new Error(`bad X-Amz-Security-Token=abc123 and ${SECRET}`))).toBe('bad X-Amz-Security-Token=[redacted] and [redacted]')
  })
})
