/**
 * map-role / map-user / unmap / restore against the test Kubernetes API server (TLS, tokens, RBAC, real
 * resourceVersion and 409 semantics) through the built CLI. kubectl and openssl are required: missing means FAIL.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, beforeEach, describe, expect, it} from 'vitest'

import {parseAwsAuth} from '../../src/core/aws-auth/authenticator.js'
import {runCli, runCliJson} from '../support/cli.js'
import {type ApiServer, kubectl, requireOpenssl, startApiServer} from '../support/k8s-api-server.js'

const ADMIN = 'tok-admin-e2e-0123456789'
const VIEWER = 'tok-viewer-e2e-0123456789'
const AWS_AUTH = '/api/v1/namespaces/kube-system/configmaps/aws-auth'
const NODE = 'arn:aws:iam::111122223333:role/nodes'
const MAP_ROLES = `# nodes: do not touch
- rolearn: ${NODE}
  username: system:node:{{EC2PrivateDNSName}}
  groups: [system:bootstrappers, system:nodes]

- rolearn: arn:aws:iam::111122223333:role/Admin   # break-glass
  username: admin:{{SessionName}}
  groups:
    - system:masters
`
const SEED = {mapAccounts: '- "444455556666"\n', mapRoles: MAP_ROLES, mapUsers: '[]\n', other: 'kept: yes\n'}

let srv: ApiServer
let kubeconfig: string
let tmp: string
let state: string

const env = (): Record<string, string> => ({
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_EC2_METADATA_DISABLED: 'true',
  AWS_ENDPOINT_URL: 'http://127.0.0.1:9', // nothing listens: the caller lookup fails fast and the guard says so
  AWS_REGION: 'us-east-1',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  XDG_STATE_HOME: state,
})
const cliJson = (args: string[]) =>
  runCliJson([...args, '--kubeconfig', kubeconfig, ...(args[0]?.startsWith('map') ? ['--no-verify-iam'] : [])], {env: env(), timeoutMs: 120_000})
const data = (): Record<string, string> => (srv.getConfigMap()?.data ?? {}) as Record<string, string>

beforeAll(async () => {
  requireOpenssl()
  const kubectl = spawnSync('sh', ['-c', 'command -v kubectl'])
  if (kubectl.status !== 0) throw new Error('kubectl is not installed: these tests race a real kubectl replace')
  tmp = mkdtempSync(join(tmpdir(), 'eksauth-edit-live-'))
  srv = await startApiServer({
    users: {[ADMIN]: {groups: ['system:masters'], username: 'admin'}, [VIEWER]: {groups: [], username: 'viewer'}},
  })
  kubeconfig = srv.kubeconfig()
}, 60_000)

afterAll(async () => {
  await srv?.stop()
  rmSync(tmp, {force: true, recursive: true})
})

beforeEach(() => {
  srv.faults.clear()
  srv.setAuthorizer()
  srv.setConfigMap({data: SEED})
  srv.clearRequests()
  state = mkdtempSync(join(tmp, 'state-'))
})

describe('live edits', () => {
  it('map-role: diff, backup (0600 in 0700 dirs) with the previous data and resourceVersion, every other byte kept', async () => {
    const rvBefore = srv.getConfigMap()!.metadata.resourceVersion as string
    const res = await runCli(['map-role', '--arn', 'arn:aws:iam::111122223333:role/team/Dev', '--group', 'developers', '--kubeconfig', kubeconfig, '--no-verify-iam', '--yes'], {env: env()})
    expect(res.stderr).toContain('writing arn:aws:iam::111122223333:role/Dev')
    expect(res.code, res.stderr).toBe(0)
    expect(res.stdout).toContain('+- rolearn: arn:aws:iam::111122223333:role/Dev')
    const m = /backup of the previous aws-auth: (\S+)/.exec(res.stdout)
    expect(m).not.toBeNull()
    const backup = m![1]!
    expect(backup.startsWith(join(state, 'eksauth', 'backups'))).toBe(true)
    expect(statSync(backup).mode & 0o777).toBe(0o600)
    for (const dir of [join(state, 'eksauth'), join(state, 'eksauth', 'backups'), join(backup, '..')]) expect(statSync(dir).mode & 0o777).toBe(0o700)
    const rec = JSON.parse(readFileSync(backup, 'utf8'))
    expect(rec.data).toEqual(SEED)
    expect(rec.resourceVersion).toBe(rvBefore)
    expect(rec.context).toBeTruthy()
    const now = data()
    expect(now.mapRoles).toBe(`${MAP_ROLES}- rolearn: arn:aws:iam::111122223333:role/Dev\n  username: "Dev:{{SessionName}}"\n  groups: [developers]\n`)
    for (const k of ['mapAccounts', 'mapUsers', 'other']) expect(now[k]).toBe(SEED[k as keyof typeof SEED])
    // the same again is a no-op: exit 0, nothing sent
    srv.clearRequests()
    const again = await runCli(['map-role', '--arn', 'arn:aws:iam::111122223333:role/Dev', '--group', 'developers', '--kubeconfig', kubeconfig, '--no-verify-iam', '--yes'], {env: env()})
    expect(again.code).toBe(0)
    expect(again.stdout).toContain('already mapped')
    expect(srv.requests.filter((r) => r.method === 'PUT')).toHaveLength(0)
  })

  it('restore puts the backup back through the same path (and backs up the current state first)', async () => {
    const first = await cliJson(['map-user', '--arn', 'arn:aws:iam::111122223333:user/bob', '--username', 'bob', '--group', 'g', '--yes'])
    expect(first.code, first.stderr).toBe(0)
    expect(first.json).toMatchObject({action: 'created', section: 'mapUsers', dryRun: false, mode: 'cluster'})
    expect(data().mapUsers).not.toBe(SEED.mapUsers)
    const r = await cliJson(['restore', first.json.backupPath, '--yes'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json.action).toBe('restored')
    expect(r.json.backupPath).toMatch(/\.json$/)
    expect(data()).toEqual(SEED)
    const bad = join(tmp, 'bad.json')
    writeFileSync(bad, '{"nope": 1}')
    const b = await runCli(['restore', bad, '--kubeconfig', kubeconfig, '--yes'], {env: env()})
    expect(b.code).toBe(4)
    expect(b.stderr).toMatch(/not an eksauth backup/)
  })

  it('--dry-run sends dryRun=All, persists nothing and takes no backup', async () => {
    const rv = srv.resourceVersion()
    const r = await cliJson(['map-role', '--arn', 'arn:aws:iam::111122223333:role/Dev', '--group', 'g', '--dry-run'])
    expect(r.code, r.stderr).toBe(0)
    expect(r.json).toMatchObject({action: 'created', dryRun: true, backupPath: null})
    const puts = srv.requests.filter((q) => q.method === 'PUT' && q.path === AWS_AUTH)
    expect(puts).toHaveLength(1)
    expect(puts[0]!.query.dryRun).toBe('All')
    expect(srv.resourceVersion()).toBe(rv)
    expect(data()).toEqual(SEED)
    expect(readdirSync(state)).toEqual([])
  })

  it('without a terminal and without --yes nothing is written', async () => {
    const r = await runCli(['map-role', '--arn', 'arn:aws:iam::111122223333:role/Dev', '--group', 'g', '--kubeconfig', kubeconfig, '--no-verify-iam'], {env: env()})
    expect(r.code).toBe(7)
    expect(r.stderr).toMatch(/--yes/)
    expect(data()).toEqual(SEED)
  })

  it('guards: removing the node role or the last system:masters mapping is refused (exit 7) unless --force', async () => {
    const a = await runCli(['unmap', '--arn', NODE, '--kubeconfig', kubeconfig, '--yes'], {env: env()})
    expect(a.code).toBe(7)
    expect(a.stderr).toMatch(/node mapping/)
    const b = await runCli(['unmap', '--username', 'admin:{{SessionName}}', '--kubeconfig', kubeconfig, '--yes'], {env: env()})
    expect(b.code).toBe(7)
    expect(b.stderr).toMatch(/last system:masters/)
    expect(data()).toEqual(SEED)
    const c = await runCli(['unmap', '--arn', NODE, '--kubeconfig', kubeconfig, '--yes', '--force'], {env: env()})
    expect(c.code, c.stderr).toBe(0)
    expect(parseAwsAuth(data()).roles.map((e) => e.arn)).not.toContain(NODE)
  })

  it('an unparseable section is refused, naming it and saying EKS already ignores it', async () => {
    srv.setConfigMap({data: {...SEED, mapUsers: '- userarn: arn:aws:iam::111122223333:user/x\n  username: {{SessionName}}\n'}})
    const r = await runCli(['map-role', '--arn', 'arn:aws:iam::111122223333:role/Dev', '--group', 'g', '--kubeconfig', kubeconfig, '--no-verify-iam', '--yes'], {env: env()})
    expect(r.code).toBe(7)
    const msg = r.stderr.replace(/\s*›\s*/g, ' ').replace(/\s+/g, ' ')
    expect(msg).toMatch(/mapUsers does not parse/)
    expect(msg).toMatch(/already ignoring/)
  })

  it('403 fails at once with exit 6 naming the missing permission; nothing retried', async () => {
    srv.setAuthorizer((a) => !(a.verb === 'update' && a.resource === 'configmaps'))
    const r = await runCli(['map-role', '--arn', 'arn:aws:iam::111122223333:role/Dev', '--group', 'g', '--kubeconfig', kubeconfig, '--no-verify-iam', '--yes'], {env: env()})
    expect(r.code).toBe(6)
    expect(r.stderr).toMatch(/update/)
    expect(r.stderr).toMatch(/configmaps/)
    expect(r.stderr).toMatch(/aws-auth/)
    expect(srv.requests.filter((q) => q.method === 'PUT')).toHaveLength(1)
    expect(r.stderr).not.toContain(ADMIN)
    // the backup of a write that never happened stays: harmless, and it is the live state
  })

  it('another writer racing us (kubectl replace semantics): our write gets 409, re-reads, re-applies; both changes survive', async () => {
    // The other write lands between our GET and our PUT (the next test does the same with a real kubectl replace).
    let raced = false
    srv.faults.before({method: 'PUT', path: AWS_AUTH}, () => {
      if (raced) return
      raced = true
      const cur = data()
      srv.setConfigMap({data: {...cur, mapUsers: '- userarn: arn:aws:iam::111122223333:user/kubectl-user\n  username: kubectl-user\n  groups: [ops]\n'}})
    })
    const r = await runCli(['map-role', '--arn', 'arn:aws:iam::111122223333:role/Dev', '--group', 'g', '--kubeconfig', kubeconfig, '--no-verify-iam', '--yes'], {env: env()})
    expect(raced).toBe(true)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/conflict.*retrying/)
    const view = parseAwsAuth(data())
    expect(view.roleIndex.has('arn:aws:iam::111122223333:role/dev')).toBe(true)
    expect(view.userIndex.has('arn:aws:iam::111122223333:user/kubectl-user')).toBe(true)
    expect(data().mapRoles!.startsWith(MAP_ROLES)).toBe(true)
  })

  it('a real `kubectl replace` lands between our read and our write: 409, re-read, re-apply; both changes survive', async () => {
    let replaced: {code: number; stderr: string} | undefined
    srv.faults.before({method: 'PUT', path: AWS_AUTH}, async () => {
      // kubectl replaces aws-auth with the resourceVersion it just read, as a person editing by hand would
      const cm = srv.getConfigMap() as {data?: Record<string, string>; metadata: Record<string, unknown>}
      const file = join(tmp, 'kubectl-replace.json')
      writeFileSync(
        file,
        JSON.stringify({
          apiVersion: 'v1',
          data: {...cm.data, mapUsers: '- userarn: arn:aws:iam::111122223333:user/by-kubectl\n  username: by-kubectl\n  groups: [ops]\n'},
          kind: 'ConfigMap',
          metadata: {name: 'aws-auth', namespace: 'kube-system', resourceVersion: cm.metadata.resourceVersion},
        }),
      )
      replaced = await kubectl(['replace', '--validate=false', '-f', file], {home: tmp, kubeconfig})
    })
    const r = await runCli(['map-role', '--arn', 'arn:aws:iam::111122223333:role/Racer', '--group', 'g', '--kubeconfig', kubeconfig, '--no-verify-iam', '--yes'], {env: env()})
    expect(replaced?.code, replaced?.stderr).toBe(0)
    expect(r.code, r.stderr).toBe(0)
    expect(r.stderr).toMatch(/conflict.*retrying/)
    const view = parseAwsAuth(data())
    expect(view.roleIndex.has('arn:aws:iam::111122223333:role/racer')).toBe(true)
    expect(view.userIndex.has('arn:aws:iam::111122223333:user/by-kubectl')).toBe(true)
  })

  it('20 concurrent map-user processes with injected latency all succeed; all 20 plus everything before are present', async () => {
    srv.faults.latency(40)
    const n = 20
    const runs = await Promise.all(
      Array.from({length: n}, (_, i) =>
        runCli(
          ['map-user', '--arn', `arn:aws:iam::111122223333:user/user${i}`, '--username', `user${i}`, '--group', 'team', '--kubeconfig', kubeconfig, '--no-verify-iam', '--yes', '--json'],
          // generous: on a loaded CI machine 20 node processes starting at once are slow; the bound under test is
          // the retry count, not wall time
          {env: env(), timeoutMs: 300_000},
        ),
      ),
    )
    const attempts = runs.map((r) => (r.code === 0 ? (JSON.parse(r.stdout).attempts as number) : -1))
    for (const r of runs) expect(r.code, `exit ${r.code}: ${r.stderr.slice(-600)}`).toBe(0)
    const now = data()
    const view = parseAwsAuth(now)
    for (let i = 0; i < n; i++) expect(view.userIndex.get(`arn:aws:iam::111122223333:user/user${i}`)?.username).toBe(`user${i}`)
    expect(view.users).toHaveLength(n)
    expect(now.mapRoles).toBe(SEED.mapRoles)
    expect(now.mapAccounts).toBe(SEED.mapAccounts)
    expect(now.other).toBe(SEED.other)
    console.log(`concurrency: attempts per process ${JSON.stringify(attempts)}; max ${Math.max(...attempts)}`)
  }, 360_000)
})
