import {describe, expect, it} from 'vitest'

import {aggregateClusterRoles, selectorMatches} from '../../../src/core/rbac/aggregate.js'
import {buildIndex, canI} from '../../../src/core/rbac/authorizer.js'
import type {ClusterRole} from '../../../src/core/rbac/objects.js'
import {load} from './helpers.js'

const role = (name: string, labels: Record<string, string>, resources: string[], aggregateFrom?: Record<string, string>): ClusterRole => ({
  kind: 'ClusterRole',
  labels,
  name,
  origin: 'manifest',
  rules: resources.map((res) => ({apiGroups: [''], nonResourceURLs: [], resourceNames: [], resources: [res], verbs: ['get']})),
  ...(aggregateFrom ? {aggregationRule: {clusterRoleSelectors: [{matchExpressions: [], matchLabels: aggregateFrom}]}} : {}),
})

describe('Part B aggregation', () => {
  it('Part B aggregation: stored rules are replaced by the union of the matching roles (matchLabels OR matchExpressions selectors), in name order', () => {
    const {clusterRoles, aggregated} = aggregateClusterRoles(load('aggregation.yaml').clusterRoles)
    const monitoring = clusterRoles.find((r) => r.name === 'monitoring')
    // a-prometheus (tier In observability, no deprecated label) then z-metrics (matchLabels); its /metrics rule is not repeated
    expect(monitoring?.rules.map((r) => [...r.resources, ...r.nonResourceURLs])).toEqual([['pods', 'services', 'endpoints'], ['/metrics']])
    expect(aggregated).toEqual([{name: 'monitoring', rules: 2, sources: ['a-prometheus', 'z-metrics'], storedRules: 1}])
  })

  it('Part B aggregation: the authorizer sees the aggregated rules, not the stored ones', () => {
    const loaded = load('aggregation.yaml')
    const binding = {
      kind: 'ClusterRoleBinding' as const,
      labels: {},
      name: 'm',
      origin: 'manifest' as const,
      roleRef: {kind: 'ClusterRole', name: 'monitoring'},
      subjects: [{kind: 'User', name: 'prom'}],
    }
    const idx = buildIndex({...loaded, clusterRoleBindings: [binding], clusterRoles: aggregateClusterRoles(loaded.clusterRoles).clusterRoles})
    const prom = {groups: [], username: 'prom'}
    expect(canI(idx, prom, {resource: 'pods', verb: 'list'}).allowed).toBe(true)
    expect(canI(idx, prom, {nonResourceURL: '/metrics', verb: 'get'}).allowed).toBe(true)
    expect(canI(idx, prom, {resource: 'stale', verb: 'get'}).allowed).toBe(false)
    expect(canI(idx, prom, {resource: 'secrets', verb: 'get', name: 's', namespace: 'x'}).allowed).toBe(false)
  })

  it('Part B aggregation: nested aggregation resolves (view -> edit -> admin) and a role never aggregates itself', () => {
    const input = [
      role('admin', {}, ['stored-admin'], {agg: 'admin'}),
      role('edit', {agg: 'admin'}, [], {agg: 'edit'}),
      role('view', {agg: 'edit'}, [], {agg: 'view'}),
      role('to-view', {agg: 'view'}, ['pods']),
      role('to-edit', {agg: 'edit'}, ['secrets']),
      role('to-admin', {agg: 'admin'}, ['roles']),
      role('self', {agg: 'self'}, ['own'], {agg: 'self'}),
    ]
    const {clusterRoles} = aggregateClusterRoles(input)
    const res = (name: string) => clusterRoles.find((r) => r.name === name)?.rules.map((r) => r.resources[0])
    expect(res('view')).toEqual(['pods'])
    expect(res('edit')).toEqual(['secrets', 'pods'])
    expect(res('admin')).toEqual(['secrets', 'pods', 'roles'])
    expect(res('self')).toEqual([])
    // inputs untouched
    expect(input[0]?.rules.map((r) => r.resources[0])).toEqual(['stored-admin'])
  })

  it('keepStoredWhenNoMatch keeps an already-aggregated role from a partial dump', () => {
    const dumped = role('admin', {}, ['pods'], {agg: 'admin'})
    expect(aggregateClusterRoles([dumped]).clusterRoles[0]?.rules).toEqual([])
    expect(aggregateClusterRoles([dumped], {keepStoredWhenNoMatch: true}).clusterRoles[0]?.rules).toHaveLength(1)
  })

  it('label selectors: matchLabels AND matchExpressions In/NotIn/Exists/DoesNotExist; unknown operators and null match nothing', () => {
    const labels = {env: 'prod', tier: 'web'}
    const sel = (matchLabels: Record<string, string>, ...exprs: [string, string, string[]?][]) => ({
      matchExpressions: exprs.map(([key, operator, values]) => ({key, operator, values: values ?? []})),
      matchLabels,
    })
    expect(selectorMatches(sel({}), labels)).toBe(true)
    expect(selectorMatches(sel({env: 'prod'}), labels)).toBe(true)
    expect(selectorMatches(sel({env: 'dev'}), labels)).toBe(false)
    expect(selectorMatches(sel({env: 'prod'}, ['tier', 'In', ['web', 'api']]), labels)).toBe(true)
    expect(selectorMatches(sel({env: 'prod'}, ['tier', 'In', ['api']]), labels)).toBe(false)
    expect(selectorMatches(sel({}, ['tier', 'NotIn', ['api']]), labels)).toBe(true)
    expect(selectorMatches(sel({}, ['missing', 'NotIn', ['api']]), labels)).toBe(true)
    expect(selectorMatches(sel({}, ['tier', 'NotIn', ['web']]), labels)).toBe(false)
    expect(selectorMatches(sel({}, ['env', 'Exists']), labels)).toBe(true)
    expect(selectorMatches(sel({}, ['missing', 'Exists']), labels)).toBe(false)
    expect(selectorMatches(sel({}, ['missing', 'DoesNotExist']), labels)).toBe(true)
    expect(selectorMatches(sel({}, ['env', 'DoesNotExist']), labels)).toBe(false)
    expect(selectorMatches(sel({}, ['env', 'Gt', ['1']]), labels)).toBe(false)
    expect(selectorMatches(null, labels)).toBe(false)
  })
})
