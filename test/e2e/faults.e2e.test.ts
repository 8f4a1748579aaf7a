/**
 * Fault injection (issue #7, part 1) through the built CLI: map-user / unmap / restore live against the project's
 * Kubernetes test API server (500s, 429s, a timeout, connection resets before and after the write is applied, the
 * ConfigMap deleted between read and write, a conflict on every write, credentials that expire mid-command) and the
 * IAM existence check against moto behind a small fault proxy (throttling, 5xx, expired credentials).
 *
 * For each fault: the exit code and the one-line message of test/fixtures/bad/FAULTS.md, aws-auth afterwards either
 * unchanged or fully updated (re-read with the authenticator view, never partial), the backup file, and the retries
 * bounded (counted on the server) and visible on stderr. kubectl, openssl and moto_server are required: missing FAILS.
 */
import {spawnSync} from 'node:child_process'
import {existsSync, mkdtempSync, readdirSync, readFileSync, rmSync} from 'node:fs'
import {createServer, type IncomingMessage, type Server, type ServerResponse} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {CreateUserCommand, IAMClient} from '@aws-sdk/client-iam'
import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {parseAwsAuth} from '../../src/core/aws-auth/authenticator.js'
import {runCli} from '../support/cli.js'
import {type ApiServer, requireOpenssl, startApiServer, writeExecPlugin} from '../support/k8s-api-server.js'
import {freePort, type Moto, startMoto} from '../support/moto.js'

const ADMIN = 'tok-admin-faults-0123456789'
const AWS_AUTH = '/api/v1/namespaces/kube-system/configmaps/aws-auth'
const GET = {method: 'GET', path: AWS_AUTH}
const PUT = {method: 'PUT', path: AWS_AUTH}
const BOB = 'arn:aws:iam::123456789012:user/bob'
const MAP_ROLES = `# nodes: do not touch
- rolearn: arn:aws:iam::123456789012:role/nodes
  username: system:node:{{EC2PrivateDNSName}}
  groups: [system:bootstrappers, system:nodes]
- rolearn: arn:aws:iam::123456789012:role/Admin
  username: admin:{{SessionName}}
  groups:
    - system:masters
`
const SEED = {mapAccounts: '- "444455556666"\n', mapRoles: MAP_ROLES, mapUsers: '[]\n'}
const FAULTS_MD = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'bad', 'FAULTS.md'), 'utf8')

let srv: ApiServer
let kubeconfig: string
let tmp: string
let state: string
let moto: Moto
let proxy: FaultProxy

// ---------------------------------------------------------------------------------------------------------------
// A fault proxy in front of moto: answers chosen AWS actions with an error a given number of times, forwards the rest.

interface AwsFault {
  action: string
  remaining: number
  status: number
  code: string
  message: string
}

interface FaultProxy {
  endpoint: string
  faults: AwsFault[]
  /** every action seen, in order */
  seen: string[]
  stop(): Promise<void>
}

async function startFaultProxy(target: string): Promise<FaultProxy> {
  const port = await freePort()
  const state: FaultProxy = {endpoint: `http://127.0.0.1:${port}`, faults: [], seen: [], stop: async () => {}}
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const body = Buffer.concat(chunks)
      const action = new URLSearchParams(body.toString('utf8')).get('Action') ?? new URL(req.url ?? '/', 'http://x').searchParams.get('Action') ?? '?'
      state.seen.push(action)
      const fault = state.faults.find((f) => f.action === action && f.remaining > 0)
      if (fault) {
        fault.remaining--
        res.writeHead(fault.status, {'content-type': 'text/xml'})
        res.end(
          `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${fault.code}</Code><Message>${fault.message}</Message></Error><RequestId>fault-proxy</RequestId></ErrorResponse>`,
        )
        return
      }
      const headers = {...req.headers}
      delete headers['content-length']
      fetch(`${target}${req.url ?? '/'}`, {body: body.length > 0 ? body : undefined, headers: headers as Record<string, string>, method: req.method})
        .then(async (r) => {
          res.writeHead(r.status, {'content-type': r.headers.get('content-type') ?? 'text/xml'})
          res.end(Buffer.from(await r.arrayBuffer()))
        })
        .catch(() => res.destroy())
    })
  })
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  state.stop = () => new Promise<void>((r) => server.close(() => r()))
  return state
}

// ---------------------------------------------------------------------------------------------------------------

