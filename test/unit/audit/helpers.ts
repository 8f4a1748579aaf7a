/** Small builders for audit tests: inline aws-auth YAML, access entries, cluster info, IAM inventory, RBAC manifests. */
import {analyseAwsAuth} from '../../../src/core/aws-auth/diagnostics.js'
import type {AuditInput} from '../../../src/core/audit/context.js'
import {type AuditResult, type IgnoreEntry, runAudit} from '../../../src/core/audit/engine.js'
import type {Finding} from '../../../src/core/audit/finding.js'
import {auditRbac} from '../../../src/core/audit/rules-rbac.js'
import {addPrincipal, emptyInventory} from '../../../src/core/iam-inventory.js'
import type {AccessEntry, ClusterInfo} from '../../../src/core/ports.js'
import {aggregateClusterRoles} from '../../../src/core/rbac/aggregate.js'
import {withDefaults} from '../../../src/core/rbac/defaults.js'
import {loadManifestDocs, parseManifestText, type RbacObjects} from '../../../src/core/rbac/objects.js'

export const ACCT = '111122223333'
export const OTHER_ACCT = '444455556666'
export const roleArn = (name: string, acct = ACCT): string => `arn:aws:iam::${acct}:role/${name}`
export const userArn = (name: string, acct = ACCT): string => `arn:aws:iam::${acct}:user/${name}`

export const NODE_ROLE = roleArn('eks-node')
/** a well-formed node mapping, as EKS writes it */
export const NODE_ENTRY = `- rolearn: ${NODE_ROLE}
  username: system:node:{{EC2PrivateDNSName}}
  groups: [system:bootstrappers, system:nodes]
`

/** One mapRoles/mapUsers entry as YAML (flow groups). */
export function entry(arn: string, username: string | undefined, groups: string[] = [], key = 'rolearn'): string {
  return `- ${key}: ${arn}\n${username === undefined ? '' : `  username: "${username}"\n`}  groups: [${groups.map((g) => `"${g}"`).join(', ')}]\n`
}

export function awsAuth(data: Record<string, string>): NonNullable<AuditInput['awsAuth']> {
  return {analysis: analyseAwsAuth(data), source: 'inline'}
}

/** aws-auth with the given mapRoles text (a node role is always present so the cluster account is known). */
export const withRoles = (mapRoles: string, extra: Record<string, string> = {}): AuditInput => ({awsAuth: awsAuth({mapRoles: NODE_ENTRY + mapRoles, ...extra})})

export function accessEntry(principalArn: string, e: Partial<AccessEntry> = {}): AccessEntry {
  return {accessPolicies: [], kubernetesGroups: [], principalArn, type: 'STANDARD', ...e}
}

export const policy = (name: string, scope: 'cluster' | string[] = 'cluster'): AccessEntry['accessPolicies'][number] => ({
  accessScope: scope === 'cluster' ? {type: 'cluster'} : {namespaces: scope, type: 'namespace'},
  policyArn: `arn:aws:eks::aws:cluster-access-policy/${name}`,
})

/** A cluster that passes every CL rule; override fields to break one. */
export function cluster(over: Partial<ClusterInfo> = {}): ClusterInfo {
  return {
    accountId: ACCT,
    authenticationMode: 'API',
    bootstrapClusterCreatorAdminPermissions: false,
    enabledLogTypes: ['api', 'audit', 'authenticator'],
    endpointPrivateAccess: true,
    endpointPublicAccess: false,
    name: 'prod',
    publicAccessCidrs: [],
    ...over,
  }
}

export function inventory(arns: string[], accounts = [ACCT]): NonNullable<AuditInput['iam']> {
  const inv = emptyInventory()
  for (const a of accounts) inv.accounts.add(a)
  for (const a of arns) addPrincipal(inv, a)
  return inv
}

export function audit(input: AuditInput, opts: Parameters<typeof runAudit>[1] = {}): AuditResult {
  return runAudit(input, {today: '2025-01-01', ...opts})
}

export const ids = (r: AuditResult | Finding[]): string[] => ('findings' in r ? r.findings : r).map((f) => f.ruleId)
export const only = (r: AuditResult | Finding[], id: string): Finding[] => ('findings' in r ? r.findings : r).filter((f) => f.ruleId === id)

export function rbacObjects(yaml: string, defaults = false): RbacObjects {
  let objects: RbacObjects = loadManifestDocs(parseManifestText(yaml, 'inline.yaml'))
  if (defaults) objects = withDefaults(objects).objects
  return {...objects, clusterRoles: aggregateClusterRoles(objects.clusterRoles).clusterRoles}
}

/** The whole pipeline the CLI runs: RBAC reachability as an extension, group binding for AA021. */
export function auditWithRbac(input: AuditInput, yaml: string, opts: {defaults?: boolean; ignore?: IgnoreEntry[]} = {}): AuditResult {
  const rb = auditRbac(input, {objects: rbacObjects(yaml, opts.defaults)})
  return audit(input, {extensions: [{findings: rb.findings, notes: rb.notes, source: 'rbac'}], groupsBound: rb.groupsBound, hasRbac: true, ignore: opts.ignore})
}

// RBAC manifest builders ---------------------------------------------------------------------------------------

export const clusterRole = (name: string, rules: string, labels = '{}'): string =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: ${name}, labels: ${labels}}\nrules: ${rules}\n---\n`
export const nsRole = (ns: string, name: string, rules: string): string =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: ${name}, namespace: ${ns}}\nrules: ${rules}\n---\n`
export const crb = (name: string, roleName: string, subjects: string): string =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ${name}}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ${roleName}}\nsubjects: ${subjects}\n---\n`
export const rb = (ns: string, name: string, roleKind: 'Role' | 'ClusterRole', roleName: string, subjects: string): string =>
  `apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: ${name}, namespace: ${ns}}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ${roleKind}, name: ${roleName}}\nsubjects: ${subjects}\n---\n`
export const group = (name: string): string => `[{kind: Group, name: "${name}", apiGroup: rbac.authorization.k8s.io}]`
