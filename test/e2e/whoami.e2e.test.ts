/**
 * eksauth whoami through the built CLI (npm run build first): every diagnosis offline from the fixtures, tokens minted
 * by the installed AWS CLI, and the live chain against the project's test API server (exec-plugin kubeconfig) and
 * moto (STS GetCallerIdentity, AssumeRole, DescribeCluster). A missing aws, moto_server or openssl FAILS, never skips.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ROOT, runCli, runCliJson} from '../support/cli.js'
import {type ApiServer, startApiServer, writeExecPlugin} from '../support/k8s-api-server.js'
import {type Moto, startMoto} from '../support/moto.js'
import {hermeticAwsEnv} from '../support/aws-env.js'

const DIR = join(ROOT, 'test', 'fixtures', 'whoami')
const tmp = mkdtempSync(join(tmpdir(), 'eksauth-whoami-'))
const ENV = hermeticAwsEnv(tmp, {KUBECONFIG: join(tmp, 'no-kubeconfig')})
const clean = (env: Record<string, string | undefined>): NodeJS.ProcessEnv =>
  Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv

interface Case {
  name: string
  verdict: string
  cause: string
  args: string[]
}

const cases = JSON.parse(readFileSync(join(DIR, 'cases.json'), 'utf8')) as Case[]
const argsOf = (c: Case): string[] =>
  c.args.map((a) => (a.startsWith('@') ? readFileSync(join(DIR, a.slice(1)), 'utf8').trim() : a))

function awsGetToken(cluster: string, env: Record<string, string | undefined> = {}): string {
  const res = spawnSync('aws', ['eks', 'get-token', '--cluster-name', cluster, '--region', 'us-east-1', '--output', 'json'], {
    encoding: 'utf8',
    env: clean({...process.env, ...ENV, ...env}),
  })
  if (res.error || res.status !== 0) throw new Error(`the AWS CLI is required (aws eks get-token failed): ${res.error?.message ?? res.stderr}`)
  return (JSON.parse(res.stdout) as {status: {token: string}}).status.token
}

afterAll(() => rmSync(tmp, {force: true, recursive: true}))

describe('whoami --offline: every diagnosis from the fixtures', () => {
  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_n, c) => {
    const r = await runCliJson(['whoami', '--offline', ...argsOf(c)], {cwd: DIR, env: ENV})
    expect({cause: r.json.cause, verdict: r.json.verdict}).toEqual({cause: c.cause, verdict: c.verdict})
    expect(r.code).toBe(c.verdict === 'unauthorized' || c.verdict === 'forbidden' ? 10 : 0)
    expect(r.stderr).toBe('')
    const human = await runCli(['whoami', '--offline', ...argsOf(c)], {cwd: DIR, env: ENV})
    expect(human.code).toBe(r.code)
    const lines = human.stdout.trim().split('\n')
    // one line per step, a blank line, then the verdict sentence
    expect(lines).toHaveLength(r.json.steps.length + r.json.notes.length + 2)
    expect(lines.at(-1)).toBe(`${c.verdict === 'ok' ? 'OK' : c.verdict.toUpperCase()} (${c.cause}): ${r.json.sentence}`)
  })

  it('offline loads neither the AWS SDK nor client-node and needs no kubeconfig', async () => {
    const r = await runCliJson(['whoami', '--offline', '--arn', 'arn:aws:sts::111122223333:assumed-role/Reader/jane', '--aws-auth', 'aws-auth.yaml'], {
      cwd: DIR,
      env: {...ENV, NODE_OPTIONS: `--import ${join(DIR, 'forbid-sdk.mjs')}`},
    })
    expect(r.code).toBe(0)
    expect(r.json.verdict).toBe('ok')
  })

  it('bad --at is bad input (4)', async () => {
    const r = await runCli(['whoami', '--offline', '--arn', 'arn:aws:iam::111122223333:role/X', '--at', 'tomorrow'], {cwd: DIR, env: ENV})
    expect(r.code).toBe(4)
  })
})

describe('whoami --token with tokens from the AWS CLI', () => {
  let token: string
  beforeAll(() => {
    token = awsGetToken('prod')
  })
  const base = ['whoami', '--offline', '--arn', 'arn:aws:sts::111122223333:assumed-role/Reader/jane', '--aws-auth', 'aws-auth.yaml']

  it('valid for its cluster: ok, and never printed whole', async () => {
    const r = await runCliJson([...base, '--token', token, '--cluster-id', 'prod'], {cwd: DIR, env: ENV})
    expect(r.code).toBe(0)
    expect(r.json.steps.find((s: {step: string}) => s.step === 'token')).toMatchObject({status: 'ok', detail: expect.stringMatching(/signature matches cluster id "prod"/)})
    const human = await runCli([...base, '--token', token, '--cluster-id', 'prod'], {cwd: DIR, env: ENV})
    expect(human.stdout + r.stdout).not.toContain(token.slice(11, 120))
    expect(human.stdout + r.stdout).not.toContain(new URL(Buffer.from(token.slice(11), 'base64url').toString()).searchParams.get('X-Amz-Signature')!)
  })

  it('minted for another cluster: token minted for another cluster name (exit 10)', async () => {
    const r = await runCliJson([...base, '--token', token, '--cluster-id', 'staging'], {cwd: DIR, env: ENV})
    expect(r.code).toBe(10)
    expect(r.json).toMatchObject({cause: 'token-wrong-cluster', verdict: 'unauthorized'})
    expect(r.json.sentence).toMatch(/minted for another cluster name than "staging".*--cluster-name staging/)
  })

  it('expired via --at: token-expired (exit 10)', async () => {
    const late = new Date(Date.now() + 16 * 60_000).toISOString()
    const r = await runCliJson([...base, '--token', token, '--cluster-id', 'prod', '--at', late], {cwd: DIR, env: ENV})
    expect(r.code).toBe(10)
    expect(r.json).toMatchObject({cause: 'token-expired', verdict: 'unauthorized'})
  })
})

describe('whoami: the live chain (test API server + exec plugin + moto)', () => {
  let moto: Moto
  let srv: ApiServer
  let token: string
  const ROLE = 'arn:aws:iam::123456789012:role/EksAdmin'
  const CLUSTER = 'test-cluster'
  let liveEnv: Record<string, string | undefined>

  beforeAll(async () => {
    moto = await startMoto()
    liveEnv = {...ENV, ...moto.env, AWS_PROFILE: undefined}
    token = awsGetToken(CLUSTER)
    srv = await startApiServer({users: {[token]: {username: 'eks-admin', groups: ['system:masters']}}})
    srv.setConfigMap({
      data: {
        mapRoles: `- rolearn: ${ROLE}\n  username: eks-admin\n  groups:\n    - system:masters\n`,
      },
    })
    // DescribeCluster answers from moto (which reports no accessConfig: the mode step is skipped, and says so)
    const made = spawnSync(
      'aws',
      ['eks', 'create-cluster', '--name', CLUSTER, '--role-arn', 'arn:aws:iam::123456789012:role/eks', '--resources-vpc-config', 'subnetIds=subnet-1', '--region', 'us-east-1', '--endpoint-url', moto.endpoint],
      {encoding: 'utf8', env: clean({...process.env, ...liveEnv})},
    )
    if (made.status !== 0) throw new Error(`aws eks create-cluster against moto failed: ${made.stderr}`)
  })
  afterAll(async () => {
    await srv?.stop()
    await moto?.stop()
  })

  const kubeconfigWith = (pluginToken: string, extraArgs: string[], opts: {fail?: string} = {}): string => {
    const plugin = writeExecPlugin(srv.dir, pluginToken, opts)
    return srv.kubeconfig({clusterName: CLUSTER, contexts: [{exec: {...plugin, args: [...plugin.args!, ...extraArgs]}, name: 'admin'}]})
  }

  it('mapped role, SelfSubjectReview agrees: ok, exit 0, each step with its evidence', async () => {
    const kc = kubeconfigWith(token, ['eks', 'get-token', '--cluster-name', CLUSTER, '--region', 'us-east-1', '--role-arn', ROLE])
    const r = await runCliJson(['whoami', '--kubeconfig', kc], {env: liveEnv})
    expect(r.code).toBe(0)
    expect(r.json).toMatchObject({cause: 'ok', verdict: 'ok'})
    const step = (n: string) => r.json.steps.find((s: {step: string}) => s.step === n)
    expect(step('kubeconfig')).toMatchObject({status: 'ok', detail: expect.stringContaining('context admin')})
    expect(step('exec-plugin')).toMatchObject({status: 'warn', detail: expect.stringContaining(`role ${ROLE}`)})
    expect(step('token')).toMatchObject({status: 'ok', detail: expect.stringMatching(/token from the exec plugin.*signature matches cluster id "test-cluster"/)})
    expect(step('sts-identity')).toMatchObject({status: 'warn', detail: expect.stringMatching(/^arn:aws:sts::123456789012:assumed-role\/EksAdmin\/EKSGetTokenAuth .*your shell is arn:aws:sts::123456789012:user\/moto/)})
    expect(step('canonical-arn').detail).toContain(ROLE)
    expect(step('auth-mode')).toMatchObject({status: 'skip', detail: expect.stringMatching(/did not report accessConfig.authenticationMode/)})
    expect(step('aws-auth')).toMatchObject({status: 'ok', detail: expect.stringMatching(/username "eks-admin", groups system:masters/)})
    expect(step('self-subject-review')).toMatchObject({status: 'ok', detail: expect.stringContaining('"eks-admin"')})
  })

  it('aws-auth not readable (403): skipped with why; SelfSubjectReview still answers', async () => {
    srv.setAuthorizer((a) => a.resource !== 'configmaps')
    try {
      const kc = kubeconfigWith(token, ['--cluster-name', CLUSTER, '--region', 'us-east-1', '--role-arn', ROLE])
      const r = await runCliJson(['whoami', '--kubeconfig', kc], {env: liveEnv})
      expect(r.json.steps.find((s: {step: string}) => s.step === 'aws-auth')).toMatchObject({status: 'skip', detail: 'cannot read aws-auth (needs get configmaps in kube-system)'})
      expect(r.json.verdict).toBe('ok')
      expect(r.code).toBe(0)
    } finally {
      srv.setAuthorizer()
    }
  })

  it('a role that is not mapped, token unknown to the server: not-mapped, exit 10', async () => {
    const other = awsGetToken(CLUSTER, {AWS_ACCESS_KEY_ID: 'AKIAOTHERKEY0000000'})
    const kc = kubeconfigWith(other, ['--cluster-name', CLUSTER, '--region', 'us-east-1', '--role-arn', 'arn:aws:iam::123456789012:role/Viewer'])
    const r = await runCliJson(['whoami', '--kubeconfig', kc, '--aws-auth', join(DIR, 'aws-auth.yaml')], {env: liveEnv})
    expect(r.code).toBe(10)
    expect(r.json.verdict).toBe('unauthorized')
    expect(['not-mapped', 'wrong-account']).toContain(r.json.cause)
    expect(r.json.steps.find((s: {step: string}) => s.step === 'self-subject-review')).toMatchObject({status: 'fail', detail: expect.stringContaining('401')})
  })

  it('exec args name another cluster: token-wrong-cluster (the server, like EKS, does not know that token)', async () => {
    const kc = kubeconfigWith(awsGetToken('old-cluster'), ['--cluster-name', 'old-cluster', '--region', 'us-east-1', '--role-arn', ROLE])
    const r = await runCliJson(['whoami', '--kubeconfig', kc, '--cluster-name', CLUSTER], {env: liveEnv})
    expect(r.code).toBe(10)
    expect(r.json).toMatchObject({cause: 'token-wrong-cluster', verdict: 'unauthorized'})
    expect(r.json.sentence).toMatch(/set --cluster-name test-cluster in the kubeconfig exec args/)
  })

  it('no credentials: the plugin fails, credentials-missing, exit 10', async () => {
    const kc = kubeconfigWith(token, ['--cluster-name', CLUSTER, '--region', 'us-east-1'], {fail: 'Unable to locate credentials. You can configure credentials by running "aws configure".'})
    const r = await runCliJson(['whoami', '--kubeconfig', kc], {env: {...liveEnv, AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined}})
    expect(r.code).toBe(10)
    expect(r.json).toMatchObject({cause: 'credentials-missing', verdict: 'unauthorized'})
  })

  it('an unreachable API server and STS: steps skip or fail with why, no crash', async () => {
    const kc = srv.kubeconfig({clusterName: CLUSTER, contexts: [{name: 'x', token: 'nope'}], server: 'https://127.0.0.1:1'})
    const r = await runCliJson(['whoami', '--kubeconfig', kc], {env: {...liveEnv, AWS_ENDPOINT_URL: 'http://127.0.0.1:1'}, timeoutMs: 90_000})
    expect([0, 10]).toContain(r.code)
    expect(r.json.steps.find((s: {step: string}) => s.step === 'self-subject-review').status).toBe('skip')
  })
})