const env = (aws: 'none' | 'moto' = 'none'): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_CONFIG_FILE: join(tmp, 'no-aws-config'),
  AWS_EC2_METADATA_DISABLED: 'true',
  // 'none': nothing listens, the caller lookup fails fast and the own-access guard says so
  AWS_ENDPOINT_URL: aws === 'moto' ? proxy.endpoint : 'http://127.0.0.1:9',
  AWS_REGION: 'us-east-1',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  AWS_SHARED_CREDENTIALS_FILE: join(tmp, 'no-aws-credentials'),
  XDG_STATE_HOME: state,
})
const mapUser = (extra: string[] = [], aws: 'none' | 'moto' = 'none', kc = kubeconfig) =>
  runCli(['map-user', '--arn', BOB, '--username', 'bob', '--group', 'devs', '--kubeconfig', kc, '--yes', ...(aws === 'none' ? ['--no-verify-iam'] : []), ...extra], {
    env: env(aws),
    timeoutMs: 120_000,
  })
const data = (): Record<string, string> | undefined => srv.getConfigMap()?.data as Record<string, string> | undefined
const requests = (m: {method: string; path: string}) => srv.requests.filter((r) => r.method === m.method && r.path === m.path)
const backups = (): string[] => {
  const root = join(state, 'eksauth', 'backups')
  if (!existsSync(root)) return []
  return readdirSync(root).flatMap((d) => readdirSync(join(root, d)).map((f) => join(root, d, f)))
}
/** the message as one line: oclif's wrapping and its "›" margins undone */
const oneLine = (stderr: string): string => stderr.replace(/\n\s*›\s*/g, ' ').replace(/\s+/g, ' ')

/** aws-auth is exactly the seed (unchanged) */
function expectUnchanged(): void {
  expect(data()).toEqual(SEED)
}
/** aws-auth is the seed plus bob, every other byte kept (fully updated, as the authenticator reads it) */
function expectFullyUpdated(): void {
  const d = data()!
  expect(d.mapRoles).toBe(SEED.mapRoles)
  expect(d.mapAccounts).toBe(SEED.mapAccounts)
  const view = parseAwsAuth(d)
  expect(view.sections.mapUsers.error).toBeUndefined()
  expect(view.users).toHaveLength(1)
  expect(view.userIndex.get(BOB)).toMatchObject({groups: ['devs'], username: 'bob'})
  expect(view.roles.map((r) => r.arn)).toEqual(['arn:aws:iam::123456789012:role/nodes', 'arn:aws:iam::123456789012:role/Admin'])
}
function expectBackupOfSeed(): string {
  const files = backups()
  expect(files).toHaveLength(1)
  const rec = JSON.parse(readFileSync(files[0]!, 'utf8'))
  expect(rec.data).toEqual(SEED)
  return files[0]!
}
function expectNoStack(res: {stdout: string; stderr: string}): void {
  expect(res.stderr + res.stdout).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
  expect(res.stderr).not.toMatch(/internal error/)
}
/** FAULTS.md documents this fault with this exit code */
function documented(fault: string, exit: number): void {
  const row = FAULTS_MD.split('\n').find((l) => l.startsWith(`| ${fault} |`))
  expect(row, `FAULTS.md has no row for "${fault}"`).toBeTruthy()
  expect(row!.split('|')[2]!.trim()).toBe(String(exit))
}

beforeAll(async () => {
  requireOpenssl()
  if (spawnSync('sh', ['-c', 'command -v kubectl']).status !== 0) throw new Error('kubectl is not installed: the fault suite needs it')
  tmp = mkdtempSync(join(tmpdir(), 'eksauth-faults-'))
  srv = await startApiServer({users: {[ADMIN]: {groups: ['system:masters'], username: 'admin'}}})
  kubeconfig = srv.kubeconfig()
  moto = await startMoto()
  proxy = await startFaultProxy(moto.endpoint)
  const iam = new IAMClient({credentials: {accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'x'}, endpoint: moto.endpoint, region: 'us-east-1'})
  await iam.send(new CreateUserCommand({UserName: 'bob'}))
  iam.destroy()
}, 90_000)

afterAll(async () => {
  await proxy?.stop()
  await moto?.stop()
  await srv?.stop()
  rmSync(tmp, {force: true, recursive: true})
})

