import {describe, expect, it} from 'vitest'

import {buildIndex, canI, effectiveRules, listRules, whoCan} from '../../../src/core/rbac/authorizer.js'
import type {ClusterRole, ClusterRoleBinding, RbacObjects, Role, RoleBinding} from '../../../src/core/rbac/objects.js'

/** 20k bindings: 10k RoleBindings over 500 namespaces, 10k ClusterRoleBindings, with one needle of each kind. */
function generate(): RbacObjects {
  const rule = (resource: string, verbs = ['get']) => ({apiGroups: [''], nonResourceURLs: [], resourceNames: [], resources: [resource], verbs})
  const clusterRoles: ClusterRole[] = []
  const roles: Role[] = []
  const roleBindings: RoleBinding[] = []
  const clusterRoleBindings: ClusterRoleBinding[] = []
  for (let i = 0; i < 200; i++) clusterRoles.push({kind: 'ClusterRole', labels: {}, name: `cr-${i}`, origin: 'manifest', rules: [rule(`res-${i}`)]})
  for (let n = 0; n < 500; n++) roles.push({kind: 'Role', labels: {}, name: 'r', namespace: `ns-${n}`, origin: 'manifest', rules: [rule('configmaps')]})
  for (let i = 0; i < 10_000; i++) {
    clusterRoleBindings.push({
      kind: 'ClusterRoleBinding',
      labels: {},
      name: `crb-${i}`,
      origin: 'manifest',
      roleRef: {kind: 'ClusterRole', name: `cr-${i % 200}`},
      subjects: [{kind: 'User', name: `user-${i}`}, {kind: 'Group', name: `group-${i % 50}`}],
    })
    roleBindings.push({
      kind: 'RoleBinding',
      labels: {},
      name: `rb-${i}`,
      namespace: `ns-${i % 500}`,
      origin: 'manifest',
      roleRef: i % 2 ? {kind: 'Role', name: 'r'} : {kind: 'ClusterRole', name: `cr-${i % 200}`},
      subjects: [{kind: 'User', name: `user-${i}`}, {kind: 'ServiceAccount', name: `sa-${i}`}],
    })
  }
  clusterRoles.push({kind: 'ClusterRole', labels: {}, name: 'needle', origin: 'manifest', rules: [rule('secrets', ['list'])]})
  clusterRoleBindings.push({
    kind: 'ClusterRoleBinding',
    labels: {},
    name: 'needle',
    origin: 'manifest',
    roleRef: {kind: 'ClusterRole', name: 'needle'},
    subjects: [{kind: 'User', name: 'user-7777'}],
  })
  return {clusterRoleBindings, clusterRoles, roleBindings, roles}
}

describe('20k bindings', () => {
  const idx = buildIndex(generate())

  it('answers can-i, list, who-can and effective rules correctly on a 20k-binding input', () => {
    const u = {groups: ['group-3'], username: 'user-7777'}
    expect(canI(idx, u, {resource: 'secrets', verb: 'list'}).via?.binding.name).toBe('needle')
    // rb-7777 (odd: Role r) in ns-277
    expect(canI(idx, u, {namespace: 'ns-277', resource: 'configmaps', verb: 'get'}).via?.binding).toEqual({kind: 'RoleBinding', name: 'rb-7777', namespace: 'ns-277'})
    expect(canI(idx, u, {namespace: 'ns-278', resource: 'configmaps', verb: 'get'}).allowed).toBe(false)
    // group-3 is on every crb-i with i % 50 == 3, whose roles are cr-(i % 200): 3, 53, 103, 153
    expect(canI(idx, u, {resource: 'res-153', verb: 'get'}).allowed).toBe(true)
    expect(canI(idx, u, {resource: 'res-4', verb: 'get'}).allowed).toBe(false)
    const sa = {groups: [], username: 'system:serviceaccount:ns-2:sa-2'}
    expect(canI(idx, sa, {namespace: 'ns-2', resource: 'res-2', verb: 'get'}).via?.binding.name).toBe('rb-2')

    const who = whoCan(idx, {resource: 'secrets', verb: 'list'})
    expect(who.subjects.map((s) => s.subject.name)).toEqual(['user-7777'])
    const whoCm = whoCan(idx, {namespace: 'ns-1', resource: 'configmaps', verb: 'get'})
    expect(whoCm.subjects).toHaveLength(40) // 20 odd RoleBindings in ns-1, two subjects each

    expect(listRules(idx, u).resourceRules.length).toBe(1 + 1 + 200) // needle, crb-7777, 200 group-3 bindings
    expect(effectiveRules(idx, u).filter((r) => r.scope.type === 'namespace')).toHaveLength(1)
  })
})
