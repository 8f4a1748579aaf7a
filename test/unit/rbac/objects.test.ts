import {readFileSync} from 'node:fs'
import {describe, expect, it} from 'vitest'

import {EksauthError, ExitCode} from '../../../src/core/errors.js'
import {loadRbacObjects, parseManifestText} from '../../../src/core/rbac/objects.js'
import {fixture, load} from './helpers.js'

describe('parseManifestText', () => {
  it('returns each object of a multi-document file with its source and 1-based line', () => {
    const docs = parseManifestText(readFileSync(fixture('basic.yaml'), 'utf8'), 'basic.yaml')
    expect(docs).toHaveLength(7)
    expect(docs[0]).toMatchObject({line: 2, source: 'basic.yaml'})
    expect(docs.map((d) => (d.object as {kind: string}).kind)).toEqual([
      'ClusterRole', 'Role', 'RoleBinding', 'ClusterRoleBinding', 'RoleBinding', 'RoleBinding', 'ConfigMap',
    ])
    const text = readFileSync(fixture('basic.yaml'), 'utf8').split('\n')
    for (const d of docs) expect(text[d.line - 1]).toMatch(/^apiVersion:/)
  })

  it('unwraps kubectl `kind: List` output (nested lists too) giving every item its own line', () => {
    const docs = parseManifestText(readFileSync(fixture('kubectl-list.yaml'), 'utf8'), 'kubectl-list.yaml')
    expect(docs.map((d) => (d.object as {kind: string}).kind)).toEqual(['ClusterRole', 'ClusterRoleBinding', 'Deployment'])
    expect(docs.map((d) => d.line)).toEqual([3, 32, 47])
  })

  it('reads JSON, and typed lists (RoleBindingList) whose items inherit kind and apiVersion', () => {
    const docs = parseManifestText(readFileSync(fixture('typed-list.json'), 'utf8'), 'typed-list.json')
    expect(docs).toHaveLength(2)
    expect(docs[0]?.object).toMatchObject({apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding'})
    expect(docs.map((d) => d.line)).toEqual([6, 11])
  })

  it('skips empty documents and comments', () => {
    expect(parseManifestText('# nothing\n---\n---\n', 'empty.yaml')).toEqual([])
    expect(parseManifestText('', 'empty.yaml')).toEqual([])
  })

  it('throws BAD_INPUT naming file and line for text that is not YAML', () => {
    let error: unknown
    try {
      parseManifestText(readFileSync(fixture('broken.yaml'), 'utf8'), 'broken.yaml')
    } catch (error_) {
      error = error_
    }
    expect(error).toBeInstanceOf(EksauthError)
    expect((error as EksauthError).exit).toBe(ExitCode.BAD_INPUT)
    expect((error as EksauthError).message).toMatch(/^broken\.yaml:\d+: not valid YAML or JSON/)
  })

  it('throws BAD_INPUT for plain text that parses as a YAML string', () => {
    expect(() => parseManifestText(readFileSync(fixture('not-a-manifest.yaml'), 'utf8'), 'not-a-manifest.yaml')).toThrow(
      /not-a-manifest\.yaml:1: document 1 is plain text, not a YAML or JSON object/,
    )
    expect(() => parseManifestText('{"kind": "Role", ', 'x.json')).toThrow(/x\.json:\d+: not valid YAML or JSON/)
  })
})

describe('loadRbacObjects', () => {
  it('sorts manifests into typed objects, counts the rest, and keeps file:line on each object', () => {
    const r = load('basic.yaml')
    expect(r.roles.map((o) => o.name)).toEqual(['deployer'])
    expect(r.clusterRoles.map((o) => o.name)).toEqual(['pod-reader'])
    expect(r.roleBindings.map((o) => o.name)).toEqual(['alice-deployer', 'ci-reads-pods', 'dangling'])
    expect(r.clusterRoleBindings.map((o) => o.name)).toEqual(['readers'])
    expect(r.other).toBe(1)
    expect(r.errors).toEqual([])
    expect(r.roleBindings[0]).toMatchObject({
      kind: 'RoleBinding',
      namespace: 'team-a',
      origin: 'manifest',
      roleRef: {kind: 'Role', name: 'deployer'},
      source: {file: 'basic.yaml', line: 21},
      subjects: [{kind: 'User', name: 'alice'}],
    })
    expect(r.clusterRoles[0]?.rules[0]).toEqual({
      apiGroups: [''],
      nonResourceURLs: [],
      resourceNames: [],
      resources: ['pods', 'pods/log'],
      verbs: ['get', 'list', 'watch'],
    })
  })

  it('accepts kubectl get -o yaml output, ignoring server fields', () => {
    const r = load('kubectl-list.yaml')
    expect(r.clusterRoles).toHaveLength(1)
    expect(Object.keys(r.clusterRoles[0] as object).sort()).toEqual(['kind', 'labels', 'name', 'origin', 'rules', 'source'])
    expect(r.clusterRoleBindings[0]).toMatchObject({name: 'ops-secret-reader', subjects: [{kind: 'Group', name: 'ops'}]})
    expect(r.other).toBe(1)
  })

  it('accepts plain objects: arrays, List, *List and nested lists', () => {
    const role = {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: {name: 'a'}, rules: []}
    const r = loadRbacObjects([
      [role],
      {items: [{items: [{...role, metadata: {name: 'b'}}], kind: 'List'}], kind: 'List'},
      {apiVersion: 'rbac.authorization.k8s.io/v1', items: [{metadata: {name: 'c'}}], kind: 'ClusterRoleList'},
      null,
    ])
    expect(r.clusterRoles.map((o) => o.name)).toEqual(['a', 'b', 'c'])
  })

  it('reports unusable RBAC objects as errors and keeps going', () => {
    const r = loadRbacObjects([
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: {namespace: 'x'}},
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: {name: 'nr', namespace: 'x'}},
      {apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: {name: 'ok'}},
      'a string',
    ])
    expect(r.clusterRoles).toHaveLength(1)
    expect(r.errors.map((e) => e.message)).toEqual([
      'Role without metadata.name: ignored',
      'RoleBinding "x/nr" has no roleRef kind and name: ignored',
      expect.stringMatching(/^not a Kubernetes object/),
    ])
  })

  it('a Role kind from another API group is not RBAC', () => {
    const r = loadRbacObjects([{apiVersion: 'iam.example.com/v1', kind: 'Role', metadata: {name: 'x'}}])
    expect(r.roles).toEqual([])
    expect(r.other).toBe(1)
  })

  it('assumes namespace "default" for a namespaced object without one, with a warning', () => {
    const r = loadRbacObjects([{apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: {name: 'r'}, rules: []}])
    expect(r.roles[0]?.namespace).toBe('default')
    expect(r.warnings[0]?.message).toMatch(/no metadata.namespace: assuming "default"/)
  })

  it('a later duplicate replaces the earlier one, with a warning citing where the first was', () => {
    const text = `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: dup}
rules: [{apiGroups: [""], resources: [pods], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: dup}
rules: []
`
    const r = load(text)
    expect(r.clusterRoles).toHaveLength(1)
    expect(r.clusterRoles[0]?.rules).toEqual([])
    expect(r.warnings[0]?.message).toBe('ClusterRole "dup" appears more than once (first at inline.yaml:2): the later one is used')
  })

  it('keeps aggregationRule selectors and labels', () => {
    const r = load('aggregation.yaml')
    expect(r.clusterRoles[0]?.aggregationRule?.clusterRoleSelectors).toEqual([
      {matchExpressions: [], matchLabels: {'example.com/aggregate-to-monitoring': 'true'}},
      {
        matchExpressions: [
          {key: 'tier', operator: 'In', values: ['observability']},
          {key: 'deprecated', operator: 'DoesNotExist', values: []},
        ],
        matchLabels: {},
      },
    ])
    expect(r.clusterRoles[1]?.labels).toEqual({'example.com/aggregate-to-monitoring': 'true'})
  })
})