beforeEach(() => {
  srv.faults.clear()
  srv.setAuthorizer()
  srv.setConfigMap({data: SEED})
  srv.clearRequests()
  proxy.faults = []
  proxy.seen = []
  state = mkdtempSync(join(tmp, 'state-'))
})

describe('Kubernetes API faults (map-user / unmap / restore, live)', () => {
  it('500 on the read, once: retried (visible), then fully updated; exit 0', async () => {
    srv.faults.failNext(1, 500, {match: GET})
    const r = await mapUser()
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/retry: get configmaps "aws-auth" in kube-system: 500 InternalError from https:\/\/127\.0\.0\.1:\d+; retrying in \d+ ms \(retry 1 of 2\)/)
    expect(requests(GET).length).toBeGreaterThanOrEqual(2)
    expectFullyUpdated()
    expectBackupOfSeed()
    documented('500 on the read, once', 0)
  })

  it('503 with Retry-After on the write, twice: both retries visible, then fully updated; exit 0', async () => {
    srv.faults.failNext(2, 503, {match: PUT, retryAfterSeconds: 1})
    const r = await mapUser()
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr.match(/retry: update configmaps "aws-auth" in kube-system: 503/g)).toHaveLength(2)
    expect(requests(PUT)).toHaveLength(3)
    expectFullyUpdated()
    expectBackupOfSeed()
    documented('503 on the write, twice', 0)
  })

  it('500 on every write: 3 attempts (2 retries, visible), exit 9, unchanged, backup kept', async () => {
    srv.faults.failNext(100, 500, {match: PUT})
    const r = await mapUser()
    expect(r.code).toBe(9)
    expect(oneLine(r.stderr)).toMatch(/Error: the API server https:\/\/127\.0\.0\.1:\d+ \(context admin\) failed to update configmaps "aws-auth" in kube-system: 500 InternalError/)
    expect(r.stderr.match(/^retry: /gm)).toHaveLength(2)
    expect(requests(PUT)).toHaveLength(3)
    expectNoStack(r)
    expectUnchanged()
    expectBackupOfSeed()
    documented('500 on every write', 9)
  })

  it('429 on every read: 3 attempts, exit 9, unchanged, no backup (nothing was read)', async () => {
    srv.faults.failNext(100, 429, {match: GET, retryAfterSeconds: 1})
    const r = await mapUser()
    expect(r.code).toBe(9)
    expect(oneLine(r.stderr)).toMatch(/failed to get configmaps "aws-auth" in kube-system: 429 TooManyRequests/)
    expect(r.stderr.match(/^retry: get configmaps "aws-auth" in kube-system: 429/gm)).toHaveLength(2)
    expect(requests(GET)).toHaveLength(3)
    expect(requests(PUT)).toHaveLength(0)
    expectNoStack(r)
    expectUnchanged()
    expect(backups()).toEqual([])
    documented('429 on every read', 9)
  })

  it('429 on the write, twice, then accepted: exit 0, fully updated', async () => {
    srv.faults.failNext(2, 429, {match: PUT})
    const r = await mapUser()
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr.match(/^retry: update configmaps "aws-auth" in kube-system: 429/gm)).toHaveLength(2)
    expectFullyUpdated()
    expectBackupOfSeed()
    documented('429 on the write, twice', 0)
  })

  it('timeout: the API server does not answer the read within 30 s: exit 9, unchanged, not retried', async () => {
    srv.faults.latency(32_000, GET)
    const r = await mapUser()
    expect(r.code).toBe(9)
    expect(oneLine(r.stderr)).toMatch(/the API server https:\/\/127\.0\.0\.1:\d+ \(context admin\) did not answer within 30 s/)
    expectNoStack(r)
    srv.faults.clear()
    expectUnchanged()
    expect(backups()).toEqual([])
    documented('no answer to the read (timeout)', 9)
  }, 90_000)

  it('connection reset in the middle of the write (before it is applied): retried, fully updated, exit 0', async () => {
    srv.faults.dropNext(1, {at: 'after-body', match: PUT})
    const r = await mapUser()
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/retry: update configmaps "aws-auth" in kube-system: ECONNRESET/)
    expect(requests(PUT)).toHaveLength(2)
    expectFullyUpdated()
    expectBackupOfSeed()
    documented('connection reset during the write, before it is applied', 0)
  })

  it('connection reset after the write was applied (answer lost): the retry sees 409, re-reads, finds it done; exit 0, backup kept', async () => {
    srv.faults.dropNext(1, {at: 'after-commit', match: PUT})
    const r = await mapUser(['--json'])
    expect(r.code, r.stderr).toBe(0)
    const out = JSON.parse(r.stdout)
    expect(out.action).toBe('unchanged')
    expectFullyUpdated()
    // the backup of the state before our (landed) write must survive: it is the only way back
    const b = expectBackupOfSeed()
    expect(out.backupPath).toBe(b)
    expect(out.notes.join(' ')).toMatch(/earlier attempt may have written this change/)
    const human = await runCli(['unmap', '--arn', BOB, '--kubeconfig', kubeconfig, '--yes'], {env: env()})
    expect(human.code, human.stderr).toBe(0)
    documented('connection reset after the write was applied', 0)
  })

  it('connection reset on every write: 3 attempts, exit 9, unchanged, backup kept', async () => {
    srv.faults.dropNext(100, {at: 'after-body', match: PUT})
    const r = await mapUser()
    expect(r.code).toBe(9)
    expect(oneLine(r.stderr)).toMatch(/cannot reach the API server https:\/\/127\.0\.0\.1:\d+ \(context admin\): the connection was reset/)
    expect(r.stderr.match(/^retry: update configmaps "aws-auth" in kube-system: ECONNRESET/gm)).toHaveLength(2)
    expect(requests(PUT)).toHaveLength(3)
    expectNoStack(r)
    expectUnchanged()
    expectBackupOfSeed()
    documented('connection reset on every write', 9)
  })

  it('the ConfigMap is deleted between our read and our write: exit 3, not re-created, the backup holds it and restore brings it back', async () => {
    srv.faults.before(PUT, () => srv.deleteConfigMap())
    const r = await mapUser()
    expect(r.code).toBe(3)
    const b = expectBackupOfSeed()
    // oclif wraps long lines even inside a path: compare without whitespace
    const squash = (s: string): string => s.replace(/\s*›\s*/g, '').replace(/\s+/g, '')
    expect(squash(r.stderr)).toContain(squash(`Error: aws-auth was deleted by someone else while eksauth was editing it; nothing was written: its last content is in the backup ${b} (eksauth restore ${b})`))
    expect(r.stderr).toMatch(/conflict: .*deleted since it was read; re-reading and retrying/)
    expectNoStack(r)
    expect(srv.getConfigMap()).toBeUndefined()
    const back = await runCli(['restore', b, '--kubeconfig', kubeconfig, '--yes'], {env: env()})
    expect(back.code, back.stderr).toBe(0)
    expectUnchanged()
    documented('aws-auth deleted between read and write', 3)
  })

  it('another writer wins every time (conflict on every write): 15 attempts, 14 visible retries, exit 3, no backups left', async () => {
    srv.faults.before(PUT, () => void srv.bumpConfigMap(), Infinity)
    const r = await mapUser()
    expect(r.code).toBe(3)
    expect(oneLine(r.stderr)).toMatch(/aws-auth kept changing under us: 15 attempts all lost a conflict .*nothing was written, run the command again/)
    expect(r.stderr.match(/^conflict: .*re-reading and retrying in \d+ ms \(attempt \d+ of 15\)$/gm)).toHaveLength(14)
    expect(requests(PUT)).toHaveLength(15)
    expectNoStack(r)
    const d = data()!
    expect(d).toEqual(SEED)
    expect(backups()).toEqual([])
    documented('conflict on every write', 3)
  }, 120_000)

  it('credentials expire mid-command (401 on the write): exit 6, not retried, unchanged, backup kept', async () => {
    srv.faults.failNext(1, 401, {match: PUT})
    const r = await mapUser()
    expect(r.code).toBe(6)
    expect(oneLine(r.stderr)).toMatch(/the cluster rejected the credentials of context admin/)
    expect(requests(PUT)).toHaveLength(1)
    expectNoStack(r)
    expectUnchanged()
    expectBackupOfSeed()
    documented('credentials expire mid-command (401 on the write)', 6)
  })

  it('the credential plugin fails (expired SSO session): exit 6 naming the plugin, unchanged', async () => {
    const dir = mkdtempSync(join(tmp, 'exec-'))
    const exec = writeExecPlugin(dir, ADMIN, {fail: 'Error when retrieving token from sso: Token has expired and refresh failed'})
    const kc = srv.kubeconfig({contexts: [{exec, name: 'sso'}], path: join(dir, 'kubeconfig')})
    const r = await mapUser([], 'none', kc)
    expect(r.code).toBe(6)
    expect(oneLine(r.stderr)).toMatch(/the credential plugin of context sso \(`.*`\) failed: .*Token has expired and refresh failed/)
    expectNoStack(r)
    expectUnchanged()
    documented('credential plugin fails (expired SSO session)', 6)
  })

  it('unmap and restore go through the same retries: 503 once on each write', async () => {
    srv.setConfigMap({data: {...SEED, mapUsers: `- userarn: ${BOB}\n  username: bob\n  groups: [devs]\n`}})
    srv.faults.failNext(1, 503, {match: PUT})
    const u = await runCli(['unmap', '--arn', BOB, '--kubeconfig', kubeconfig, '--yes'], {env: env()})
    expect(u.code, u.stderr).toBe(0)
    expect(u.stderr).toMatch(/retry: update configmaps "aws-auth" in kube-system: 503/)
    expectUnchanged()
    const b = backups()[0]!
    srv.faults.failNext(1, 503, {match: PUT})
    const r = await runCli(['restore', b, '--kubeconfig', kubeconfig, '--yes'], {env: env()})
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/retry: update configmaps "aws-auth" in kube-system: 503/)
    expect(parseAwsAuth(data()!).userIndex.has(BOB)).toBe(true)
  })
})

