/**
 * src/adapters/k8s against the test API server: client-node on the wire, over TLS, with tokens and exec plugins.
 */
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {ClusterAwsAuthStore} from '../../src/adapters/k8s/aws-auth-store.js'
import {Cluster, type ClusterOptions} from '../../src/adapters/k8s/cluster.js'
import {loadKubeconfig} from '../../src/adapters/k8s/kubeconfig.js'
import {ClusterRbacReader} from '../../src/adapters/k8s/rbac-reader.js'
import {selfSubjectReview} from '../../src/adapters/k8s/self-review.js'
import {EksauthError, ExitCode} from '../../src/core/errors.js'
import {ConflictError} from '../../src/core/ports.js'
import {type ApiServer, requireOpenssl, startApiServer, writeExecPlugin} from '../support/k8s-api-server.js'
import {freePort} from '../support/moto.js'

const ADMIN = 'tok-admin-0123456789'
const ALICE = 'tok-alice-0123456789'
const AWS_AUTH = '/api/v1/namespaces/kube-system/configmaps/aws-auth'
const MAP_ROLES = '- rolearn: arn:aws:iam::111122223333:role/node\n  username: system:node:{{EC2PrivateDNSName}}\n  groups: [system:bootstrappers, system:nodes]\n'

let srv: ApiServer
let kubeconfig: string
let tmp: string

/** fast options for tests: no retries unless a test asks, short backoff */
const fast = (o: ClusterOptions = {}): ClusterOptions => ({kubeconfig, retries: 0, retryBaseMs: 10, ...o})
const open = (o: ClusterOptions = {}): Promise<ClusterAwsAuthStore> => ClusterAwsAuthStore.open(fast(o))

const seedAwsAuth = (): void => {
  srv.setConfigMap({
    data: {mapRoles: MAP_ROLES, mapUsers: '[]\n'},
    binaryData: {blob: Buffer.from('keep me').toString('base64')},
    labels: {'app.kubernetes.io/managed-by': 'eks'},
    annotations: {'example.com/note': 'keep'},
  })
}

async function failure(p: Promise<unknown>): Promise<EksauthError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  )
  expect(e).toBeInstanceOf(EksauthError)
  const err = e as EksauthError
  for (const secret of [ADMIN, ALICE, 'tok-bad-secret']) {
    expect(err.message).not.toContain(secret)
    expect(JSON.stringify(err.details ?? {})).not.toContain(secret)
  }
  return err
}

beforeAll(async () => {
  requireOpenssl()
  tmp = mkdtempSync(join(tmpdir(), 'eksauth-k8s-adapter-'))
  srv = await startApiServer({
    users: {
      [ADMIN]: {username: 'kubernetes-admin', groups: ['system:masters'], uid: 'uid-admin'},
      [ALICE]: {username: 'alice', groups: ['devs'], uid: 'uid-alice', extra: {arn: ['arn:aws:sts::111122223333:assumed-role/dev/alice']}},
    },
    authorize: (a) => a.user.groups.includes('system:masters') || a.verb === 'get',
    seed: {namespaces: ['team-a', 'team-b']},
  })
  kubeconfig = srv.kubeconfig({
    contexts: [
      {name: 'admin', token: ADMIN},
      {name: 'alice', token: ALICE},
    ],
    clusterName: 'arn:aws:eks:eu-west-1:111122223333:cluster/prod',
  })
})

afterAll(async () => {
  await srv?.stop()
  if (tmp) rmSync(tmp, {recursive: true, force: true})
})

afterEach(() => {
  srv.faults.clear()
  srv.clearRequests()
  seedAwsAuth()
})

