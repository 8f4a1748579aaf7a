/** AE001-AE007 (access entries) and CL001-CL006 (cluster configuration): audit-rules.md A2, A3. */
import {canonicalize, lookupKey, stripPath} from '../arn.js'
import {isNodeMapping} from './rules-aws-auth.js'
import {type AuditInput, makeFinding, principalExists} from './context.js'
import type {Finding} from './finding.js'

const NODE_TYPES = new Set(['EC2_LINUX', 'EC2_WINDOWS', 'FARGATE_LINUX', 'HYBRID_LINUX', 'EC2'])
const RESERVED = ['system:', 'eks:', 'aws:', 'amazon:', 'iam:']
const NODE_GROUPS = new Set(['system:bootstrappers', 'system:nodes', 'system:node-proxier'])
const key = (arn: string): string => {
  try {
    return lookupKey(stripPath(arn))
  } catch {
    return lookupKey(arn)
  }
}
const policyName = (arn: string): string => arn.split('/').at(-1) ?? arn

export function auditAccessEntries(input: AuditInput): Finding[] {
  const entries = input.accessEntries
  if (!entries) return []
  const out: Finding[] = []
  const effectiveAwsAuth = input.awsAuth
    ? [...input.awsAuth.analysis.view.roleIndex.values(), ...input.awsAuth.analysis.view.userIndex.values()]
    : []
  for (const e of entries) {
    const subject = {arn: e.principalArn, kind: 'access-entry' as const}
    const loc = {path: `access-entry/${e.principalArn}`}
    const add = (id: string, message: string, extra: Parameters<typeof makeFinding>[3] = {}) => out.push(makeFinding(id, subject, message, {location: loc, ...extra}))
    for (const p of e.accessPolicies) {
      const name = policyName(p.policyArn)
      if (name === 'AmazonEKSClusterAdminPolicy') add('AE001', `${e.principalArn} has AmazonEKSClusterAdminPolicy (${p.accessScope.type} scope)`)
      if (name === 'AmazonEKSAdminPolicy' && (p.accessScope.type === 'cluster' || p.accessScope.namespaces?.includes('kube-system'))) {
        add('AE002', `${e.principalArn} has AmazonEKSAdminPolicy ${p.accessScope.type === 'cluster' ? 'at cluster scope' : 'in kube-system'}`)
      }
    }
    // node-type entries carry the node groups EKS itself assigns (as AA010 exempts them on node roles)
    const reservedGroups = e.kubernetesGroups.filter((g) => g.startsWith('system:') && !(NODE_TYPES.has(e.type ?? '') && NODE_GROUPS.has(g)))
    if (reservedGroups.length > 0) add('AE004', `${e.principalArn} maps to reserved group${reservedGroups.length > 1 ? 's' : ''} ${reservedGroups.join(', ')}`)
    if (e.username && RESERVED.some((p) => e.username!.startsWith(p)) && !NODE_TYPES.has(e.type ?? '')) {
      add('AE004', `${e.principalArn}: username '${e.username}' uses a reserved prefix`)
    }
    let kind: string | undefined
    try {
      kind = canonicalize(e.principalArn).kind
    } catch {
      kind = undefined
    }
    if (e.username && kind === 'role' && !NODE_TYPES.has(e.type ?? '') && !/\{\{SessionName(Raw)?\}\}/.test(e.username)) {
      add('AE004', `${e.principalArn}: username '${e.username}' has no {{SessionName}}, so sessions are indistinguishable`, {severity: 'low'})
    }
    const inAwsAuth = effectiveAwsAuth.find((m) => m.arn && key(m.arn) === key(e.principalArn))
    if (inAwsAuth) {
      const same = JSON.stringify([...inAwsAuth.groups].sort()) === JSON.stringify([...e.kubernetesGroups].sort())
      add('AE005', `${e.principalArn} is also in aws-auth ${inAwsAuth.section}[${inAwsAuth.index}]${same ? '' : ` with other groups (${inAwsAuth.groups.join(', ') || 'none'})`}; the access entry wins`)
    }
    if (NODE_TYPES.has(e.type ?? '')) {
      const human =
        entries.find((o) => o !== e && !NODE_TYPES.has(o.type ?? '') && key(o.principalArn) === key(e.principalArn)) ??
        effectiveAwsAuth.find((m) => m.arn && key(m.arn) === key(e.principalArn) && !isNodeMapping(m))
      if (human) add('AE006', `${e.principalArn} has a ${e.type} entry and is also used as a human or CI principal`)
    }
    if (input.iam && principalExists(input.iam, e.principalArn) === 'missing') add('AE007', `${e.principalArn} no longer exists in IAM`)
  }
  if (input.cluster?.bootstrapClusterCreatorAdminPermissions === true) {
    out.push(
      makeFinding('AE003', {kind: 'cluster', name: input.cluster.name}, `cluster ${input.cluster.name} was created with bootstrapClusterCreatorAdminPermissions=true: the creator holds cluster-admin`, {
        location: {path: `cluster/${input.cluster.name}`},
      }),
    )
  }
  return out
}

export function auditCluster(input: AuditInput): Finding[] {
  const c = input.cluster
  if (!c) return []
  const out: Finding[] = []
  const subject = {kind: 'cluster' as const, name: c.name}
  const add = (id: string, message: string, extra: Parameters<typeof makeFinding>[3] = {}) =>
    out.push(makeFinding(id, subject, message, {location: {path: `cluster/${c.name}`}, ...extra}))
  const mode = c.authenticationMode ?? 'CONFIG_MAP'
  if (mode === 'CONFIG_MAP') add('CL001', `cluster ${c.name} authenticates through aws-auth only (CONFIG_MAP${c.authenticationMode ? '' : ': no accessConfig in the input'})`)
  if (mode === 'API_AND_CONFIG_MAP' && input.awsAuth) {
    const nonNode = [...input.awsAuth.analysis.view.roleIndex.values(), ...input.awsAuth.analysis.view.userIndex.values()].filter((e) => !isNodeMapping(e))
    if (nonNode.length > 0) add('CL002', `cluster ${c.name} is in API_AND_CONFIG_MAP and aws-auth still maps ${nonNode.length} non-node principal${nonNode.length > 1 ? 's' : ''}`)
  }
  if (c.endpointPublicAccess !== false) {
    const cidrs = c.publicAccessCidrs ?? []
    const open = cidrs.length === 0 || cidrs.includes('0.0.0.0/0') || cidrs.includes('::/0')
    if (open) add('CL004', `the public endpoint of ${c.name} accepts ${cidrs.length === 0 ? 'every address (no publicAccessCidrs)' : cidrs.join(', ')}`)
    else add('CL003', `the endpoint of ${c.name} is public (limited to ${cidrs.join(', ')})`)
  }
  if (c.endpointPrivateAccess === false) add('CL005', `the private endpoint of ${c.name} is disabled`)
  const logs = new Set(c.enabledLogTypes ?? [])
  const missing = ['api', 'audit', 'authenticator'].filter((t) => !logs.has(t))
  if (missing.length > 0) add('CL006', `control plane log type${missing.length > 1 ? 's' : ''} ${missing.join(', ')} ${missing.length > 1 ? 'are' : 'is'} not enabled on ${c.name}`)
  return out
}
