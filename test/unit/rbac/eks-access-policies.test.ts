import {describe, expect, it} from 'vitest'

import {aggregateClusterRoles} from '../../../src/core/rbac/aggregate.js'
import {buildIndex, canI, withAuthenticated} from '../../../src/core/rbac/authorizer.js'
import {
  accessEntriesRbac,
  accessEntryRbac,
  accessPolicyName,
  defaultRbacObjects,
  eksAccessPolicy,
  mergeRbacObjects,
  withDefaults,
} from '../../../src/core/rbac/eks-access-policies.js'
import {emptyRbacObjects} from '../../../src/core/rbac/objects.js'
import {load} from './helpers.js'

const POLICY = (name: string, partition = 'aws') => `arn:${partition}:eks::aws:cluster-access-policy/${name}`
const ARN = 'arn:aws:iam::111122223333:role/dev'

const simulate = (policies: {name: string; scope: 'cluster' | 'namespace'; namespaces?: string[]}[]) => {
  const rbac = accessEntryRbac(
    {
      accessPolicies: policies.map((p) => ({accessScope: {namespaces: p.namespaces, type: p.scope}, policyArn: POLICY(p.name)})),
      principalArn: ARN,
    },
    'dev-user',
  )
  return {can: (req: Parameters<typeof canI>[2]) => canI(buildIndex(rbac), withAuthenticated({groups: [], username: 'dev-user'}), req), rbac}
}

describe('EKS access policies', () => {
  it('parses policy names from ARNs of any partition', () => {
    expect(accessPolicyName(POLICY('AmazonEKSViewPolicy', 'aws-cn'))).toBe('AmazonEKSViewPolicy')
    expect(accessPolicyName('AmazonEKSEditPolicy')).toBe('AmazonEKSEditPolicy')
    expect(eksAccessPolicy(POLICY('AmazonEKSAutoNodePolicy'))).toBeUndefined()
  })

  it('AmazonEKSClusterAdminPolicy with cluster scope = cluster-admin: every resource, cluster-scoped too, and every URL', () => {
    const {can, rbac} = simulate([{name: 'AmazonEKSClusterAdminPolicy', scope: 'cluster'}])
    expect(can({resource: 'nodes', verb: 'delete', name: 'n'}).allowed).toBe(true)
    expect(can({nonResourceURL: '/metrics', verb: 'get'}).allowed).toBe(true)
    const via = can({apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'escalate'}).via
    expect(via?.binding).toEqual({kind: 'ClusterRoleBinding', name: `eksauth:access-entry:AmazonEKSClusterAdminPolicy:${ARN}`})
    expect(via?.role).toEqual({kind: 'ClusterRole', name: 'eksauth:access-policy:AmazonEKSClusterAdminPolicy'})
    expect(rbac.clusterRoles[0]?.origin).toBe('eks-access-policy')
  })

  it('AmazonEKSAdminPolicy scoped to namespaces = admin there only: RBAC edits and pods, no cluster-scoped access', () => {
    const {can} = simulate([{name: 'AmazonEKSAdminPolicy', namespaces: ['team-a'], scope: 'namespace'}])
    expect(can({apiGroup: 'rbac.authorization.k8s.io', namespace: 'team-a', resource: 'rolebindings', verb: 'create'}).allowed).toBe(true)
    expect(can({namespace: 'team-a', resource: 'pods', subresource: 'exec', verb: 'create', name: 'p'}).allowed).toBe(true)
    expect(can({namespace: 'team-a', resource: 'secrets', verb: 'get', name: 's'}).allowed).toBe(true)
    expect(can({namespace: 'team-b', resource: 'pods', verb: 'get'}).allowed).toBe(false)
    expect(can({resource: 'namespaces', verb: 'list'}).allowed).toBe(false)
  })

  it('AmazonEKSEditPolicy = edit: writes workloads and reads secrets, but no RBAC changes', () => {
    const {can} = simulate([{name: 'AmazonEKSEditPolicy', scope: 'cluster'}])
    expect(can({apiGroup: 'apps', namespace: 'x', resource: 'deployments', verb: 'patch', name: 'd'}).allowed).toBe(true)
    expect(can({namespace: 'x', resource: 'secrets', verb: 'list'}).allowed).toBe(true)
    expect(can({apiGroup: 'rbac.authorization.k8s.io', namespace: 'x', resource: 'rolebindings', verb: 'create'}).allowed).toBe(false)
  })

  it('AmazonEKSViewPolicy = view: reads workloads, not secrets, not pods/exec', () => {
    const {can} = simulate([{name: 'AmazonEKSViewPolicy', scope: 'cluster'}])
    expect(can({namespace: 'x', resource: 'pods', verb: 'list'}).allowed).toBe(true)
    expect(can({namespace: 'x', resource: 'pods', subresource: 'log', verb: 'get', name: 'p'}).allowed).toBe(true)
    expect(can({namespace: 'x', resource: 'secrets', verb: 'get', name: 's'}).allowed).toBe(false)
    expect(can({namespace: 'x', resource: 'pods', subresource: 'exec', verb: 'create', name: 'p'}).allowed).toBe(false)
  })

  it('AmazonEKSAdminViewPolicy: get/list/watch on everything, Secrets included, but no writes', () => {
    const {can} = simulate([{name: 'AmazonEKSAdminViewPolicy', scope: 'cluster'}])
    expect(can({namespace: 'kube-system', resource: 'secrets', verb: 'get', name: 's'}).allowed).toBe(true)
    expect(can({apiGroup: 'example.com', resource: 'widgets', verb: 'watch'}).allowed).toBe(true)
    expect(can({namespace: 'x', resource: 'pods', verb: 'delete', name: 'p'}).allowed).toBe(false)
  })

  it('namespace globs in an access scope (dev-*) match namespaces by pattern', () => {
    const {can, rbac} = simulate([{name: 'AmazonEKSViewPolicy', namespaces: ['dev-*'], scope: 'namespace'}])
    expect(rbac.roleBindings[0]).toMatchObject({namespace: 'dev-*', namespaceGlob: true})
    expect(can({namespace: 'dev-team', resource: 'pods', verb: 'list'}).allowed).toBe(true)
    expect(can({namespace: 'prod', resource: 'pods', verb: 'list'}).allowed).toBe(false)
  })

  it('reports unmodelled policies and empty namespace scopes instead of guessing', () => {
    const {rbac} = simulate([
      {name: 'AmazonEKSAutoNodePolicy', scope: 'cluster'},
      {name: 'AmazonEKSViewPolicy', namespaces: [], scope: 'namespace'},
    ])
    expect(rbac.unknownPolicies).toEqual(['AmazonEKSAutoNodePolicy'])
    expect(rbac.notes[0]).toMatch(/namespace-scoped with no namespaces/)
    expect(rbac.roleBindings).toEqual([])
  })

  it('accessEntriesRbac merges several entries with each synthetic ClusterRole once', () => {
    const entry = (arn: string) => ({accessPolicies: [{accessScope: {type: 'cluster' as const}, policyArn: POLICY('AmazonEKSViewPolicy')}], principalArn: arn})
    const all = accessEntriesRbac([
      {entry: entry('arn:aws:iam::1:role/a'), username: 'a'},
      {entry: entry('arn:aws:iam::1:role/b'), username: 'b'},
    ])
    expect(all.clusterRoles).toHaveLength(1)
    expect(all.clusterRoleBindings.map((b) => b.subjects[0]?.name)).toEqual(['a', 'b'])
  })
})

