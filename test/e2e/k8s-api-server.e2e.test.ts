/**
 * The test Kubernetes API server against the real kubectl and at the HTTP level: statuses and messages must be the
 * ones kube-apiserver sends. A missing kubectl or openssl fails these tests; it never skips them.
 */
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, afterEach, beforeAll, describe, expect, it} from 'vitest'

import {type ApiServer, type KObject, requireOpenssl, startApiServer, writeExecPlugin} from '../support/k8s-api-server.js'
import {apiRequest, kubectl, requireKubectl} from '../support/k8s/client.js'

const CM = '/api/v1/namespaces/kube-system/configmaps'
const AWS_AUTH = `${CM}/aws-auth`
const ADMIN = 'tok-admin'
const ALICE = 'tok-alice'
const CONFLICT_MESSAGE =
  'Operation cannot be fulfilled on configmaps "aws-auth": the object has been modified; please apply your changes to the latest version and try again'

let srv: ApiServer
let home: string

const clusterRole = (name: string) => ({metadata: {name}, rules: [{apiGroups: [''], resources: ['pods'], verbs: ['get']}]})
const roleBinding = (ns: string, name: string) => ({
  metadata: {name, namespace: ns},
  roleRef: {apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r'},
  subjects: [{kind: 'Group', apiGroup: 'rbac.authorization.k8s.io', name: `g-${name}`}],
})

beforeAll(async () => {
  requireKubectl()
  requireOpenssl()
  home = mkdtempSync(join(tmpdir(), 'eksauth-kubectl-home-'))
  srv = await startApiServer({
    users: {
      [ADMIN]: {username: 'kubernetes-admin', groups: ['system:masters'], uid: 'uid-admin'},
      [ALICE]: {username: 'alice', groups: ['devs'], uid: 'uid-alice', extra: {'accessKeyId': ['AKIAEXAMPLE']}},
    },
    authorize: (a) => a.user.groups.includes('system:masters') || a.verb === 'get' || a.verb === 'list',
    seed: {
      configMaps: [{data: {mapRoles: '- rolearn: arn:aws:iam::111122223333:role/node\n  username: system:node:{{EC2PrivateDNSName}}\n'}, labels: {app: 'eks'}}],
      namespaces: ['team-a', 'team-b'],
      rbac: {
        clusterRoles: ['a', 'b', 'c', 'd', 'e'].map(clusterRole),
        roleBindings: [roleBinding('team-a', 'rb1'), roleBinding('team-a', 'rb2'), roleBinding('team-b', 'rb3')],
      },
    },
  })
})

afterAll(async () => {
  await srv?.stop()
  if (home) rmSync(home, {recursive: true, force: true})
})

afterEach(() => {
  srv.faults.clear()
  srv.clearRequests()
})

const rvOf = (o: {metadata?: {resourceVersion?: string}} | undefined): string => o?.metadata?.resourceVersion ?? ''

describe('kubectl against the test API server', () => {
  it('get cm aws-auth -o yaml', async () => {
    const r = await kubectl(['get', 'cm', 'aws-auth', '-n', 'kube-system', '-o', 'yaml'], {kubeconfig: srv.kubeconfig(), home})
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('kind: ConfigMap')
    expect(r.stdout).toContain('rolearn: arn:aws:iam::111122223333:role/node')
    expect(r.stdout).toContain(`resourceVersion: "${rvOf(srv.getConfigMap())}"`)
    const paths = srv.requests.map((q) => q.path)
    expect(paths).toContain('/api/v1')
    expect(paths).toContain(AWS_AUTH)
  })

  it('replace with a stale resourceVersion: the real Conflict message, non-zero exit; with the current one it writes', async () => {
    const file = join(home, 'cm.json')
    const cur = srv.getConfigMap()!
    writeFileSync(file, JSON.stringify({...cur, metadata: {...cur.metadata, resourceVersion: '1'}, data: {mapRoles: 'changed'}}))
    const stale = await kubectl(['replace', '--validate=false', '-f', file], {kubeconfig: srv.kubeconfig(), home})
    expect(stale.code).not.toBe(0)
    expect(stale.stderr.trim()).toBe(`Error from server (Conflict): error when replacing "${file}": ${CONFLICT_MESSAGE}`)
    expect(srv.getConfigMap()!.data).toEqual(cur.data)

    writeFileSync(file, JSON.stringify({...cur, data: {mapRoles: 'changed'}}))
    const ok = await kubectl(['replace', '--validate=false', '-f', file], {kubeconfig: srv.kubeconfig(), home})
    expect(ok.stderr).toBe('')
    expect(ok.stdout.trim()).toBe('configmap/aws-auth replaced')
    expect(srv.getConfigMap()!.data).toEqual({mapRoles: 'changed'})
    expect(Number(rvOf(srv.getConfigMap()))).toBeGreaterThan(Number(rvOf(cur)))
    const put = srv.requests.find((q) => q.method === 'PUT')!
    expect(put.query.fieldManager).toBe('kubectl-replace')
    srv.setConfigMap({data: cur.data as Record<string, string>, labels: {app: 'eks'}})
  })

  it('auth whoami shows the caller', async () => {
    const r = await kubectl(['auth', 'whoami', '--context', 'alice'], {kubeconfig: srv.kubeconfig(), home})
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Username\s+alice/)
    expect(r.stdout).toMatch(/UID\s+uid-alice/)
    expect(r.stdout).toMatch(/Groups\s+\[devs system:authenticated\]/)
    const json = await kubectl(['auth', 'whoami', '-o', 'json'], {kubeconfig: srv.kubeconfig(), home})
    expect(JSON.parse(json.stdout).status.userInfo.username).toBe('kubernetes-admin')
  })

  it('a forbidden update and an unknown token, as kubectl reports them', async () => {
    const r = await kubectl(['annotate', 'cm', 'aws-auth', '-n', 'kube-system', 'x=y', '--context', 'alice'], {kubeconfig: srv.kubeconfig(), home})
    expect(r.code).not.toBe(0)
    expect(r.stderr).toContain(
      'Error from server (Forbidden): configmaps "aws-auth" is forbidden: User "alice" cannot patch resource "configmaps" in API group "" in the namespace "kube-system"',
    )
    const bad = await kubectl(['get', 'cm', '-n', 'kube-system'], {
      kubeconfig: srv.kubeconfig({contexts: [{name: 'nobody', token: 'not-a-token'}]}),
      home,
    })
    expect(bad.code).not.toBe(0)
    expect(bad.stderr).toContain('error: You must be logged in to the server (Unauthorized)')
  })

  it('an exec credential plugin user works with kubectl', async () => {
    const exec = writeExecPlugin(srv.dir, ALICE)
    const r = await kubectl(['auth', 'whoami', '-o', 'json'], {kubeconfig: srv.kubeconfig({contexts: [{name: 'exec-user', exec}]}), home})
    expect(r.stderr).toBe('')
    expect(JSON.parse(r.stdout).status.userInfo.username).toBe('alice')
  })
})

