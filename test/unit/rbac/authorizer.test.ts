import {describe, expect, it} from 'vitest'

import {
  buildIndex,
  canI,
  serviceAccountUser,
  withAuthenticated,
} from '../../../src/core/rbac/authorizer.js'
import {emptyRbacObjects} from '../../../src/core/rbac/objects.js'
import {cr, crb, index, load, rb, role} from './helpers.js'

const alice = {groups: [], username: 'alice'}

describe('Part B authorizer chain', () => {
  it('Part B authorizer chain: system:masters is allowed before RBAC, with no RBAC objects at all, via null', () => {
    const d = canI(buildIndex(emptyRbacObjects()), {groups: ['system:masters'], username: 'root'}, {nonResourceURL: '/anything', verb: 'delete'})
    expect(d.allowed).toBe(true)
    expect(d.via).toBeNull()
    expect(d.reason).toMatch(/before RBAC/)
    expect(d.reason).toMatch(/system:masters/)
  })

  it('Part B authorizer chain: RBAC only allows; a request no rule allows is denied with a reason', () => {
    const idx = index(cr('r', '[{apiGroups: [""], resources: [pods], verbs: [get]}]') + crb('b', 'r', '[{kind: User, name: alice}]'))
    const d = canI(idx, alice, {resource: 'pods', verb: 'delete', namespace: 'x'})
    expect(d).toMatchObject({allowed: false, via: null})
    expect(d.reason).toMatch(/no RBAC rule allows delete pods in namespace "x" for user "alice"/)
    expect(d.reason).toMatch(/1 binding\(s\) apply/)
  })
})

