/**
 * Secrets (issue #7, part 4): every command of the built CLI runs with real-looking AWS keys and a session token in its
 * environment, a real-looking kubeconfig bearer token, and a k8s-aws-v1. token signed with those keys; no stdout or
 * stderr may contain a whole token, its signature, the secret key or the session token. Backups and the token cache
 * are 0600 files in 0700 directories. moto_server, kubectl and openssl are required: missing FAILS.
 *
 * There is no --verbose flag in eksauth (no command logs requests or headers), so there is no Authorization header to
 * redact in logs; the kubeconfig bearer token is checked like every other secret.
 */
import {copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {mintIndependent} from '../fixtures/tokens/sigv4.js'
import {type CliResult, ROOT, runCli} from '../support/cli.js'
import {type ApiServer, requireOpenssl, startApiServer} from '../support/k8s-api-server.js'
import {type Moto, startMoto} from '../support/moto.js'

const AKID = 'ASIAQNZGKIQY5EXAMPLE'
const SECRET = 'c9Xq2LmR8vT4wZ0yB7nK1pH6sD3fG5jA8eU2iO4r'
const SESSION =
  'IQoJb3JpZ2luX2VjEHwaCXVzLWVhc3QtMSJHMEUCIQDkVx2u9Jq3yF0fN1mZ6rT8pW4cL7bH5sK2aE9gX3vY1wIgR8tQ6nM4jP2kL0hF9dS7aZ5xC3vB1nM8qW6eR4tY2uIq' +
  'mgIIRRAAGgw0NTY3ODkwMTIzNDUiDPfakeSessionTokenBodyForTestsOnlyxYz0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOP'
const K8S_BEARER = 'k8s-bearer-5f2b9c1e8d7a4b3c2d1e0f9a8b7c6d5e'
const CLUSTER = 'prod'

let TOKEN: string
let SIGNATURE: string
let srv: ApiServer
let moto: Moto
let kubeconfig: string
const tmp = mkdtempSync(join(tmpdir(), 'eksauth-secrets-'))
const state = join(tmp, 'state')
const cache = join(tmp, 'cache')

const env = (): Record<string, string | undefined> => ({
  AWS_ACCESS_KEY_ID: AKID,
  AWS_SECRET_ACCESS_KEY: SECRET,
  AWS_SESSION_TOKEN: SESSION,
  AWS_CONFIG_FILE: join(tmp, 'no-aws-config'),
  AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'no-aws-credentials'),
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_PROFILE: undefined,
  AWS_REGION: 'us-east-1',
  AWS_ENDPOINT_URL: moto.endpoint,
  KUBECONFIG: kubeconfig,
  XDG_STATE_HOME: state,
  XDG_CACHE_HOME: cache,
  DEBUG: undefined,
})

/** Every secret and the forms it could leak in. */
function secrets(): Array<[string, string]> {
  return [
    ['the whole token', TOKEN],
    ['the token payload', TOKEN.slice('k8s-aws-v1.'.length)],
    ['the token signature', SIGNATURE],
    ['the secret access key', SECRET],
    ['the secret access key (URL-encoded)', encodeURIComponent(SECRET)],
    ['the session token', SESSION],
    ['the session token (first 40 characters)', SESSION.slice(0, 40)],
    ['the kubeconfig bearer token', K8S_BEARER],
  ]
}

const runs: Array<{args: string[]; res: CliResult}> = []
async function cli(args: string[], input?: string): Promise<CliResult> {
  const res = await runCli(args, {env: env(), input, timeoutMs: 120_000})
  runs.push({args, res})
  return res
}
function expectNoSecrets(res: CliResult, allow: string[] = []): void {
  for (const [what, value] of secrets()) {
    for (const [stream, text] of [
      ['stdout', res.stdout],
      ['stderr', res.stderr],
    ] as const) {
      const cleaned = allow.reduce((t, a) => t.split(a).join(''), text)
      expect(cleaned.includes(value), `${what} in ${stream}`).toBe(false)
    }
  }
}

beforeAll(async () => {
  requireOpenssl()
  moto = await startMoto()
  srv = await startApiServer({users: {[K8S_BEARER]: {groups: ['system:masters'], username: 'admin'}}})
  kubeconfig = srv.kubeconfig()
  srv.setConfigMap({
    data: {
      mapRoles: '- rolearn: arn:aws:iam::123456789012:role/nodes\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n- rolearn: arn:aws:iam::123456789012:role/Admin\n  username: admin\n  groups: [system:masters]\n',
      mapUsers: '[]\n',
    },
  })
  TOKEN = mintIndependent({
    accessKeyId: AKID,
    clusterId: CLUSTER,
    date: new Date(Math.floor(Date.now() / 1000) * 1000),
    host: 'sts.us-east-1.amazonaws.com',
    region: 'us-east-1',
    secretAccessKey: SECRET,
    sessionToken: SESSION,
  })
  SIGNATURE = /X-Amz-Signature=([0-9a-f]{64})/.exec(Buffer.from(TOKEN.slice('k8s-aws-v1.'.length), 'base64url').toString())![1]!
}, 90_000)