describe('HTTP level', () => {
  it('401 with the real Status body for a missing or unknown token', async () => {
    for (const token of [undefined, 'nope']) {
      const r = await apiRequest(srv, 'GET', AWS_AUTH, {token})
      expect(r.status).toBe(401)
      expect(r.text).toBe('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}')
    }
  })

  it('discovery documents', async () => {
    expect((await apiRequest(srv, 'GET', '/version')).json.gitVersion).toMatch(/^v1\.32/)
    const core = await apiRequest(srv, 'GET', '/api/v1', {token: ADMIN})
    expect(core.json.resources.map((r: {name: string}) => r.name)).toEqual(expect.arrayContaining(['configmaps', 'namespaces']))
    const groups = await apiRequest(srv, 'GET', '/apis', {token: ADMIN})
    expect(groups.json.groups.map((g: {preferredVersion: {groupVersion: string}}) => g.preferredVersion.groupVersion)).toEqual(
      expect.arrayContaining(['rbac.authorization.k8s.io/v1', 'authentication.k8s.io/v1']),
    )
    expect((await apiRequest(srv, 'GET', '/openapi/v2', {token: ADMIN})).status).toBe(404)
  })

  it('404 NotFound in the real form', async () => {
    const r = await apiRequest(srv, 'GET', `${CM}/nope`, {token: ADMIN})
    expect(r.status).toBe(404)
    expect(r.json).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'configmaps "nope" not found', reason: 'NotFound',
      details: {name: 'nope', kind: 'configmaps'}, code: 404,
    })
  })

  it('PUT: conditional on resourceVersion, 409 Conflict when stale, unconditional without one, no bump for a no-op', async () => {
    const cur = (await apiRequest(srv, 'GET', AWS_AUTH, {token: ADMIN})).json
    const ok = await apiRequest(srv, 'PUT', `${AWS_AUTH}?fieldManager=eksauth`, {token: ADMIN, body: {...cur, data: {...cur.data, extra: 'v1'}}})
    expect(ok.status).toBe(200)
    expect(Number(rvOf(ok.json))).toBeGreaterThan(Number(rvOf(cur)))
    expect(ok.json.metadata.labels).toEqual({app: 'eks'})
    expect(ok.json.metadata.uid).toBe(cur.metadata.uid)

    const stale = await apiRequest(srv, 'PUT', AWS_AUTH, {token: ADMIN, body: {...cur, data: {x: 'y'}}})
    expect(stale.status).toBe(409)
    expect(stale.json).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: CONFLICT_MESSAGE, reason: 'Conflict',
      details: {name: 'aws-auth', kind: 'configmaps'}, code: 409,
    })

    const same = await apiRequest(srv, 'PUT', AWS_AUTH, {token: ADMIN, body: ok.json})
    expect(rvOf(same.json)).toBe(rvOf(ok.json))

    const {resourceVersion: _rv, ...meta} = ok.json.metadata
    const blind = await apiRequest(srv, 'PUT', AWS_AUTH, {token: ADMIN, body: {...ok.json, metadata: meta, data: cur.data}})
    expect(blind.status).toBe(200)
    expect(blind.json.data).toEqual(cur.data)

    const missing = await apiRequest(srv, 'PUT', `${CM}/absent`, {token: ADMIN, body: {metadata: {name: 'absent'}, data: {}}})
    expect(missing.status).toBe(404)
    const mismatch = await apiRequest(srv, 'PUT', AWS_AUTH, {token: ADMIN, body: {metadata: {name: 'other'}}})
    expect(mismatch.status).toBe(400)
    expect(mismatch.json.message).toBe('the name of the object (other) does not match the name on the URL (aws-auth)')
  })

  it('400 for non-string data values (the decoder), 422 Invalid for a bad key, 415 for an unknown body type', async () => {
    const cur = (await apiRequest(srv, 'GET', AWS_AUTH, {token: ADMIN})).json
    const num = await apiRequest(srv, 'PUT', AWS_AUTH, {token: ADMIN, body: {...cur, data: {mapRoles: 42}}})
    expect(num.status).toBe(400)
    expect(num.json.reason).toBe('BadRequest')
    expect(num.json.message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal number into Go struct field ConfigMap.data of type string',
    )
    const key = await apiRequest(srv, 'PUT', AWS_AUTH, {token: ADMIN, body: {...cur, data: {'bad key': 'x'}}})
    expect(key.status).toBe(422)
    expect(key.json.reason).toBe('Invalid')
    expect(key.json.message).toMatch(/^ConfigMap "aws-auth" is invalid: data\[bad key\]: Invalid value: "bad key": a valid config key must consist/)
    expect(key.json.details).toMatchObject({name: 'aws-auth', kind: 'ConfigMap', causes: [{reason: 'FieldValueInvalid', field: 'data[bad key]'}]})
    const text = await apiRequest(srv, 'PUT', AWS_AUTH, {token: ADMIN, body: 'data: {}', contentType: 'text/plain'})
    expect(text.status).toBe(415)
    expect(rvOf(srv.getConfigMap())).toBe(rvOf(cur))
  })

  it('PATCH: merge, strategic merge, JSON patch (test op on resourceVersion), stale rv in a merge patch, 415', async () => {
    const cur = srv.getConfigMap()! as KObject & {data: Record<string, string>}
    const merge = await apiRequest(srv, 'PATCH', AWS_AUTH, {token: ADMIN, contentType: 'application/merge-patch+json', body: {data: {a: '1'}}})
    expect(merge.status).toBe(200)
    expect(merge.json.data).toEqual({...cur.data, a: '1'})
    const smp = await apiRequest(srv, 'PATCH', AWS_AUTH, {token: ADMIN, contentType: 'application/strategic-merge-patch+json', body: {data: {a: null, b: '2'}}})
    expect(smp.json.data).toEqual({...cur.data, b: '2'})
    const rv = rvOf(smp.json)
    const jp = await apiRequest(srv, 'PATCH', AWS_AUTH, {
      token: ADMIN,
      contentType: 'application/json-patch+json',
      body: [{op: 'test', path: '/metadata/resourceVersion', value: rv}, {op: 'remove', path: '/data/b'}, {op: 'add', path: '/data/c', value: '3'}],
    })
    expect(jp.status).toBe(200)
    expect(jp.json.data).toEqual({...cur.data, c: '3'})
    const failedTest = await apiRequest(srv, 'PATCH', AWS_AUTH, {
      token: ADMIN,
      contentType: 'application/json-patch+json',
      body: [{op: 'test', path: '/metadata/resourceVersion', value: rv}],
    })
    expect(failedTest.status).toBe(422)
    expect(failedTest.json.message).toContain('test failed')
    const staleMerge = await apiRequest(srv, 'PATCH', AWS_AUTH, {
      token: ADMIN,
      contentType: 'application/merge-patch+json',
      body: {metadata: {resourceVersion: rv}, data: {d: '4'}},
    })
    expect(staleMerge.status).toBe(409)
    expect(staleMerge.json.message).toBe(CONFLICT_MESSAGE)
    const replaceOp = await apiRequest(srv, 'PATCH', AWS_AUTH, {
      token: ADMIN,
      contentType: 'application/json-patch+json',
      body: [{op: 'replace', path: '/data', value: cur.data}],
    })
    expect(replaceOp.json.data).toEqual(cur.data)
    const unsupported = await apiRequest(srv, 'PATCH', AWS_AUTH, {token: ADMIN, contentType: 'application/json', body: {data: {}}})
    expect(unsupported.status).toBe(415)
    expect(unsupported.json.reason).toBe('UnsupportedMediaType')
  })

  it('POST creates; AlreadyExists 409; a missing namespace is 404; DELETE', async () => {
    const body = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: 'other'}, data: {k: 'v'}}
    const created = await apiRequest(srv, 'POST', CM, {token: ADMIN, body})
    expect(created.status).toBe(201)
    expect(created.json.metadata).toMatchObject({name: 'other', namespace: 'kube-system'})
    const again = await apiRequest(srv, 'POST', CM, {token: ADMIN, body})
    expect(again.status).toBe(409)
    expect(again.json).toMatchObject({reason: 'AlreadyExists', message: 'configmaps "other" already exists', details: {name: 'other', kind: 'configmaps'}})
    const nons = await apiRequest(srv, 'POST', '/api/v1/namespaces/nope/configmaps', {token: ADMIN, body})
    expect(nons.status).toBe(404)
    expect(nons.json).toMatchObject({message: 'namespaces "nope" not found', details: {name: 'nope', kind: 'namespaces'}})
    const del = await apiRequest(srv, 'DELETE', `${CM}/other`, {token: ADMIN})
    expect(del.status).toBe(200)
    expect(del.json.status).toBe('Success')
    expect(srv.getConfigMap('other')).toBeUndefined()
  })

  it('403 Forbidden in the real form, with details', async () => {
    const cur = srv.getConfigMap()!
    const r = await apiRequest(srv, 'PUT', AWS_AUTH, {token: ALICE, body: cur})
    expect(r.status).toBe(403)
    expect(r.json).toEqual({
      kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure',
      message: 'configmaps "aws-auth" is forbidden: User "alice" cannot update resource "configmaps" in API group "" in the namespace "kube-system"',
      reason: 'Forbidden', details: {name: 'aws-auth', kind: 'configmaps'}, code: 403,
    })
    srv.setAuthorizer(() => false)
    const list = await apiRequest(srv, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles', {token: ALICE})
    expect(list.json.message).toBe(
      'clusterroles.rbac.authorization.k8s.io is forbidden: User "alice" cannot list resource "clusterroles" in API group "rbac.authorization.k8s.io" at the cluster scope',
    )
    expect(list.json.details).toEqual({group: 'rbac.authorization.k8s.io', kind: 'clusterroles'})
    srv.setAuthorizer((a) => a.user.groups.includes('system:masters') || a.verb === 'get' || a.verb === 'list')
  })

  it('dryRun=All validates and answers but persists nothing', async () => {
    const cur = srv.getConfigMap()!
    const put = await apiRequest(srv, 'PUT', `${AWS_AUTH}?dryRun=All`, {token: ADMIN, body: {...cur, data: {dry: 'run'}}})
    expect(put.status).toBe(200)
    expect(put.json.data).toEqual({dry: 'run'})
    expect(srv.getConfigMap()).toEqual(cur)
    const post = await apiRequest(srv, 'POST', `${CM}?dryRun=All`, {token: ADMIN, body: {metadata: {name: 'dry'}}})
    expect(post.status).toBe(201)
    expect(srv.getConfigMap('dry')).toBeUndefined()
    const invalidDry = await apiRequest(srv, 'PUT', `${AWS_AUTH}?dryRun=All`, {token: ADMIN, body: {...cur, data: {'bad key': 'x'}}})
    expect(invalidDry.status).toBe(422)
    const stale = await apiRequest(srv, 'PUT', `${AWS_AUTH}?dryRun=All`, {token: ADMIN, body: {...cur, metadata: {...cur.metadata, resourceVersion: '2'}}})
    expect(stale.status).toBe(409)
    expect(rvOf(srv.getConfigMap())).toBe(rvOf(cur))
  })

  it('RBAC lists page with limit and continue', async () => {
    const names: string[] = []
    let token: string | undefined
    let pages = 0
    do {
      const r = await apiRequest(srv, 'GET', `/apis/rbac.authorization.k8s.io/v1/clusterroles?limit=2${token ? `&continue=${encodeURIComponent(token)}` : ''}`, {token: ADMIN})
      expect(r.status).toBe(200)
      expect(r.json.kind).toBe('ClusterRoleList')
      expect(r.json.items.length).toBeLessThanOrEqual(2)
      names.push(...r.json.items.map((i: {metadata: {name: string}}) => i.metadata.name))
      if (r.json.metadata.continue) expect(r.json.metadata.remainingItemCount).toBeGreaterThan(0)
      token = r.json.metadata.continue
      pages++
    } while (token)
    expect(names).toEqual(['a', 'b', 'c', 'd', 'e'])
    expect(pages).toBe(3)
    const all = await apiRequest(srv, 'GET', '/apis/rbac.authorization.k8s.io/v1/rolebindings', {token: ADMIN})
    expect(all.json.items.map((i: {metadata: {namespace: string; name: string}}) => `${i.metadata.namespace}/${i.metadata.name}`)).toEqual([
      'team-a/rb1', 'team-a/rb2', 'team-b/rb3',
    ])
    expect(all.json.items[0].kind).toBeUndefined()
    const ns = await apiRequest(srv, 'GET', '/apis/rbac.authorization.k8s.io/v1/namespaces/team-b/rolebindings', {token: ADMIN})
    expect(ns.json.items.map((i: {metadata: {name: string}}) => i.metadata.name)).toEqual(['rb3'])
    const badContinue = await apiRequest(srv, 'GET', '/apis/rbac.authorization.k8s.io/v1/clusterroles?continue=zzz', {token: ADMIN})
    expect(badContinue.status).toBe(400)
  })

  it('SelfSubjectReview answers with the caller', async () => {
    const r = await apiRequest(srv, 'POST', '/apis/authentication.k8s.io/v1/selfsubjectreviews', {
      token: ALICE,
      body: {apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview'},
    })
    expect(r.status).toBe(201)
    expect(r.json.status.userInfo).toEqual({username: 'alice', uid: 'uid-alice', groups: ['devs', 'system:authenticated'], extra: {accessKeyId: ['AKIAEXAMPLE']}})
  })
})