describe('ClusterAwsAuthStore', () => {
  it('reads aws-auth with its resourceVersion', async () => {
    seedAwsAuth()
    const store = await open()
    expect(store.describe()).toBe('cluster prod (context admin)')
    const snap = await store.read()
    expect(snap).toEqual({
      exists: true,
      data: {mapRoles: MAP_ROLES, mapUsers: '[]\n'},
      resourceVersion: srv.getConfigMap()!.metadata.resourceVersion,
      source: 'admin/kube-system/aws-auth',
    })
  })

  it('writes the whole object as read, conditional on its resourceVersion, with fieldManager eksauth', async () => {
    const store = await open()
    const snap = await store.read()
    const before = srv.getConfigMap()!
    const res = await store.write({...snap.data, mapRoles: `${MAP_ROLES}- rolearn: arn:aws:iam::111122223333:role/admin\n  username: admin\n`}, snap)
    const after = srv.getConfigMap()!
    expect(res.resourceVersion).toBe(after.metadata.resourceVersion)
    expect(Number(res.resourceVersion)).toBeGreaterThan(Number(snap.resourceVersion))
    expect(after.metadata.labels).toEqual(before.metadata.labels)
    expect(after.metadata.annotations).toEqual(before.metadata.annotations)
    expect(after.metadata.uid).toBe(before.metadata.uid)
    expect(after.binaryData).toEqual(before.binaryData)
    expect(after.data).toMatchObject({mapUsers: '[]\n'})
    const put = srv.requests.find((r) => r.method === 'PUT')!
    expect(put).toMatchObject({path: AWS_AUTH, user: 'kubernetes-admin', query: {fieldManager: 'eksauth'}})
    expect((put.body as {metadata: {resourceVersion: string}}).metadata.resourceVersion).toBe(snap.resourceVersion)
    // a second write from the new snapshot works too (the store remembers what it wrote)
    const snap2 = await store.read()
    await store.write({...snap2.data, extra: 'x'}, snap2)
    expect(srv.getConfigMap()!.data).toMatchObject({extra: 'x'})
  })

  it('someone else wrote between read and write: ConflictError (409), and when it was deleted meanwhile', async () => {
    const store = await open()
    const snap = await store.read()
    srv.bumpConfigMap()
    await expect(store.write({mapRoles: 'x'}, snap)).rejects.toBeInstanceOf(ConflictError)

    const snap2 = await store.read()
    srv.faults.before({method: 'PUT', path: AWS_AUTH}, () => srv.deleteConfigMap())
    await expect(store.write({mapRoles: 'x'}, snap2)).rejects.toBeInstanceOf(ConflictError)
    expect(srv.getConfigMap()).toBeUndefined()
  })

  it('a snapshot this store did not read: checked against the cluster first', async () => {
    const reader = await open()
    const snap = await reader.read()
    const writer = await open()
    await writer.write({...snap.data, k: 'v'}, snap)
    expect(srv.getConfigMap()!.metadata.annotations).toEqual({'example.com/note': 'keep'})
    await expect(writer.write({k: 'again'}, snap)).rejects.toBeInstanceOf(ConflictError)
  })

  it('creates aws-auth when it does not exist; AlreadyExists (someone created it first) is a ConflictError', async () => {
    srv.deleteConfigMap()
    const store = await open()
    const snap = await store.read()
    expect(snap).toEqual({exists: false, data: {}, source: 'admin/kube-system/aws-auth'})
    const res = await store.write({mapRoles: MAP_ROLES}, snap)
    expect(srv.getConfigMap()).toMatchObject({data: {mapRoles: MAP_ROLES}, metadata: {resourceVersion: res.resourceVersion}})
    expect(srv.requests.find((r) => r.method === 'POST')).toMatchObject({query: {fieldManager: 'eksauth'}})

    srv.deleteConfigMap()
    const absent = await store.read()
    srv.setConfigMap({data: {mapRoles: 'theirs'}})
    const e = await store.write({mapRoles: MAP_ROLES}, absent).catch((err: unknown) => err)
    expect(e).toBeInstanceOf(ConflictError)
    expect((e as Error).message).toBe('kube-system/aws-auth was created by someone else since it was read')
    expect(srv.getConfigMap()!.data).toEqual({mapRoles: 'theirs'})
  })

  it('dryRun sends dryRun=All and persists nothing, for replace and for create', async () => {
    const store = await open()
    const snap = await store.read()
    const before = srv.getConfigMap()
    const res = await store.write({mapRoles: 'dry'}, snap, {dryRun: true})
    expect(res.resourceVersion).toBe(snap.resourceVersion)
    expect(srv.getConfigMap()).toEqual(before)
    expect(srv.requests.find((r) => r.method === 'PUT')!.query).toEqual({dryRun: 'All', fieldManager: 'eksauth'})

    srv.deleteConfigMap()
    const absent = await store.read()
    await store.write({mapRoles: 'dry'}, absent, {dryRun: true})
    expect(srv.getConfigMap()).toBeUndefined()
    expect(srv.requests.find((r) => r.method === 'POST')!.query.dryRun).toBe('All')
  })

  it('a dry run still reports what the server refuses (422 -> BAD_INPUT with the server message)', async () => {
    const store = await open()
    const snap = await store.read()
    const e = await failure(store.write({'bad key': 'x'}, snap, {dryRun: true}))
    expect(e.exit).toBe(ExitCode.BAD_INPUT)
    expect(e.message).toMatch(
      /^the cluster refused to update configmaps "aws-auth" in kube-system: ConfigMap "aws-auth" is invalid: data\[bad key\]: Invalid value/,
    )
  })
})