describe('default bootstrap objects (opt-in)', () => {
  it('the default bindings of Part B exist and resolve, with admin/edit/view aggregated', () => {
    const d = defaultRbacObjects()
    const idx = buildIndex(d)
    const anyone = withAuthenticated({groups: [], username: 'someone'})
    expect(canI(idx, anyone, {nonResourceURL: '/version', verb: 'get'}).via?.binding.name).toBe('system:discovery')
    expect(canI(idx, anyone, {apiGroup: 'authorization.k8s.io', resource: 'selfsubjectaccessreviews', verb: 'create'}).allowed).toBe(true)
    expect(canI(idx, {groups: ['system:unauthenticated'], username: 'system:anonymous'}, {nonResourceURL: '/healthz', verb: 'get'}).via?.binding.name).toBe(
      'system:public-info-viewer',
    )
    expect(canI(idx, {groups: [], username: 'system:kube-proxy'}, {resource: 'endpoints', verb: 'watch'}).allowed).toBe(true)
    expect(canI(idx, {groups: [], username: 'system:kube-controller-manager'}, {resource: 'secrets', verb: 'list'}).allowed).toBe(true)
    expect(canI(idx, {groups: ['system:monitoring'], username: 'm'}, {nonResourceURL: '/metrics', verb: 'get'}).allowed).toBe(true)
    expect(canI(idx, {groups: ['system:serviceaccounts'], username: 'system:serviceaccount:a:b'}, {nonResourceURL: '/openid/v1/jwks', verb: 'get'}).allowed).toBe(true)
    expect(canI(idx, {groups: [], username: 'system:serviceaccount:kube-system:kube-dns'}, {resource: 'services', verb: 'list'}).allowed).toBe(true)
    expect(d.clusterRoleBindings.find((b) => b.name === 'system:node')?.subjects).toEqual([])
    // cluster-admin is bound to system:masters, which is allowed before RBAC anyway
    expect(d.clusterRoleBindings.find((b) => b.name === 'cluster-admin')?.subjects).toEqual([{kind: 'Group', name: 'system:masters'}])
    const rules = (name: string) => d.clusterRoles.find((r) => r.name === name)?.rules.length ?? 0
    expect(rules('view')).toBeGreaterThan(5)
    expect(rules('edit')).toBeGreaterThan(rules('view'))
    expect(rules('admin')).toBeGreaterThan(rules('edit'))
    // re-aggregating changes nothing: the stored rules already are the union
    expect(aggregateClusterRoles(d.clusterRoles).clusterRoles.map((r) => r.rules)).toEqual(d.clusterRoles.map((r) => r.rules))
  })

  it('withDefaults adds only what the dump lacks and says what it added; the dump wins', () => {
    const dump = load(`
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: view}
rules: []
`)
    const {objects, added} = withDefaults(dump)
    expect(objects.clusterRoles.filter((r) => r.name === 'view')).toHaveLength(1)
    expect(objects.clusterRoles.find((r) => r.name === 'view')?.origin).toBe('manifest')
    expect(added).toContainEqual({kind: 'ClusterRole', name: 'edit'})
    expect(added).not.toContainEqual({kind: 'ClusterRole', name: 'view'})
    expect(added).toContainEqual({kind: 'ClusterRoleBinding', name: 'system:discovery'})
    // nothing is added unless asked: an index over the dump alone has no defaults
    const idx = buildIndex(dump)
    expect(canI(idx, withAuthenticated({groups: [], username: 'x'}), {nonResourceURL: '/version', verb: 'get'}).allowed).toBe(false)
    expect(mergeRbacObjects(emptyRbacObjects(), dump).clusterRoles).toHaveLength(1)
  })
})