describe('fault injection and the request log', () => {
  it('fails the next matching requests with a status and Retry-After', async () => {
    srv.faults.failNext(2, 429, {match: {method: 'GET', path: AWS_AUTH}, retryAfterSeconds: 3})
    const a = await apiRequest(srv, 'GET', AWS_AUTH, {token: ADMIN})
    expect(a.status).toBe(429)
    expect(a.headers['retry-after']).toBe('3')
    expect(a.json).toMatchObject({reason: 'TooManyRequests', details: {retryAfterSeconds: 3}})
    expect((await apiRequest(srv, 'GET', '/api', {token: ADMIN})).status).toBe(200)
    expect((await apiRequest(srv, 'GET', AWS_AUTH, {token: ADMIN})).status).toBe(429)
    expect((await apiRequest(srv, 'GET', AWS_AUTH, {token: ADMIN})).status).toBe(200)
    srv.faults.failNext(1, 503)
    expect((await apiRequest(srv, 'GET', '/api', {token: ADMIN})).json.reason).toBe('ServiceUnavailable')
    expect(srv.requests.map((q) => [q.method, q.path, q.status, q.user])).toEqual([
      ['GET', AWS_AUTH, 429, 'kubernetes-admin'],
      ['GET', '/api', 200, 'kubernetes-admin'],
      ['GET', AWS_AUTH, 429, 'kubernetes-admin'],
      ['GET', AWS_AUTH, 200, 'kubernetes-admin'],
      ['GET', '/api', 503, 'kubernetes-admin'],
    ])
  })

  it('latency delays requests', async () => {
    srv.faults.latency(150)
    const t0 = Date.now()
    await apiRequest(srv, 'GET', '/version')
    expect(Date.now() - t0).toBeGreaterThanOrEqual(140)
  })

  it('drops the connection after the body, or after the write committed', async () => {
    const cur = srv.getConfigMap()!
    srv.faults.dropNext(1, {match: {method: 'PUT'}})
    await expect(apiRequest(srv, 'PUT', AWS_AUTH, {token: ADMIN, body: {...cur, data: {x: '1'}}})).rejects.toThrow(/socket hang up|ECONNRESET/)
    expect(srv.getConfigMap()).toEqual(cur)
    expect(srv.requests[0]).toMatchObject({method: 'PUT', dropped: true, body: {data: {x: '1'}}})

    srv.faults.dropNext(1, {match: {method: 'PUT'}, at: 'after-commit'})
    await expect(apiRequest(srv, 'PUT', AWS_AUTH, {token: ADMIN, body: {...cur, data: {x: '2'}}})).rejects.toThrow(/socket hang up|ECONNRESET/)
    expect(srv.getConfigMap()!.data).toEqual({x: '2'})
    srv.setConfigMap({data: cur.data as Record<string, string>, labels: {app: 'eks'}})
  })

  it('a hook plays another writer between a read and a write', async () => {
    const cur = srv.getConfigMap()!
    srv.faults.before({method: 'PUT', path: AWS_AUTH}, () => {
      srv.bumpConfigMap()
    })
    const r = await apiRequest(srv, 'PUT', AWS_AUTH, {token: ADMIN, body: {...cur, data: {x: 'mine'}}})
    expect(r.status).toBe(409)
    const again = await apiRequest(srv, 'PUT', AWS_AUTH, {token: ADMIN, body: {...srv.getConfigMap(), data: {x: 'mine'}}})
    expect(again.status).toBe(200)
    srv.faults.before({method: 'PUT'}, () => srv.deleteConfigMap())
    const gone = await apiRequest(srv, 'PUT', AWS_AUTH, {token: ADMIN, body: again.json})
    expect(gone.status).toBe(404)
    srv.setConfigMap({data: cur.data as Record<string, string>, labels: {app: 'eks'}})
  })
})