describe('Part B which rules apply', () => {
  const reader = cr('reader', '[{apiGroups: [""], resources: [pods, nodes], verbs: [get, list]}, {nonResourceURLs: [/healthz], verbs: [get]}]')

  it('Part B rule 1: ClusterRoleBinding rules apply to namespaced requests in every namespace', () => {
    const idx = index(reader + crb('b', 'reader', '[{kind: User, name: alice}]'))
    for (const namespace of ['default', 'kube-system', 'team-z']) {
      const d = canI(idx, alice, {namespace, resource: 'pods', verb: 'get', name: 'p'})
      expect(d.allowed).toBe(true)
      expect(d.via).toEqual({
        binding: {kind: 'ClusterRoleBinding', name: 'b'},
        role: {kind: 'ClusterRole', name: 'reader'},
        rule: {apiGroups: [''], nonResourceURLs: [], resourceNames: [], resources: ['pods', 'nodes'], verbs: ['get', 'list']},
        ruleIndex: 0,
      })
    }
  })

  it('Part B rule 1: ClusterRoleBinding rules apply to cluster-scoped requests and all-namespaces list', () => {
    const idx = index(reader + crb('b', 'reader', '[{kind: User, name: alice}]'))
    expect(canI(idx, alice, {resource: 'nodes', verb: 'get', name: 'n1'}).allowed).toBe(true)
    expect(canI(idx, alice, {resource: 'pods', verb: 'list'}).allowed).toBe(true)
    expect(canI(idx, alice, {resource: 'pods', verb: 'list', namespace: ''}).allowed).toBe(true)
  })

  it('Part B rule 1: ClusterRoleBinding rules grant non-resource URLs', () => {
    const idx = index(reader + crb('b', 'reader', '[{kind: User, name: alice}]'))
    const d = canI(idx, alice, {nonResourceURL: '/healthz', verb: 'get'})
    expect(d.allowed).toBe(true)
    expect(d.via?.ruleIndex).toBe(1)
  })

  it('Part B rule 2: a RoleBinding grants only inside its own namespace', () => {
    const idx = index(role('a', 'r', '[{apiGroups: [""], resources: [pods], verbs: [get]}]') + rb('a', 'b', 'Role', 'r', '[{kind: User, name: alice}]'))
    expect(canI(idx, alice, {namespace: 'a', resource: 'pods', verb: 'get'}).allowed).toBe(true)
    expect(canI(idx, alice, {namespace: 'b', resource: 'pods', verb: 'get'}).allowed).toBe(false)
  })

  it('Part B rule 2: a RoleBinding referring to a ClusterRole grants only in the binding namespace', () => {
    const idx = index(reader + rb('a', 'b', 'ClusterRole', 'reader', '[{kind: User, name: alice}]'))
    const d = canI(idx, alice, {namespace: 'a', resource: 'pods', verb: 'get'})
    expect(d.allowed).toBe(true)
    expect(d.via?.binding).toEqual({kind: 'RoleBinding', name: 'b', namespace: 'a'})
    expect(d.via?.role).toEqual({kind: 'ClusterRole', name: 'reader'})
    expect(canI(idx, alice, {namespace: 'other', resource: 'pods', verb: 'get'}).allowed).toBe(false)
  })

  it('Part B rule 2: RoleBindings never grant cluster-scoped resources or all-namespaces requests', () => {
    const idx = index(cr('all', '[{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]') + rb('a', 'b', 'ClusterRole', 'all', '[{kind: User, name: alice}]'))
    expect(canI(idx, alice, {namespace: 'a', resource: 'secrets', verb: 'get'}).allowed).toBe(true)
    const d = canI(idx, alice, {resource: 'nodes', verb: 'get'})
    expect(d.allowed).toBe(false)
    expect(d.reason).toMatch(/only ClusterRoleBindings count/)
    expect(canI(idx, alice, {resource: 'pods', verb: 'list'}).allowed).toBe(false)
  })

  it('Part B rule 2: RoleBindings never grant non-resource URLs, even to cluster-admin', () => {
    const idx = index(
      cr('cluster-admin', '[{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}, {nonResourceURLs: ["*"], verbs: ["*"]}]') +
        rb('a', 'b', 'ClusterRole', 'cluster-admin', '[{kind: User, name: alice}]'),
    )
    expect(canI(idx, alice, {nonResourceURL: '/healthz', verb: 'get'}).allowed).toBe(false)
  })

  it("Part B rule 2: a Role is looked up in the binding's own namespace only", () => {
    const idx = index(role('other', 'r', '[{apiGroups: [""], resources: [pods], verbs: [get]}]') + rb('a', 'b', 'Role', 'r', '[{kind: User, name: alice}]'))
    const d = canI(idx, alice, {namespace: 'a', resource: 'pods', verb: 'get'})
    expect(d.allowed).toBe(false)
    expect(d.unresolved).toEqual([{kind: 'RoleBinding', name: 'b', namespace: 'a'}])
  })

  it('Part B rule 3: an unresolved roleRef contributes nothing, and other bindings still count', () => {
    const idx = index('basic.yaml')
    const d = canI(idx, alice, {namespace: 'team-a', resource: 'deployments', apiGroup: 'apps', verb: 'create'})
    expect(d.allowed).toBe(true)
    expect(d.via?.binding.name).toBe('alice-deployer')
    const denied = canI(idx, alice, {namespace: 'team-a', resource: 'secrets', verb: 'get'})
    expect(denied.allowed).toBe(false)
    expect(denied.unresolved).toEqual([{kind: 'RoleBinding', name: 'dangling', namespace: 'team-a'}])
    expect(denied.reason).toMatch(/refer to a missing role: RoleBinding "team-a\/dangling"/)
  })

  it('Part B rule 3: kind Role where only a ClusterRole of that name exists does not resolve', () => {
    const idx = index(cr('reader', '[{apiGroups: [""], resources: [pods], verbs: [get]}]') + rb('a', 'b', 'Role', 'reader', '[{kind: User, name: alice}]'))
    const d = canI(idx, alice, {namespace: 'a', resource: 'pods', verb: 'get'})
    expect(d.allowed).toBe(false)
    expect(d.unresolved).toHaveLength(1)
  })

  it('Part B rule 1: the roleRef of a ClusterRoleBinding is always a ClusterRole (a Role ref is rejected on load)', () => {
    const loaded = load(crb('b', 'x', '[{kind: User, name: alice}]').replace('roleRef: {kind: ClusterRole', 'roleRef: {kind: Role'))
    expect(loaded.clusterRoleBindings).toHaveLength(0)
    expect(loaded.errors[0]?.message).toMatch(/ClusterRoleBinding "b" refers to a Role/)
  })
})

