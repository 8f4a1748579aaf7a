/**
 * EKS access policies as Kubernetes permissions, so the same authorizer answers for access-entry identities. EKS
 * evaluates them in its own webhook after RBAC; like RBAC they only allow. Each modelled policy becomes a synthetic
 * ClusterRole (`eksauth:access-policy:<PolicyName>`), and each association a ClusterRoleBinding (cluster scope) or one
 * RoleBinding per namespace (namespace scope; EKS allows `*` in those names, kept as a namespace glob) naming the
 * access entry's Kubernetes username. Pure.
 *
 * Permissions, per the EKS user guide "Review access policy permissions" (access-policy-permissions.html):
 * - AmazonEKSClusterAdminPolicy: cluster-admin (every resource and every non-resource URL).
 * - AmazonEKSAdminPolicy: the user-facing `admin` ClusterRole.
 * - AmazonEKSEditPolicy: `edit`.
 * - AmazonEKSViewPolicy: `view`.
 * - AmazonEKSAdminViewPolicy: get/list/watch on every resource of every API group, Kubernetes Secrets included.
 * Other policies (AmazonEKSAutoNodePolicy, AmazonEKSHybridPolicy, ...) are not modelled: they are reported in
 * `unknownPolicies` and grant nothing here.
 */
import type {AccessEntry} from '../ports.js'
import {defaultRbacObjects} from './defaults.js'
import type {ClusterRole, ClusterRoleBinding, PolicyRule, RbacObjects, RoleBinding} from './objects.js'

export {defaultRbacObjects, mergeRbacObjects, withDefaults} from './defaults.js'

export const ACCESS_POLICY_ROLE_PREFIX = 'eksauth:access-policy:'
export const ACCESS_ENTRY_BINDING_PREFIX = 'eksauth:access-entry:'

export type EksAccessPolicyName =
  | 'AmazonEKSClusterAdminPolicy'
  | 'AmazonEKSAdminPolicy'
  | 'AmazonEKSEditPolicy'
  | 'AmazonEKSViewPolicy'
  | 'AmazonEKSAdminViewPolicy'

export interface EksAccessPolicy {
  name: EksAccessPolicyName
  /** the upstream ClusterRole it corresponds to, or a description */
  equivalent: string
  rules: PolicyRule[]
}

export const MODELLED_ACCESS_POLICIES: readonly EksAccessPolicyName[] = [
  'AmazonEKSClusterAdminPolicy',
  'AmazonEKSAdminPolicy',
  'AmazonEKSEditPolicy',
  'AmazonEKSViewPolicy',
  'AmazonEKSAdminViewPolicy',
]

/** `arn:<partition>:eks::aws:cluster-access-policy/<Name>` (any partition) or a bare name -> the name. */
export function accessPolicyName(arnOrName: string): string {
  const marker = 'cluster-access-policy/'
  const i = arnOrName.indexOf(marker)
  return i >= 0 ? arnOrName.slice(i + marker.length) : arnOrName
}

const isModelled = (name: string): name is EksAccessPolicyName => (MODELLED_ACCESS_POLICIES as readonly string[]).includes(name)

/** The policy's permissions, or undefined for a policy eksauth does not model. Fresh objects on every call. */
export function eksAccessPolicy(arnOrName: string): EksAccessPolicy | undefined {
  const name = accessPolicyName(arnOrName)
  if (!isModelled(name)) return undefined
  const rulesOf = (role: string): PolicyRule[] =>
    (defaultRbacObjects().clusterRoles.find((r) => r.name === role) as ClusterRole).rules.map((x) => ({...x}))
  switch (name) {
    case 'AmazonEKSClusterAdminPolicy': {
      return {equivalent: 'cluster-admin', name, rules: rulesOf('cluster-admin')}
    }
    case 'AmazonEKSAdminPolicy': {
      return {equivalent: 'admin', name, rules: rulesOf('admin')}
    }
    case 'AmazonEKSEditPolicy': {
      return {equivalent: 'edit', name, rules: rulesOf('edit')}
    }
    case 'AmazonEKSViewPolicy': {
      return {equivalent: 'view', name, rules: rulesOf('view')}
    }
    case 'AmazonEKSAdminViewPolicy': {
      return {
        equivalent: 'get/list/watch on all resources, Secrets included',
        name,
        rules: [{apiGroups: ['*'], nonResourceURLs: [], resourceNames: [], resources: ['*'], verbs: ['get', 'list', 'watch']}],
      }
    }
  }
}