describe('error mapping', () => {
  it('401 -> NOT_AUTHORIZED naming the context, never the token', async () => {
    const kc = srv.kubeconfig({contexts: [{name: 'stale', token: 'tok-bad-secret'}]})
    const e = await failure((await ClusterAwsAuthStore.open(fast({kubeconfig: kc}))).read())
    expect(e.exit).toBe(ExitCode.NOT_AUTHORIZED)
    expect(e.message).toBe('the cluster rejected the credentials of context stale: run `eksauth whoami`')
  })

  it('403 -> NOT_AUTHORIZED naming the missing permission and the object', async () => {
    const store = await open({context: 'alice'})
    const snap = await store.read()
    const e = await failure(store.write({mapRoles: 'x'}, snap))
    expect(e.exit).toBe(ExitCode.NOT_AUTHORIZED)
    expect(e.message).toBe('forbidden: user "alice" (context alice) needs "update" on configmaps "aws-auth" in kube-system')
    const list = await failure((await ClusterRbacReader.open(fast({context: 'alice'}))).clusterRoles())
    expect(list.message).toBe('forbidden: user "alice" (context alice) needs "list" on clusterroles.rbac.authorization.k8s.io (cluster-wide)')
  })

  it('a missing namespace on create -> NOT_FOUND', async () => {
    const store = new ClusterAwsAuthStore(await Cluster.connect(fast()), {namespace: 'nope'})
    const snap = await store.read()
    expect(snap.exists).toBe(false)
    const e = await failure(store.write({mapRoles: 'x'}, snap))
    expect(e.exit).toBe(ExitCode.NOT_FOUND)
    expect(e.message).toBe('namespace nope does not exist on cluster prod (context admin)')
  })

  it('5xx -> UNAVAILABLE naming the server; retried when retries are allowed (Retry-After honoured)', async () => {
    srv.faults.failNext(5, 503, {match: {method: 'GET', path: AWS_AUTH}})
    const e = await failure((await open()).read())
    expect(e.exit).toBe(ExitCode.UNAVAILABLE)
    expect(e.message).toBe(
      `the API server ${srv.url} (context admin) failed to get configmaps "aws-auth" in kube-system: 503 ServiceUnavailable: The server is currently unable to handle the request`,
    )
    srv.faults.clear()
    srv.clearRequests()
    srv.faults.failNext(1, 500, {match: {path: AWS_AUTH}})
    srv.faults.failNext(1, 429, {match: {path: AWS_AUTH}, retryAfterSeconds: 1})
    const t0 = Date.now()
    const snap = await (await open({retries: 2, maxRetryAfterMs: 200})).read()
    expect(snap.exists).toBe(true)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(190)
    expect(srv.requests.filter((r) => r.path === AWS_AUTH).map((r) => r.status)).toEqual([500, 429, 200])
  })

  it('a write whose connection drops after it committed: the retry meets a 409, i.e. ConflictError', async () => {
    const store = await open({retries: 1})
    const snap = await store.read()
    srv.faults.dropNext(1, {match: {method: 'PUT'}, at: 'after-commit'})
    await expect(store.write({...snap.data, landed: 'yes'}, snap)).rejects.toBeInstanceOf(ConflictError)
    expect(srv.getConfigMap()!.data).toMatchObject({landed: 'yes'})
  })

  it('timeouts, refused and reset connections -> UNAVAILABLE', async () => {
    srv.faults.latency(3000, {path: AWS_AUTH})
    const t0 = Date.now()
    const slow = await failure((await open({timeoutMs: 300})).read())
    expect(Date.now() - t0).toBeLessThan(2500)
    expect(slow.exit).toBe(ExitCode.UNAVAILABLE)
    expect(slow.message).toBe(`the API server ${srv.url} (context admin) did not answer within 300 ms`)
    srv.faults.clear()

    const port = await freePort()
    const dead = srv.kubeconfig({contexts: [{name: 'dead', token: ADMIN}], server: `https://127.0.0.1:${port}`})
    const refused = await failure((await ClusterAwsAuthStore.open(fast({kubeconfig: dead}))).read())
    expect(refused.exit).toBe(ExitCode.UNAVAILABLE)
    expect(refused.message).toBe(`cannot reach the API server https://127.0.0.1:${port} (context dead): connection refused`)

    srv.faults.dropNext(1, {match: {path: AWS_AUTH}, at: 'before-body'})
    const reset = await failure((await open()).read())
    expect(reset.exit).toBe(ExitCode.UNAVAILABLE)
    expect(reset.message).toMatch(new RegExp(`^cannot reach the API server ${srv.url} \\(context admin\\): `))

    srv.faults.dropNext(1, {match: {path: AWS_AUTH}, at: 'before-body'})
    expect((await (await open({retries: 1})).read()).exists).toBe(true)
  })

  it('a CA that does not match -> UNAVAILABLE saying TLS verification failed', async () => {
    const other = await startApiServer({users: {}})
    try {
      const kc = srv.kubeconfig({contexts: [{name: 'wrong-ca', token: ADMIN}], caData: other.caData})
      const e = await failure((await ClusterAwsAuthStore.open(fast({kubeconfig: kc}))).read())
      expect(e.exit).toBe(ExitCode.UNAVAILABLE)
      expect(e.message).toMatch(/^TLS verification of https:\/\/127\.0\.0\.1:\d+ \(context wrong-ca\) failed \([A-Z_]+\): check certificate-authority-data of cluster test-cluster$/)
    } finally {
      await other.stop()
    }
  })
})