afterAll(async () => {
  await srv?.stop()
  await moto?.stop()
  rmSync(tmp, {force: true, recursive: true})
})

describe('no command prints a secret', () => {
  const EX = join(ROOT, 'examples')

  it('list, simulate, audit (offline)', async () => {
    for (const args of [
      ['list', '--file', join(EX, 'aws-auth.yaml')],
      ['list', '--file', join(EX, 'aws-auth.yaml'), '--json'],
      ['simulate', '--arn', 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane', '--aws-auth', join(EX, 'aws-auth.yaml'), '--access-key-id', AKID],
      ['simulate', '--arn', 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane', '--aws-auth', join(EX, 'aws-auth.yaml'), '--json'],
      ['audit', '--aws-auth', join(EX, 'aws-auth.yaml'), '--manifests', join(EX, 'rbac')],
      ['audit', '--aws-auth', join(EX, 'aws-auth.yaml'), '--json'],
    ]) {
      const r = await cli(args)
      expect([0, 5], `${args.join(' ')}: ${r.stderr}`).toContain(r.code)
      expectNoSecrets(r)
    }
  })

  it('map-role / map-user / unmap / restore against the cluster, with the IAM check against moto (errors included)', async () => {
    const mr = await cli(['map-role', '--arn', 'arn:aws:iam::123456789012:role/Dev', '--group', 'devs', '--yes', '--no-verify-iam'])
    expect(mr.code, mr.stderr).toBe(0)
    expectNoSecrets(mr)
    // IAM says NoSuchEntity (moto has no such user): an AWS error path
    const mu = await cli(['map-user', '--arn', 'arn:aws:iam::123456789012:user/ghost', '--username', 'ghost', '--group', 'devs', '--yes'])
    expect(mu.code).toBe(8)
    expectNoSecrets(mu)
    const muJson = await cli(['map-user', '--arn', 'arn:aws:iam::123456789012:user/ghost', '--username', 'ghost', '--group', 'devs', '--yes', '--json'])
    expect(muJson.code).toBe(8)
    expectNoSecrets(muJson)
    const um = await cli(['unmap', '--arn', 'arn:aws:iam::123456789012:role/Dev', '--yes', '--json'])
    expect(um.code, um.stderr).toBe(0)
    expectNoSecrets(um)
    const backup = JSON.parse(um.stdout).backupPath as string
    const rs = await cli(['restore', backup, '--yes'])
    expect(rs.code, rs.stderr).toBe(0)
    expectNoSecrets(rs)
    // 401 and 403 error paths name the context, never the bearer token
    srv.setAuthorizer(() => false)
    const denied = await cli(['unmap', '--arn', 'arn:aws:iam::123456789012:role/Dev', '--yes'])
    expect(denied.code).toBe(6)
    expectNoSecrets(denied)
    srv.setAuthorizer()
    const kcBad = srv.kubeconfig({contexts: [{name: 'stale', token: `${K8S_BEARER}-stale`}], path: join(tmp, 'stale-kubeconfig')})
    const unauth = await runCli(['unmap', '--arn', 'arn:aws:iam::123456789012:role/Dev', '--yes', '--kubeconfig', kcBad], {env: env()})
    expect(unauth.code).toBe(6)
    expectNoSecrets(unauth)
    expect(unauth.stdout + unauth.stderr).not.toContain(`${K8S_BEARER}-stale`)
    // --file mode
    const f = join(tmp, 'aws-auth.yaml')
    copyFileSync(join(EX, 'aws-auth.yaml'), f)
    const ff = await cli(['map-role', '--arn', 'arn:aws:iam::111122223333:role/Dev', '--group', 'devs', '--file', f, '--yes', '--no-verify-iam'])
    expect(ff.code, ff.stderr).toBe(0)
    expectNoSecrets(ff)
  })

  it('token: stdout is the new token (its purpose), never the keys; --cache writes 0600 in 0700', async () => {
    const t = await cli(['token', '--cluster-name', CLUSTER, '--cache'])
    expect(t.code, t.stderr).toBe(0)
    const minted = JSON.parse(t.stdout).status.token as string
    expectNoSecrets(t)
    expect(t.stderr).not.toContain(minted)
    expect(t.stdout).not.toContain(SECRET)
    expect(t.stdout).not.toContain(SESSION)
    const dir = join(cache, 'eksauth', 'tokens')
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    expect(statSync(join(cache, 'eksauth')).mode & 0o077).toBe(0)
    const files = readdirSync(dir)
    expect(files.length).toBeGreaterThan(0)
    for (const file of files) expect(statSync(join(dir, file)).mode & 0o777).toBe(0o600)
    const again = await cli(['token', '--cluster-name', CLUSTER, '--cache', '--json'])
    expect(again.code).toBe(0)
    expectNoSecrets(again)
    // an error path of token: AssumeRole of a role moto does not have
    const ar = await cli(['token', '--cluster-name', CLUSTER, '--role-arn', 'arn:aws:iam::123456789012:role/Nope'])
    expectNoSecrets(ar)
  })

  it('token verify: the token is shown redacted, valid or not, human or --json, signature checked or replayed', async () => {
    for (const args of [
      ['token', 'verify', TOKEN, '--cluster-id', CLUSTER],
      ['token', 'verify', TOKEN, '--cluster-id', CLUSTER, '--json'],
      ['token', 'verify', TOKEN, '--cluster-id', CLUSTER, '--verify-signature'],
      ['token', 'verify', TOKEN, '--cluster-id', 'other', '--verify-signature'],
      ['token', 'verify', TOKEN, '--cluster-id', 'other', '--verify-signature', '--json'],
      ['token', 'verify', TOKEN, '--cluster-id', CLUSTER, '--sts'],
      ['token', 'verify', TOKEN, '--cluster-id', CLUSTER, '--at', '2999-01-01T00:00:00Z'],
      ['token', 'verify', `${TOKEN}x`, '--cluster-id', CLUSTER],
    ]) {
      const r = await cli(args)
      expect([0, 10], `${args.slice(3).join(' ')}: ${r.stderr}`).toContain(r.code)
      expectNoSecrets(r)
    }
    const stdin = await cli(['token', 'verify', '-', '--cluster-id', CLUSTER], JSON.stringify({status: {token: TOKEN}}))
    expect(stdin.code).toBe(0)
    expectNoSecrets(stdin)
  })

  it('simulate --token and whoami (--token, offline and live): the token never whole', async () => {
    const AA = join(ROOT, 'examples', 'aws-auth.yaml')
    for (const args of [
      ['simulate', '--token', TOKEN, '--cluster-id', CLUSTER, '--aws-auth', AA],
      ['simulate', '--token', TOKEN, '--cluster-id', CLUSTER, '--aws-auth', AA, '--json'],
      ['simulate', '--token', TOKEN, '--cluster-id', 'other', '--aws-auth', AA],
      ['simulate', '--token', TOKEN, '--cluster-id', CLUSTER, '--aws-auth', AA, '--sts'],
      ['whoami', '--token', TOKEN, '--cluster-id', CLUSTER, '--offline', '--arn', 'arn:aws:sts::123456789012:assumed-role/Admin/jane', '--aws-auth', AA],
      ['whoami', '--token', TOKEN, '--cluster-id', CLUSTER, '--offline', '--arn', 'arn:aws:sts::123456789012:assumed-role/Admin/jane', '--aws-auth', AA, '--json'],
      ['whoami', '--token', TOKEN, '--cluster-name', CLUSTER],
      ['whoami', '--cluster-name', CLUSTER, '--json'],
    ]) {
      const r = await cli(args)
      expect(r.code, `${args.join(' ').replace(TOKEN, 'TOKEN')}: exit ${r.code} ${r.stderr.slice(0, 300)}`).not.toBe(1)
      expectNoSecrets(r)
    }
  })

  it('backups are 0600 files in 0700 directories, and hold no credential', () => {
    const root = join(state, 'eksauth')
    expect(statSync(root).mode & 0o777).toBe(0o700)
    expect(statSync(join(root, 'backups')).mode & 0o777).toBe(0o700)
    const dirs = readdirSync(join(root, 'backups'))
    expect(dirs.length).toBeGreaterThan(0)
    for (const d of dirs) {
      expect(statSync(join(root, 'backups', d)).mode & 0o777).toBe(0o700)
      for (const f of readdirSync(join(root, 'backups', d))) {
        const p = join(root, 'backups', d, f)
        expect(statSync(p).mode & 0o777).toBe(0o600)
        const text = readFileSync(p, 'utf8')
        for (const [what, value] of secrets()) expect(text.includes(value), `${what} in ${p}`).toBe(false)
      }
    }
  })

  it('covered every command of the manifest', () => {
    const manifest = JSON.parse(readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as {commands: Record<string, unknown>}
    const ran = new Set(runs.map((r) => (r.args[0] === 'token' && r.args[1] === 'verify' ? 'token:verify' : r.args[0]!)))
    const missing = Object.keys(manifest.commands).filter((id) => !ran.has(id))
    // a new command must be added above (this assertion names it)
    expect(missing).toEqual([])
  })
})
