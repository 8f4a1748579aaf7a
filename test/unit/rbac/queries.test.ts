import {describe, expect, it} from 'vitest'

import {bindingsFor, effectiveRules, listRules, serviceAccountUser, whoCan} from '../../../src/core/rbac/authorizer.js'
import {cr, crb, index, rb, role} from './helpers.js'

const idx = () =>
  index(
    cr('secret-reader', '[{apiGroups: [""], resources: [secrets], verbs: [get, list]}, {nonResourceURLs: [/metrics], verbs: [get]}]') +
      cr('all', '[{apiGroups: ["*"], resources: ["*"], verbs: ["*"]}, {nonResourceURLs: ["*"], verbs: ["*"]}]') +
      role('team-a', 'secrets', '[{apiGroups: [""], resources: [secrets], verbs: [get]}]') +
      crb('ops', 'secret-reader', '[{kind: Group, name: ops}, {kind: ServiceAccount, name: nowhere}]') +
      crb('ghost', 'missing-role', '[{kind: User, name: alice}]') +
      rb('team-a', 'alice-secrets', 'Role', 'secrets', '[{kind: User, name: alice}, {kind: ServiceAccount, name: ci}]') +
      rb('team-a', 'bob-all', 'ClusterRole', 'all', '[{kind: User, name: bob}]') +
      rb('team-b', 'carol-all', 'ClusterRole', 'all', '[{kind: User, name: carol}]'),
  )

describe('whoCan (kubectl-who-can)', () => {
  it('lists subjects of ClusterRoleBindings and of the namespace RoleBindings (to Roles and ClusterRoles), with binding and role', () => {
    const r = whoCan(idx(), {name: 's', namespace: 'team-a', resource: 'secrets', verb: 'get'})
    expect(r.privileged).toEqual([{kind: 'Group', name: 'system:masters'}])
    expect(r.subjects.map((s) => [s.subject, s.binding.name, s.role.name, s.ruleIndex])).toEqual([
      [{kind: 'Group', name: 'ops'}, 'ops', 'secret-reader', 0],
      [{kind: 'User', name: 'alice'}, 'alice-secrets', 'secrets', 0],
      [{kind: 'ServiceAccount', name: 'ci', namespace: 'team-a'}, 'alice-secrets', 'secrets', 0],
      [{kind: 'User', name: 'bob'}, 'bob-all', 'all', 0],
    ])
    expect(r.unresolved).toEqual([{kind: 'ClusterRoleBinding', name: 'ghost'}])
  })

  it('Part B: for a cluster-wide request only ClusterRoleBindings count, and a namespace-less SA subject there is left out', () => {
    const r = whoCan(idx(), {resource: 'secrets', verb: 'list'})
    expect(r.subjects.map((s) => s.subject)).toEqual([{kind: 'Group', name: 'ops'}])
  })

  it('Part B: non-resource URLs are granted by ClusterRoleBindings only', () => {
    const r = whoCan(idx(), {nonResourceURL: '/metrics', verb: 'get'})
    expect(r.subjects.map((s) => [s.subject.name, s.ruleIndex])).toEqual([['ops', 1]])
  })

  it('finds nobody (but system:masters) when no rule allows', () => {
    const r = whoCan(idx(), {apiGroup: 'rbac.authorization.k8s.io', resource: 'clusterroles', verb: 'escalate'})
    expect(r.subjects).toEqual([])
    expect(r.privileged).toHaveLength(1)
  })
})

describe('listRules (kubectl auth can-i --list)', () => {
  it('without a namespace lists only cluster-wide rules; non-resource rules separately', () => {
    const l = listRules(idx(), {groups: ['ops'], username: 'dave'})
    expect(l.masters).toBe(false)
    expect(l.resourceRules.map((r) => [r.rule.resources, r.binding.name, r.scope])).toEqual([[['secrets'], 'ops', {type: 'cluster'}]])
    expect(l.nonResourceRules.map((r) => r.rule.nonResourceURLs)).toEqual([['/metrics']])
  })

  it('with a namespace adds that namespace RoleBindings, but never their non-resource rules', () => {
    const l = listRules(idx(), {groups: [], username: 'bob'}, 'team-a')
    expect(l.namespace).toBe('team-a')
    expect(l.resourceRules.map((r) => [r.binding.name, r.role.name, r.scope])).toEqual([
      ['bob-all', 'all', {namespace: 'team-a', type: 'namespace'}],
    ])
    expect(l.nonResourceRules).toEqual([])
    expect(listRules(idx(), {groups: [], username: 'bob'}, 'team-b').resourceRules).toEqual([])
  })

  it('reports bindings whose role is missing and flags system:masters', () => {
    const l = listRules(idx(), {groups: ['system:masters'], username: 'alice'}, 'team-a')
    expect(l.masters).toBe(true)
    expect(l.unresolved).toEqual([{kind: 'ClusterRoleBinding', name: 'ghost'}])
    expect(l.resourceRules.map((r) => r.binding.name)).toEqual(['alice-secrets'])
  })
})

describe('effectiveRules and bindingsFor (for audit)', () => {
  it('returns every (binding, role, rule, scope) the user reaches across all namespaces', () => {
    const rules = effectiveRules(idx(), serviceAccountUser('team-a', 'ci'))
    expect(rules).toEqual([
      {
        binding: {kind: 'RoleBinding', name: 'alice-secrets', namespace: 'team-a'},
        role: {kind: 'Role', name: 'secrets', namespace: 'team-a'},
        rule: {apiGroups: [''], nonResourceURLs: [], resourceNames: [], resources: ['secrets'], verbs: ['get']},
        ruleIndex: 0,
        scope: {namespace: 'team-a', type: 'namespace'},
      },
    ])
    const carol = effectiveRules(idx(), {groups: ['ops'], username: 'carol'})
    expect(carol.map((r) => [r.binding.name, r.ruleIndex, r.scope.type])).toEqual([
      ['ops', 0, 'cluster'],
      ['ops', 1, 'cluster'],
      ['carol-all', 0, 'namespace'],
      ['carol-all', 1, 'namespace'],
    ])
  })

  it('bindingsFor lists every binding naming the user, resolved or not, with the subject that matched', () => {
    const b = bindingsFor(idx(), {groups: [], username: 'alice'})
    expect(b).toEqual([
      {
        binding: {kind: 'ClusterRoleBinding', name: 'ghost'},
        resolved: false,
        role: {kind: 'ClusterRole', name: 'missing-role'},
        scope: {type: 'cluster'},
        subject: {kind: 'User', name: 'alice'},
      },
      {
        binding: {kind: 'RoleBinding', name: 'alice-secrets', namespace: 'team-a'},
        resolved: true,
        role: {kind: 'Role', name: 'secrets', namespace: 'team-a'},
        scope: {namespace: 'team-a', type: 'namespace'},
        subject: {kind: 'User', name: 'alice'},
      },
    ])
  })
})