describe('ClusterRbacReader', () => {
  it('lists all four kinds page by page, as plain JSON with apiVersion and kind', async () => {
    const rule = {apiGroups: [''], resources: ['configmaps'], verbs: ['get']}
    srv.addRbac({
      clusterRoles: Array.from({length: 7}, (_, i) => ({metadata: {name: `cr-${i}`, labels: {n: String(i)}}, rules: [rule]})),
      clusterRoleBindings: [
        {metadata: {name: 'crb'}, roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cr-0'}, subjects: [{kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: 'devs'}]},
      ],
      roles: [
        {metadata: {name: 'r', namespace: 'team-a'}, rules: [rule]},
        {metadata: {name: 'r', namespace: 'team-b'}, rules: [rule]},
      ],
      roleBindings: Array.from({length: 4}, (_, i) => ({
        metadata: {name: `rb-${i}`, namespace: i % 2 ? 'team-b' : 'team-a'},
        roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r'},
        subjects: [{kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: `u${i}`}],
      })),
    })
    const reader = await ClusterRbacReader.open({...fast(), pageSize: 3})
    srv.clearRequests()
    const all = await reader.all()
    expect(all.clusterRoles.map((o) => o.metadata.name)).toEqual(['cr-0', 'cr-1', 'cr-2', 'cr-3', 'cr-4', 'cr-5', 'cr-6'])
    expect(all.clusterRoles[3]).toMatchObject({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: {name: 'cr-3', labels: {n: '3'}},
      rules: [rule],
    })
    expect(typeof all.clusterRoles[0]!.metadata.creationTimestamp).toBe('string')
    expect(all.clusterRoleBindings[0]).toMatchObject({kind: 'ClusterRoleBinding', roleRef: {kind: 'ClusterRole', name: 'cr-0'}, subjects: [{kind: 'Group', name: 'devs'}]})
    expect(all.roles.map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual(['team-a/r', 'team-b/r'])
    expect(all.roleBindings).toHaveLength(4)
    expect(all.roleBindings.every((o) => o.kind === 'RoleBinding' && o.apiVersion === 'rbac.authorization.k8s.io/v1')).toBe(true)
    const crPages = srv.requests.filter((r) => r.path === '/apis/rbac.authorization.k8s.io/v1/clusterroles')
    expect(crPages.map((r) => [r.query.limit, Boolean(r.query.continue)])).toEqual([
      ['3', false],
      ['3', true],
      ['3', true],
    ])
    expect((await reader.roleBindings('team-b')).map((o) => o.metadata.name)).toEqual(['rb-1', 'rb-3'])
    // the objects feed core/rbac as they are
    const {loadRbacObjects} = await import('../../src/core/rbac/objects.js')
    const loaded = loadRbacObjects([...all.clusterRoles, ...all.clusterRoleBindings, ...all.roles, ...all.roleBindings])
    expect(loaded.clusterRoles).toHaveLength(7)
    expect(loaded.roleBindings).toHaveLength(4)
  })
})

describe('selfSubjectReview', () => {
  it('returns the caller as the cluster sees it', async () => {
    expect(await selfSubjectReview(await Cluster.connect(fast({context: 'alice'})))).toEqual({
      username: 'alice',
      uid: 'uid-alice',
      groups: ['devs', 'system:authenticated'],
      extra: {arn: ['arn:aws:sts::111122223333:assumed-role/dev/alice']},
    })
  })
})

describe('kubeconfig', () => {
  it('--context selects; the description names files, cluster, server and user', async () => {
    const {description} = await loadKubeconfig({kubeconfig, context: 'alice'})
    expect(description).toEqual({
      files: [kubeconfig],
      context: 'alice',
      cluster: 'arn:aws:eks:eu-west-1:111122223333:cluster/prod',
      clusterName: 'prod',
      server: srv.url,
      user: 'alice',
      auth: 'token',
    })
    expect(JSON.stringify(description)).not.toContain(ALICE)
  })

  it('an unknown context -> NOT_FOUND naming the available ones; a missing file -> NOT_FOUND', async () => {
    const e = await failure(loadKubeconfig({kubeconfig, context: 'prod'}))
    expect(e.exit).toBe(ExitCode.NOT_FOUND)
    expect(e.message).toBe(`context "prod" not found in the kubeconfig (--kubeconfig ${kubeconfig}); available contexts: admin, alice`)
    const missing = await failure(loadKubeconfig({kubeconfig: join(tmp, 'nope.yaml')}))
    expect(missing.exit).toBe(ExitCode.NOT_FOUND)
    const none = await failure(loadKubeconfig({env: {HOME: tmp}}))
    expect(none.message).toBe(`no kubeconfig: ${join(tmp, '.kube', 'config')} does not exist and KUBECONFIG is not set`)
    const noCurrent = srv.kubeconfig({contexts: [{name: 'a', token: ADMIN}], currentContext: null})
    expect((await failure(loadKubeconfig({kubeconfig: noCurrent}))).message).toMatch(/has no current-context; pass --context \(available contexts: a\)$/)
  })

  it('KUBECONFIG merges like kubectl: first file wins, missing files are skipped; ~/.kube/config is the fallback', async () => {
    const a = srv.kubeconfig({contexts: [{name: 'admin', token: ADMIN}]})
    const b = srv.kubeconfig({contexts: [{name: 'alice', token: ALICE}, {name: 'admin', token: 'tok-bad-secret'}], currentContext: 'alice'})
    const env = {KUBECONFIG: [join(tmp, 'missing'), a, b].join(':'), HOME: tmp}
    const merged = await loadKubeconfig({env})
    expect(merged.description).toMatchObject({files: [a, b], context: 'admin'})
    expect(merged.kc.getContexts().map((c) => c.name)).toEqual(['admin', 'alice'])
    const who = await selfSubjectReview(await Cluster.connect({env, retries: 0}))
    expect(who.username).toBe('kubernetes-admin')
    const aliceWho = await selfSubjectReview(await Cluster.connect({env, context: 'alice', retries: 0}))
    expect(aliceWho.username).toBe('alice')

    const home = join(tmp, 'home')
    const {mkdirSync} = await import('node:fs')
    mkdirSync(join(home, '.kube'), {recursive: true})
    writeFileSync(join(home, '.kube', 'config'), readFileSync(b))
    expect((await loadKubeconfig({env: {HOME: home}})).description.context).toBe('alice')
  })

  it('an exec credential plugin user works (the plugin runs, its token is used); a failing plugin -> NOT_AUTHORIZED', async () => {
    const exec = writeExecPlugin(tmp, ALICE)
    const kc = srv.kubeconfig({contexts: [{name: 'eks', exec: {...exec, args: [...(exec.args ?? []), 'eks', 'get-token', '--cluster-name', 'prod']}}]})
    const cluster = await Cluster.connect(fast({kubeconfig: kc}))
    expect(cluster.description).toMatchObject({auth: 'exec', clusterName: 'prod', exec: {command: process.execPath}})
    expect(cluster.description.exec!.env.EKSAUTH_TEST_TOKEN).toBe('***')
    const store = new ClusterAwsAuthStore(cluster)
    await store.read()
    expect(srv.requests.at(-1)).toMatchObject({path: AWS_AUTH, user: 'alice', status: 200})
    expect((await selfSubjectReview(cluster)).username).toBe('alice')
    expect(readFileSync(exec.callsLog, 'utf8').trim().split('\n').length).toBeGreaterThanOrEqual(1)

    const broken = writeExecPlugin(tmp, ALICE, {fail: 'could not get token: ExpiredToken'})
    const bad = srv.kubeconfig({contexts: [{name: 'expired', exec: broken}]})
    const e = await failure((await ClusterAwsAuthStore.open(fast({kubeconfig: bad}))).read())
    expect(e.exit).toBe(ExitCode.NOT_AUTHORIZED)
    expect(e.message).toBe(`the credential plugin of context expired (\`${process.execPath} ${broken.args![0]}\`) failed: could not get token: ExpiredToken`)

    const missing = srv.kubeconfig({contexts: [{name: 'no-aws', exec: {command: 'eksauth-no-such-plugin', args: ['eks', 'get-token']}}]})
    const m = await failure((await ClusterAwsAuthStore.open(fast({kubeconfig: missing}))).read())
    expect(m.message).toBe('the credential plugin of context no-aws (`eksauth-no-such-plugin eks get-token`) failed: eksauth-no-such-plugin was not found on PATH')
  })
})