describe('AWS faults (IAM existence check against moto behind a fault proxy)', () => {
  it('IAM throttling twice: retried by the SDK (visible), then the write goes on; exit 0', async () => {
    proxy.faults.push({action: 'GetUser', code: 'Throttling', message: 'Rate exceeded', remaining: 2, status: 400})
    const r = await mapUser([], 'moto')
    expect(r.code, r.stderr).toBe(0)
    expect(proxy.seen.filter((a) => a === 'GetUser')).toHaveLength(3)
    expect(r.stderr.match(/^retry: iam:GetUser: Throttling/gm)).toHaveLength(2)
    expectFullyUpdated()
    documented('IAM throttling, twice', 0)
  })

  it('IAM throttling on every call: 5 attempts (AWS_MAX_ATTEMPTS default), a warning, the write still goes on (existence not verified); exit 0', async () => {
    proxy.faults.push({action: 'GetUser', code: 'Throttling', message: 'Rate exceeded', remaining: 100, status: 400})
    const r = await mapUser([], 'moto')
    expect(proxy.seen.filter((a) => a === 'GetUser')).toHaveLength(5)
    expect(r.stderr.match(/^retry: iam:GetUser: Throttling/gm)).toHaveLength(4)
    expect(oneLine(r.stderr)).toMatch(/warning: could not check that arn:aws:iam::123456789012:user\/bob exists: iam:GetUser failed/)
    expect(r.code, r.stderr).toBe(0)
    expectFullyUpdated()
    documented('IAM throttling on every call', 0)
  })

  it('AWS credentials expire mid-command (ExpiredToken from IAM): exit 6, nothing written, no backup', async () => {
    proxy.faults.push({action: 'GetUser', code: 'ExpiredToken', message: 'The security token included in the request is expired', remaining: 100, status: 403})
    proxy.faults.push({action: 'GetCallerIdentity', code: 'ExpiredToken', message: 'The security token included in the request is expired', remaining: 100, status: 403})
    const r = await mapUser([], 'moto')
    expect(r.code, r.stderr).toBe(6)
    expect(oneLine(r.stderr)).toMatch(/Error: sts:GetCallerIdentity: .*expired/i)
    expectNoStack(r)
    expectUnchanged()
    expect(backups()).toEqual([])
    documented('AWS credentials expire mid-command', 6)
  })

  it('IAM 500 on every call: 5 attempts, a warning, the write goes on; exit 0', async () => {
    proxy.faults.push({action: 'GetUser', code: 'ServiceUnavailable', message: 'Service is unavailable', remaining: 100, status: 503})
    const r = await mapUser([], 'moto')
    expect(proxy.seen.filter((a) => a === 'GetUser')).toHaveLength(5)
    expect(r.stderr.match(/^retry: iam:GetUser: /gm)).toHaveLength(4)
    expect(r.code, r.stderr).toBe(0)
    expectFullyUpdated()
    documented('IAM 503 on every call', 0)
  })
})
