/** The resources the fake API server knows, and the discovery documents kubectl reads to map kinds to URLs. */

export interface ResourceDef {
  group: string
  version: string
  resource: string
  singular: string
  kind: string
  namespaced: boolean
  verbs: string[]
  shortNames?: string[]
  categories?: string[]
}

const RW = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch']

export const CONFIGMAPS: ResourceDef = {group: '', version: 'v1', resource: 'configmaps', singular: 'configmap', kind: 'ConfigMap', namespaced: true, verbs: RW, shortNames: ['cm']}
export const NAMESPACES: ResourceDef = {group: '', version: 'v1', resource: 'namespaces', singular: 'namespace', kind: 'Namespace', namespaced: false, verbs: ['create', 'delete', 'get', 'list', 'patch', 'update', 'watch'], shortNames: ['ns']}
const RBAC = 'rbac.authorization.k8s.io'
export const CLUSTER_ROLES: ResourceDef = {group: RBAC, version: 'v1', resource: 'clusterroles', singular: 'clusterrole', kind: 'ClusterRole', namespaced: false, verbs: RW}
export const CLUSTER_ROLE_BINDINGS: ResourceDef = {group: RBAC, version: 'v1', resource: 'clusterrolebindings', singular: 'clusterrolebinding', kind: 'ClusterRoleBinding', namespaced: false, verbs: RW}
export const ROLES: ResourceDef = {group: RBAC, version: 'v1', resource: 'roles', singular: 'role', kind: 'Role', namespaced: true, verbs: RW}
export const ROLE_BINDINGS: ResourceDef = {group: RBAC, version: 'v1', resource: 'rolebindings', singular: 'rolebinding', kind: 'RoleBinding', namespaced: true, verbs: RW}
const AUTHN = 'authentication.k8s.io'
export const SELF_SUBJECT_REVIEWS: ResourceDef = {group: AUTHN, version: 'v1', resource: 'selfsubjectreviews', singular: 'selfsubjectreview', kind: 'SelfSubjectReview', namespaced: false, verbs: ['create']}
export const TOKEN_REVIEWS: ResourceDef = {group: AUTHN, version: 'v1', resource: 'tokenreviews', singular: 'tokenreview', kind: 'TokenReview', namespaced: false, verbs: ['create']}

export const STORED: ResourceDef[] = [CONFIGMAPS, NAMESPACES, CLUSTER_ROLES, CLUSTER_ROLE_BINDINGS, ROLES, ROLE_BINDINGS]
const ALL: ResourceDef[] = [...STORED, SELF_SUBJECT_REVIEWS, TOKEN_REVIEWS]

export const apiVersionOf = (r: ResourceDef): string => (r.group ? `${r.group}/${r.version}` : r.version)

export function findResource(group: string, version: string, resource: string): ResourceDef | undefined {
  return ALL.find((r) => r.group === group && r.version === version && r.resource === resource)
}

const GROUPS = [RBAC, AUTHN]

export function versionInfo(): Record<string, string> {
  return {
    major: '1',
    minor: '32',
    gitVersion: 'v1.32.0-eksauth-test',
    gitCommit: '0000000000000000000000000000000000000000',
    gitTreeState: 'clean',
    buildDate: '2025-01-01T00:00:00Z',
    goVersion: 'go1.23.4',
    compiler: 'gc',
    platform: 'linux/amd64',
  }
}

export function coreVersions(serverAddress: string): unknown {
  return {kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{clientCIDR: '0.0.0.0/0', serverAddress}]}
}

function group(name: string): unknown {
  const gv = {groupVersion: `${name}/v1`, version: 'v1'}
  return {name, versions: [gv], preferredVersion: gv}
}

export function groupList(): unknown {
  return {kind: 'APIGroupList', apiVersion: 'v1', groups: GROUPS.map(group)}
}

export function groupDoc(name: string): unknown | undefined {
  return GROUPS.includes(name) ? {kind: 'APIGroup', apiVersion: 'v1', ...(group(name) as object)} : undefined
}

export function resourceList(groupName: string, version: string): unknown | undefined {
  const resources = ALL.filter((r) => r.group === groupName && r.version === version)
  if (resources.length === 0) return undefined
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: groupName ? `${groupName}/${version}` : version,
    resources: resources.map((r) => ({
      name: r.resource,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: r.verbs,
      ...(r.shortNames ? {shortNames: r.shortNames} : {}),
      storageVersionHash: Buffer.from(`${r.group}/${r.resource}`).toString('base64').slice(0, 11),
    })),
  }
}