/** The synthetic ClusterRole standing for a policy. */
export function accessPolicyClusterRole(policy: EksAccessPolicy): ClusterRole {
  return {
    kind: 'ClusterRole',
    labels: {},
    name: `${ACCESS_POLICY_ROLE_PREFIX}${policy.name}`,
    origin: 'eks-access-policy',
    rules: policy.rules,
    source: {file: `EKS access policy ${policy.name} (= ${policy.equivalent})`},
  }
}

export interface AccessEntryRbac extends RbacObjects {
  /** policy names (from the ARNs) that are not modelled: they grant nothing in the simulation */
  unknownPolicies: string[]
  /** remarks, e.g. a namespace-scoped association with no namespaces */
  notes: string[]
}

/**
 * The synthetic ClusterRoles and bindings for one access entry's associated policies, bound to `username` (the entry's
 * Kubernetes username as the identity resolver rendered it; a User subject, since EKS authorizes the principal itself).
 */
export function accessEntryRbac(entry: Pick<AccessEntry, 'principalArn' | 'accessPolicies'>, username: string): AccessEntryRbac {
  const out: AccessEntryRbac = {clusterRoleBindings: [], clusterRoles: [], notes: [], roleBindings: [], roles: [], unknownPolicies: []}
  for (const assoc of entry.accessPolicies) {
    const policy = eksAccessPolicy(assoc.policyArn)
    if (!policy) {
      out.unknownPolicies.push(accessPolicyName(assoc.policyArn))
      continue
    }
    const role = accessPolicyClusterRole(policy)
    if (!out.clusterRoles.some((r) => r.name === role.name)) out.clusterRoles.push(role)
    const name = `${ACCESS_ENTRY_BINDING_PREFIX}${policy.name}:${entry.principalArn}`
    const common = {
      labels: {},
      origin: 'eks-access-policy' as const,
      roleRef: {kind: 'ClusterRole', name: role.name},
      source: {file: `access entry ${entry.principalArn}, ${policy.name} (${assoc.accessScope.type} scope)`},
      subjects: [{kind: 'User', name: username}],
    }
    if (assoc.accessScope.type === 'cluster') {
      const binding: ClusterRoleBinding = {...common, kind: 'ClusterRoleBinding', name}
      out.clusterRoleBindings.push(binding)
      continue
    }
    const namespaces = assoc.accessScope.namespaces ?? []
    if (namespaces.length === 0) out.notes.push(`${policy.name} for ${entry.principalArn} is namespace-scoped with no namespaces: it grants nothing`)
    for (const namespace of namespaces) {
      const binding: RoleBinding = {...common, kind: 'RoleBinding', name, namespace, ...(namespace.includes('*') ? {namespaceGlob: true} : {})}
      out.roleBindings.push(binding)
    }
  }
  return out
}

/** `accessEntryRbac` for many entries, with each synthetic ClusterRole once. */
export function accessEntriesRbac(entries: {entry: Pick<AccessEntry, 'principalArn' | 'accessPolicies'>; username: string}[]): AccessEntryRbac {
  const out: AccessEntryRbac = {clusterRoleBindings: [], clusterRoles: [], notes: [], roleBindings: [], roles: [], unknownPolicies: []}
  for (const {entry, username} of entries) {
    const one = accessEntryRbac(entry, username)
    for (const r of one.clusterRoles) if (!out.clusterRoles.some((x) => x.name === r.name)) out.clusterRoles.push(r)
    out.clusterRoleBindings.push(...one.clusterRoleBindings)
    out.roleBindings.push(...one.roleBindings)
    for (const p of one.unknownPolicies) if (!out.unknownPolicies.includes(p)) out.unknownPolicies.push(p)
    out.notes.push(...one.notes)
  }
  return out
}
