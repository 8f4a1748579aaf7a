import {readFileSync} from 'node:fs'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {aggregateClusterRoles} from '../../../src/core/rbac/aggregate.js'
import {buildIndex, type RbacIndex} from '../../../src/core/rbac/authorizer.js'
import {loadManifestDocs, type LoadResult, parseManifestText} from '../../../src/core/rbac/objects.js'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/rbac')

export const fixture = (name: string): string => join(FIXTURES, name)

/** Parse and load inline YAML (or a fixture by name when it ends in .yaml/.json). */
export function load(textOrFixture: string): LoadResult {
  const isFile = /^[\w./-]+\.(ya?ml|json)$/.test(textOrFixture)
  const text = isFile ? readFileSync(fixture(textOrFixture), 'utf8') : textOrFixture
  return loadManifestDocs(parseManifestText(text, isFile ? textOrFixture : 'inline.yaml'))
}

/** Load, aggregate and index. */
export function index(textOrFixture: string): RbacIndex {
  const objects = load(textOrFixture)
  return buildIndex({...objects, clusterRoles: aggregateClusterRoles(objects.clusterRoles).clusterRoles})
}

export const cr = (name: string, rules: string): string => `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: ${name}}
rules: ${rules}
---`

export const role = (ns: string, name: string, rules: string): string => `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: ${name}, namespace: ${ns}}
rules: ${rules}
---`

export const crb = (name: string, roleName: string, subjects: string): string => `
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ${name}}
roleRef: {kind: ClusterRole, name: ${roleName}}
subjects: ${subjects}
---`

export const rb = (ns: string, name: string, roleKind: string, roleName: string, subjects: string): string => `
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: ${name}, namespace: ${ns}}
roleRef: {kind: ${roleKind}, name: ${roleName}}
subjects: ${subjects}
---`