describe('Part B subject matching', () => {
  const pods = cr('pods', '[{apiGroups: [""], resources: [pods], verbs: [get]}]')
  const req = {namespace: 'ns', resource: 'pods', verb: 'get'}

  it('Part B subject matching: User is exact equality with the username and * is not a wildcard', () => {
    const idx = index(pods + crb('b', 'pods', '[{kind: User, name: alice}, {kind: User, name: "*"}]'))
    expect(canI(idx, alice, req).allowed).toBe(true)
    expect(canI(idx, {groups: [], username: 'Alice'}, req).allowed).toBe(false)
    expect(canI(idx, {groups: [], username: 'bob'}, req).allowed).toBe(false)
    expect(canI(idx, {groups: [], username: '*'}, req).allowed).toBe(true)
  })

  it('Part B subject matching: Group is exact membership; a Group never matches the username, a User never matches a group', () => {
    const idx = index(pods + crb('g', 'pods', '[{kind: Group, name: devs}]') + crb('u', 'pods', '[{kind: User, name: ops}]'))
    expect(canI(idx, {groups: ['devs'], username: 'x'}, req).allowed).toBe(true)
    expect(canI(idx, {groups: ['devs-2'], username: 'x'}, req).allowed).toBe(false)
    expect(canI(idx, {groups: [], username: 'devs'}, req).allowed).toBe(false)
    expect(canI(idx, {groups: ['ops'], username: 'x'}, req).allowed).toBe(false)
  })

  it('Part B subject matching: a ServiceAccount matches the username system:serviceaccount:<ns>:<name>', () => {
    const idx = index(pods + crb('b', 'pods', '[{kind: ServiceAccount, name: ci, namespace: build}]'))
    expect(canI(idx, {groups: [], username: 'system:serviceaccount:build:ci'}, req).allowed).toBe(true)
    expect(canI(idx, serviceAccountUser('build', 'ci'), req).allowed).toBe(true)
    expect(canI(idx, serviceAccountUser('other', 'ci'), req).allowed).toBe(false)
    expect(canI(idx, {groups: [], username: 'ci'}, req).allowed).toBe(false)
  })

  it("Part B subject matching: a namespace-less ServiceAccount in a RoleBinding takes the binding's namespace", () => {
    const idx = index('basic.yaml')
    const d = canI(idx, serviceAccountUser('team-a', 'ci'), {namespace: 'team-a', resource: 'pods', verb: 'get'})
    expect(d.allowed).toBe(true)
    expect(d.via?.binding.name).toBe('ci-reads-pods')
    expect(canI(idx, serviceAccountUser('default', 'ci'), {namespace: 'team-a', resource: 'pods', verb: 'get'}).allowed).toBe(false)
  })

  it('Part B subject matching: namespace-less ServiceAccount in a ClusterRoleBinding matches nobody', () => {
    const idx = index(pods + crb('b', 'pods', '[{kind: ServiceAccount, name: ci}]'))
    for (const ns of ['default', 'kube-system', '']) {
      expect(canI(idx, serviceAccountUser(ns, 'ci'), req).allowed).toBe(false)
    }
    expect(canI(idx, {groups: [], username: 'system:serviceaccount::ci'}, req).allowed).toBe(false)
  })

  it('Part B subject matching: ServiceAccounts carry system:serviceaccounts and system:serviceaccounts:<ns>, bindable as Groups', () => {
    const idx = index(
      pods +
        cr('urls', '[{nonResourceURLs: [/metrics], verbs: [get]}]') +
        crb('all-sa', 'urls', '[{kind: Group, name: "system:serviceaccounts"}]') +
        crb('ns-sa', 'pods', '[{kind: Group, name: "system:serviceaccounts:build"}]'),
    )
    const sa = serviceAccountUser('build', 'ci')
    expect(sa.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:build', 'system:authenticated'])
    expect(canI(idx, sa, {nonResourceURL: '/metrics', verb: 'get'}).allowed).toBe(true)
    expect(canI(idx, sa, req).allowed).toBe(true)
    expect(canI(idx, serviceAccountUser('web', 'x'), req).allowed).toBe(false)
  })

  it('Part B subject matching: canI does not add system:authenticated; withAuthenticated does (as the API server)', () => {
    const idx = index(pods + crb('b', 'pods', '[{kind: Group, name: "system:authenticated"}]'))
    expect(canI(idx, alice, req).allowed).toBe(false)
    expect(withAuthenticated(alice).groups).toEqual(['system:authenticated'])
    expect(canI(idx, withAuthenticated(alice), req).allowed).toBe(true)
    const anon = {groups: ['system:unauthenticated'], username: 'system:anonymous'}
    expect(withAuthenticated(anon).groups).toEqual(['system:unauthenticated'])
    expect(withAuthenticated(withAuthenticated(alice)).groups).toEqual(['system:authenticated'])
  })
})

describe('Part B rule matching for a resource request', () => {
  const idxFor = (rules: string) => index(cr('r', rules) + crb('b', 'r', '[{kind: User, name: alice}]'))
  const can = (rules: string, req: Parameters<typeof canI>[2]) => canI(idxFor(rules), alice, req).allowed

  it('Part B rule matching: verbs are case-sensitive; * covers every verb, special verbs included', () => {
    expect(can('[{apiGroups: [""], resources: [pods], verbs: [get]}]', {resource: 'pods', verb: 'get'})).toBe(true)
    expect(can('[{apiGroups: [""], resources: [pods], verbs: [GET]}]', {resource: 'pods', verb: 'get'})).toBe(false)
    expect(can('[{apiGroups: [""], resources: [pods], verbs: [get]}]', {resource: 'pods', verb: 'Get'})).toBe(false)
    for (const verb of ['bind', 'escalate', 'impersonate', 'approve', 'use', 'deletecollection']) {
      expect(can('[{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]', {apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb})).toBe(true)
    }
    expect(can('[{apiGroups: [""], resources: [users], verbs: [impersonate]}]', {resource: 'users', verb: 'impersonate'})).toBe(true)
  })

  it('Part B rule matching: apiGroups * or exact, "" is core and the default', () => {
    expect(can('[{apiGroups: ["*"], resources: [deployments], verbs: [get]}]', {apiGroup: 'apps', resource: 'deployments', verb: 'get'})).toBe(true)
    expect(can('[{apiGroups: [apps], resources: [deployments], verbs: [get]}]', {apiGroup: 'apps', resource: 'deployments', verb: 'get'})).toBe(true)
    expect(can('[{apiGroups: [apps], resources: [deployments], verbs: [get]}]', {apiGroup: 'extensions', resource: 'deployments', verb: 'get'})).toBe(false)
    expect(can('[{apiGroups: [apps], resources: [pods], verbs: [get]}]', {resource: 'pods', verb: 'get'})).toBe(false)
    expect(can('[{apiGroups: [""], resources: [pods], verbs: [get]}]', {apiGroup: '', resource: 'pods', verb: 'get'})).toBe(true)
    expect(can('[{resources: [pods], verbs: [get]}]', {resource: 'pods', verb: 'get'})).toBe(false)
  })

  it('Part B rule matching: resources * matches any resource with or without subresource', () => {
    const rules = '[{apiGroups: [""], resources: ["*"], verbs: [create]}]'
    expect(can(rules, {resource: 'pods', verb: 'create'})).toBe(true)
    expect(can(rules, {resource: 'pods', subresource: 'exec', verb: 'create'})).toBe(true)
  })

  it('Part B rule matching: pods does not cover pods/status, pods/log, pods/exec, and pods/status does not cover pods', () => {
    const pods = '[{apiGroups: [""], resources: [pods], verbs: ["*"]}]'
    for (const subresource of ['status', 'log', 'exec']) expect(can(pods, {resource: 'pods', subresource, verb: 'get'})).toBe(false)
    const status = '[{apiGroups: [""], resources: [pods/status], verbs: ["*"]}]'
    expect(can(status, {resource: 'pods', subresource: 'status', verb: 'update'})).toBe(true)
    expect(can(status, {resource: 'pods', verb: 'update'})).toBe(false)
  })

  it('Part B rule matching: */<subresource> matches that subresource on any resource but not the parent', () => {
    const rules = '[{apiGroups: ["*"], resources: ["*/status"], verbs: [update]}]'
    expect(can(rules, {resource: 'pods', subresource: 'status', verb: 'update'})).toBe(true)
    expect(can(rules, {apiGroup: 'apps', resource: 'deployments', subresource: 'status', verb: 'update'})).toBe(true)
    expect(can(rules, {resource: 'pods', verb: 'update'})).toBe(false)
    expect(can(rules, {resource: 'pods', subresource: 'log', verb: 'update'})).toBe(false)
  })

  it('Part B rule matching: empty resourceNames matches any name; otherwise the name must be listed, and a nameless request does not match', () => {
    const named = '[{apiGroups: [""], resources: [configmaps], resourceNames: [aws-auth], verbs: [get, list, update]}]'
    expect(can(named, {name: 'aws-auth', namespace: 'kube-system', resource: 'configmaps', verb: 'update'})).toBe(true)
    expect(can(named, {name: 'other', namespace: 'kube-system', resource: 'configmaps', verb: 'update'})).toBe(false)
    expect(can(named, {namespace: 'kube-system', resource: 'configmaps', verb: 'list'})).toBe(false)
    const any = '[{apiGroups: [""], resources: [configmaps], verbs: [list]}]'
    expect(can(any, {namespace: 'kube-system', resource: 'configmaps', verb: 'list'})).toBe(true)
    expect(can(any, {name: 'x', namespace: 'kube-system', resource: 'configmaps', verb: 'list'})).toBe(true)
  })

  it('Part B rule matching: the lists of one rule form a cross product (verbs x apiGroups x resources)', () => {
    const rules = '[{apiGroups: ["", apps], resources: [pods, deployments], verbs: [get, delete]}]'
    // deployments in the core group is not a real resource, but the rule grants it all the same
    for (const apiGroup of ['', 'apps'])
      for (const resource of ['pods', 'deployments'])
        for (const verb of ['get', 'delete']) expect(can(rules, {apiGroup, resource, verb})).toBe(true)
    expect(can(rules, {apiGroup: 'batch', resource: 'pods', verb: 'get'})).toBe(false)
  })
})

describe('Part B rule matching for a non-resource request', () => {
  const idxFor = (rules: string) => index(cr('r', rules) + crb('b', 'r', '[{kind: User, name: alice}]'))
  const can = (rules: string, url: string, verb = 'get') => canI(idxFor(rules), alice, {nonResourceURL: url, verb}).allowed

  it('Part B non-resource URLs: exact match, * matches everything, and the verb must match', () => {
    expect(can('[{nonResourceURLs: [/healthz], verbs: [get]}]', '/healthz')).toBe(true)
    expect(can('[{nonResourceURLs: [/healthz], verbs: [get]}]', '/healthz/ready')).toBe(false)
    expect(can('[{nonResourceURLs: [/healthz], verbs: [get]}]', '/healthz', 'post')).toBe(false)
    expect(can('[{nonResourceURLs: ["*"], verbs: ["*"]}]', '/metrics', 'post')).toBe(true)
  })

  it('Part B non-resource URLs: trailing * is a prefix match: /healthz/* matches /healthz/ready but not /healthz', () => {
    const rules = '[{nonResourceURLs: ["/healthz/*"], verbs: [get]}]'
    expect(can(rules, '/healthz/ready')).toBe(true)
    expect(can(rules, '/healthz/etcd/deep')).toBe(true)
    expect(can(rules, '/healthz')).toBe(false)
    expect(can(rules, '/healthzz')).toBe(false)
  })

  it('Part B non-resource URLs: a rule with only resources never grants URLs, and a rule with only URLs never grants resources', () => {
    const resourcesOnly = idxFor('[{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}]')
    expect(canI(resourcesOnly, alice, {nonResourceURL: '/healthz', verb: 'get'}).allowed).toBe(false)
    const urlsOnly = idxFor('[{nonResourceURLs: ["*"], verbs: ["*"]}]')
    expect(canI(urlsOnly, alice, {resource: 'pods', verb: 'get'}).allowed).toBe(false)
  })
})

describe('decision details', () => {
  it('reports the first allowing rule: ClusterRoleBindings before RoleBindings, each in input order', () => {
    const idx = index(
      role('a', 'r', '[{apiGroups: [""], resources: [pods], verbs: [get]}]') +
        rb('a', 'rb', 'Role', 'r', '[{kind: User, name: alice}]') +
        cr('c', '[{apiGroups: [""], resources: [secrets], verbs: [get]}, {apiGroups: [""], resources: [pods], verbs: [get]}]') +
        crb('crb', 'c', '[{kind: User, name: alice}]'),
    )
    const d = canI(idx, alice, {namespace: 'a', resource: 'pods', verb: 'get'})
    expect(d.via?.binding.kind).toBe('ClusterRoleBinding')
    expect(d.via?.ruleIndex).toBe(1)
    expect(d.reason).toBe('allowed by ClusterRoleBinding "crb" -> ClusterRole "c", rule 2')
  })
})
