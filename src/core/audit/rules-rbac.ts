/**
 * RB001-RB023: what IAM-mapped identities reach through RBAC (audit-rules.md A4). The chain reviewers ask about:
 * IAM principal -> username/groups (+ system:authenticated) -> binding -> role -> rule.
 */
import {canonicalize} from '../arn.js'
import {type AccessRequest, bindingsFor, buildIndex, effectiveRules, type EffectiveRule, type RbacIndex, ruleAllows} from '../rbac/authorizer.js'
import {accessEntriesRbac} from '../rbac/eks-access-policies.js'
import {mergeRbacObjects} from '../rbac/defaults.js'
import type {RbacObjects} from '../rbac/objects.js'
import {deadEntryReason} from '../aws-auth/diagnostics.js'
import {isNodeMapping} from './rules-aws-auth.js'
import {type AuditInput, makeFinding} from './context.js'
import type {Finding, Severity} from './finding.js'

export interface AuditIdentity {
  /** the IAM principal, or a description like "every authenticated identity" */
  arn?: string
  label: string
  source: string
  username: string
  groups: string[]
}

const AUTHENTICATED = 'system:authenticated'
const PRIVILEGED_NS = 'kube-system'
const DEFAULT_AUTHENTICATED_BINDINGS = new Set([
  'system:basic-user',
  'system:discovery',
  'system:public-info-viewer',
  'system:service-account-issuer-discovery',
  'eks:podsecuritypolicy:authenticated',
])

/** Every identity IAM can reach the cluster as: aws-auth mappings, access entries, mapAccounts principals. */
export function iamIdentities(input: AuditInput): AuditIdentity[] {
  const out: AuditIdentity[] = [{groups: [AUTHENTICATED], label: 'every authenticated identity', source: 'system:authenticated', username: '(any)'}]
  const mode = input.cluster?.authenticationMode
  if (input.awsAuth && mode !== 'API') {
    const {view} = input.awsAuth.analysis
    for (const e of [...view.roleIndex.values(), ...view.userIndex.values()]) {
      if (isNodeMapping(e)) continue // nodes are authorized by the Node authorizer, not RBAC
      if (deadEntryReason(e)) continue // never matches a caller (AA005/AA006 report it)
      out.push({
        arn: e.arn || undefined,
        groups: [...new Set([...e.groups, AUTHENTICATED])],
        label: `${e.section}[${e.index}] ${e.arn}`,
        source: `aws-auth ${e.section}[${e.index}]`,
        username: e.username,
      })
    }
  }
  if (input.accessEntries && mode !== 'CONFIG_MAP') {
    for (const a of input.accessEntries) {
      if (a.type && a.type !== 'STANDARD') continue
      out.push({arn: a.principalArn, groups: [...new Set([...a.kubernetesGroups, AUTHENTICATED])], label: `access entry ${a.principalArn}`, source: 'access entry', username: accessEntryUsername(a.principalArn, a.username)})
    }
  }
  return out
}

export function accessEntryUsername(principalArn: string, username?: string): string {
  if (username) return username
  try {
    const p = canonicalize(principalArn)
    if (p.kind === 'role') return `arn:${p.parsed.partition}:sts::${p.accountId}:assumed-role/${p.canonicalArn.split('/').at(-1)}/{{SessionName}}`
  } catch {
    // fall through
  }
  return principalArn
}

interface Check {
  id: string
  /** requests to test in a given namespace ('' = cluster-scoped / all namespaces) */
  requests: (ns: string) => AccessRequest[]
  /** namespaces to look at: the privileged one, or every namespace the identity has rules in */
  where: 'cluster' | 'privileged' | 'other' | 'any'
  severity?: (ns: string) => Severity | undefined
  describe: string
}

const W = (verbs: string[], resource: string, apiGroup = '', extra: {subresource?: string; name?: string} = {}) => (ns: string) =>
  verbs.map((verb) => ({apiGroup, namespace: ns || undefined, resource, verb, ...extra}))
const WORKLOADS: [string, string][] = [
  ['deployments', 'apps'],
  ['daemonsets', 'apps'],
  ['statefulsets', 'apps'],
  ['replicasets', 'apps'],
  ['jobs', 'batch'],
  ['cronjobs', 'batch'],
  ['replicationcontrollers', ''],
]
const workloadRequests = (ns: string): AccessRequest[] => [
  ...W(['create'], 'pods')(ns),
  ...WORKLOADS.flatMap(([r, g]) => W(['create', 'update', 'patch'], r, g)(ns)),
]

const CHECKS: Check[] = [
  {describe: 'update/patch the aws-auth ConfigMap', id: 'RB002', requests: (ns) => [...W(['update', 'patch'], 'configmaps', '', {name: 'aws-auth'})(ns)], where: 'privileged'},
  {
    describe: 'bind or escalate roles',
    id: 'RB003',
    requests: (ns) => [...W(['bind', 'escalate'], 'clusterroles', 'rbac.authorization.k8s.io')(''), ...W(['bind', 'escalate'], 'roles', 'rbac.authorization.k8s.io')(ns)],
    where: 'any',
  },
  {
    describe: 'impersonate users, groups or service accounts',
    id: 'RB004',
    requests: () => [
      ...W(['impersonate'], 'users')(''),
      ...W(['impersonate'], 'groups')(''),
      ...W(['impersonate'], 'groups', '', {name: 'system:masters'})(''),
      ...W(['impersonate'], 'serviceaccounts')(''),
      ...W(['impersonate'], 'uids', 'authentication.k8s.io')(''),
    ],
    where: 'cluster',
  },
  {describe: 'create workloads', id: 'RB005', requests: workloadRequests, where: 'privileged'},
  {describe: 'mint service-account tokens', id: 'RB006', requests: W(['create'], 'serviceaccounts', '', {subresource: 'token'}), where: 'privileged'},
  {
    describe: 'read secrets',
    id: 'RB008',
    requests: W(['get', 'list', 'watch'], 'secrets'),
    severity: (ns) => (ns === '' || ns === PRIVILEGED_NS ? 'critical' : 'high'),
    where: 'any',
  },
  {
    describe: 'write RBAC objects',
    id: 'RB009',
    requests: (ns) =>
      ['roles', 'rolebindings', 'clusterroles', 'clusterrolebindings'].flatMap((r) =>
        W(['create', 'update', 'patch'], r, 'rbac.authorization.k8s.io')(r.startsWith('cluster') ? '' : ns),
      ),
    where: 'any',
  },
  {
    describe: 'exec, attach or port-forward into pods',
    id: 'RB010',
    requests: (ns) => ['exec', 'attach', 'portforward'].flatMap((sub) => W(['create'], 'pods', '', {subresource: sub})(ns)),
    where: 'any',
  },
  {describe: 'use the kubelet API through nodes/proxy', id: 'RB011', requests: () => W(['get', 'create'], 'nodes', '', {subresource: 'proxy'})(''), where: 'cluster'},
  {
    describe: 'write admission webhook configurations',
    id: 'RB012',
    requests: () =>
      ['mutatingwebhookconfigurations', 'validatingwebhookconfigurations'].flatMap((r) => W(['create', 'update', 'patch'], r, 'admissionregistration.k8s.io')('')),
    where: 'cluster',
  },
  {
    describe: 'modify pods',
    id: 'RB013',
    requests: (ns) => [...W(['update', 'patch'], 'pods')(ns), ...W(['update', 'patch'], 'pods', '', {subresource: 'ephemeralcontainers'})(ns)],
    where: 'privileged',
  },
  {describe: 'write secrets', id: 'RB014', requests: W(['create', 'update', 'patch'], 'secrets'), where: 'privileged'},
  {describe: 'create PersistentVolumes', id: 'RB015', requests: () => W(['create'], 'persistentvolumes')(''), where: 'cluster'},
  {describe: 'create workloads', id: 'RB018', requests: workloadRequests, where: 'other'},
  {describe: 'create or update ClusterRoles', id: 'RB020', requests: () => W(['create', 'update'], 'clusterroles', 'rbac.authorization.k8s.io')(''), where: 'cluster'},
  {
    describe: 'write node, pod or service status',
    id: 'RB021',
    requests: (ns) => [
      ...W(['update', 'patch'], 'nodes', '', {subresource: 'status'})(''),
      ...W(['update', 'patch'], 'pods', '', {subresource: 'status'})(ns),
      ...W(['update', 'patch'], 'services', '', {subresource: 'status'})(ns),
    ],
    where: 'any',
  },
  {
    describe: 'write CRDs, NetworkPolicies, Services or Ingresses',
    id: 'RB023',
    requests: (ns) => [
      ...W(['create', 'update', 'patch', 'delete'], 'customresourcedefinitions', 'apiextensions.k8s.io')(''),
      ...W(['create', 'update', 'patch', 'delete'], 'networkpolicies', 'networking.k8s.io')(ns),
      ...W(['create', 'update', 'patch', 'delete'], 'services')(ns),
      ...W(['create', 'update', 'patch', 'delete'], 'ingresses', 'networking.k8s.io')(ns),
    ],
    where: 'any',
  },
]

const scopeNs = (r: EffectiveRule): string => (r.scope.type === 'cluster' ? '' : r.scope.namespace)
const grantKey = (r: EffectiveRule): string => `${r.binding.kind}/${r.binding.namespace ?? ''}/${r.binding.name}|${r.role.kind}/${r.role.name}|${r.ruleIndex}`

/** The namespaces an effective rule is tested in for a check. */
function namespacesFor(check: Check, r: EffectiveRule): string[] {
  const ns = scopeNs(r)
  switch (check.where) {
    case 'cluster':
      return ns === '' ? [''] : []
    case 'privileged':
      return ns === '' || ns === PRIVILEGED_NS ? [PRIVILEGED_NS] : []
    case 'other':
      return ns === '' || ns === PRIVILEGED_NS ? [] : [ns]
    default:
      return [ns]
  }
}

interface Hit {
  ruleId: string
  r: EffectiveRule
  text: string
  severity?: Severity
}

const requestCache = new Map<string, AccessRequest[]>()
function requestsFor(check: Check, ns: string): AccessRequest[] {
  const k = `${check.id}|${ns}`
  let v = requestCache.get(k)
  if (!v) {
    v = check.requests(ns)
    requestCache.set(k, v)
  }
  return v
}

const RBAC_API = 'rbac.authorization.k8s.io'

/** The RB checks over one set of effective rules. */
function evaluate(rules: EffectiveRule[], escalate: boolean): Hit[] {
  const hits: Hit[] = []
  const add = (ruleId: string, r: EffectiveRule, text: string, severity?: Severity) =>
    hits.push({r, ruleId, severity: escalate && severity !== 'critical' ? 'critical' : severity, text})
  const admin = rules.find((r) => r.scope.type === 'cluster' && (ruleAllows(r.rule, {apiGroup: '*', resource: '*', verb: '*'}) || (r.role.kind === 'ClusterRole' && r.role.name === 'cluster-admin')))
  if (admin) add('RB001', admin, `do anything in the cluster (${admin.role.kind} ${admin.role.name} through ${admin.binding.kind} ${admin.binding.name})`)
  const canBind = rules.some((r) => ['roles', 'clusterroles'].some((res) => ['bind', 'escalate'].some((verb) => ruleAllows(r.rule, {apiGroup: RBAC_API, resource: res, verb}))))
  for (const check of CHECKS) {
    if (admin && check.id !== 'RB002') continue // cluster-admin implies every other check; RB002 is worth naming
    if (check.id === 'RB009' && canBind) continue // reported as RB003
    let hit: {r: EffectiveRule; ns: string} | undefined
    outer: for (const r of rules) {
      for (const ns of namespacesFor(check, r)) {
        if (requestsFor(check, ns).some((req) => ruleAllows(r.rule, req))) {
          hit = {ns, r}
          break outer
        }
      }
    }
    if (!hit) continue
    const where = hit.ns === '' ? (hit.r.scope.type === 'cluster' ? ' cluster-wide' : '') : ` in namespace ${hit.ns}`
    let severity = check.severity?.(hit.r.scope.type === 'cluster' ? '' : hit.ns)
    // RB021 is MEDIUM as soon as services/status is writable, whatever else the identity can write
    if (check.id === 'RB021' && rules.some((r) => namespacesFor(check, r).some((ns) => ['update', 'patch'].some((verb) => ruleAllows(r.rule, {namespace: ns || undefined, resource: 'services', subresource: 'status', verb}))))) {
      severity = 'medium'
    }
    add(check.id, hit.r, `${check.describe}${where}`, severity)
  }
  // RB002 also covers delete followed by create of aws-auth in kube-system
  if (!hits.some((h) => h.ruleId === 'RB002')) {
    const rb002 = CHECKS.find((c) => c.id === 'RB002')!
    const can = (verb: string, name?: string) =>
      rules.find((r) => namespacesFor(rb002, r).some((ns) => ruleAllows(r.rule, {namespace: ns, resource: 'configmaps', verb, ...(name ? {name} : {})})))
    const del = can('delete', 'aws-auth')
    if (del && can('create')) add('RB002', del, 'delete and re-create the aws-auth ConfigMap in kube-system')
  }
  if (!admin) {
    // RB007: create CSRs + approve them + approve on a signer
    const cluster = rules.filter((r) => r.scope.type === 'cluster')
    const csrCreate = cluster.find((r) => ruleAllows(r.rule, {apiGroup: 'certificates.k8s.io', resource: 'certificatesigningrequests', verb: 'create'}))
    const csrApproval = cluster.find((r) => ruleAllows(r.rule, {apiGroup: 'certificates.k8s.io', resource: 'certificatesigningrequests', subresource: 'approval', verb: 'update'}))
    // approve is checked against the signer name, so resourceNames limited to a signer still let the holder approve
    const signer = cluster.find((r) => [undefined, ...r.rule.resourceNames].some((name) => ruleAllows(r.rule, {apiGroup: 'certificates.k8s.io', name, resource: 'signers', verb: 'approve'})))
    if (csrCreate && csrApproval && signer) add('RB007', csrApproval, 'create and approve certificate signing requests')
    // RB019: evict pods and cordon nodes
    const evict = rules.find((r) => ruleAllows(r.rule, {namespace: scopeNs(r) || undefined, resource: 'pods', verb: 'delete'}) || ruleAllows(r.rule, {namespace: scopeNs(r) || undefined, resource: 'pods', subresource: 'eviction', verb: 'create'}))
    const cordon = cluster.find((r) => ruleAllows(r.rule, {resource: 'nodes', verb: 'patch'}) || ruleAllows(r.rule, {resource: 'nodes', verb: 'update'}))
    if (evict && cordon) add('RB019', cordon, 'evict pods and cordon nodes')
    // RB017: wildcards (one per role)
    const seen = new Set<string>()
    for (const r of rules) {
      const wild = [...r.rule.verbs, ...r.rule.resources, ...r.rule.apiGroups].includes('*')
      const key = `${r.role.kind}/${r.role.namespace ?? ''}/${r.role.name}`
      if (!wild || seen.has(key)) continue
      seen.add(key)
      add('RB017', r, `use a wildcard rule of ${r.role.kind} ${r.role.name} (${JSON.stringify({apiGroups: r.rule.apiGroups, resources: r.rule.resources, verbs: r.rule.verbs})})`)
    }
  }
  return hits
}

export interface RbacAuditInput {
  objects: RbacObjects
  /** bindings added from defaults, aggregation notes etc. */
  notes?: string[]
}

export interface RbacAudit {
  findings: Finding[]
  index: RbacIndex
  groupsBound: (g: string) => boolean
  notes: string[]
}

export function auditRbac(input: AuditInput, rbac: RbacAuditInput): RbacAudit {
  const identities = iamIdentities(input)
  const entryRbac = input.accessEntries
    ? accessEntriesRbac(
        input.accessEntries
          .filter((a) => !a.type || a.type === 'STANDARD')
          .map((a) => ({entry: a, username: accessEntryUsername(a.principalArn, a.username)})),
      )
    : undefined
  const index = buildIndex(entryRbac ? mergeRbacObjects(rbac.objects, entryRbac) : rbac.objects)
  const notes = [...(rbac.notes ?? []), ...(entryRbac?.notes ?? [])]
  if (entryRbac?.unknownPolicies.length) notes.push(`access policies not modelled (they grant nothing here): ${entryRbac.unknownPolicies.join(', ')}`)
  const findings: Finding[] = []
  const baseline = effectiveRules(index, {groups: [AUTHENTICATED], username: '\u0000nobody'})
  const baselineKeys = new Set(baseline.map(grantKey))
  const mapAccounts = (input.awsAuth?.analysis.view.accounts.length ?? 0) > 0

  // Identities with the same grants get the same answers: evaluate each distinct grant set once, then group the
  // findings by (rule, binding, role) so a reviewer sees one finding per path with the identities that reach it.
  const memo = new Map<string, Hit[]>()
  const groups = new Map<string, {hit: Hit; ids: AuditIdentity[]}>()
  const unresolvedGroups = new Map<string, {use: ReturnType<typeof bindingsFor>[number]; ids: AuditIdentity[]}>()
  const SEP = '\u0000'
  const usernameBound = (u: string): boolean => index.crbByPrincipal.has(`u${SEP}${u}`) || index.rbByPrincipal.has(`u${SEP}${u}`)
  const unresolvedMemo = new Map<string, ReturnType<typeof bindingsFor>>()
  for (const id of identities) {
    const isBaseline = id.source === 'system:authenticated'
    const user = {groups: id.groups, username: id.username}
    if (!isBaseline && id.groups.includes('system:masters')) continue // AA001: bypasses RBAC entirely
    // What RBAC grants depends on the groups and, only when some binding names it, on the username.
    const key = `${isBaseline ? 'B' : 'I'}${SEP}${[...id.groups].sort().join(SEP)}${usernameBound(id.username) ? `${SEP}u${SEP}${id.username}` : ''}`
    let hits = memo.get(key)
    if (!hits) {
      // grants reachable through system:authenticated are reported once, for "every authenticated identity"
      const rules = isBaseline ? baseline : effectiveRules(index, user).filter((r) => !baselineKeys.has(grantKey(r)))
      hits = evaluate(rules, isBaseline && mapAccounts)
      memo.set(key, hits)
      if (!isBaseline) unresolvedMemo.set(key, bindingsFor(index, user).filter((u) => !u.resolved))
    }
    for (const hit of hits) {
      const gk = `${hit.ruleId}|${grantKey(hit.r)}`
      const g = groups.get(gk)
      if (g) g.ids.push(id)
      else groups.set(gk, {hit, ids: [id]})
    }
    for (const use of unresolvedMemo.get(key) ?? []) {
      const uk = `${use.binding.kind}/${use.binding.namespace ?? ''}/${use.binding.name}`
      const g = unresolvedGroups.get(uk)
      if (g) g.ids.push(id)
      else unresolvedGroups.set(uk, {ids: [id], use})
    }
  }
  const who = (ids: AuditIdentity[]): string =>
    ids.length === 1 ? ids[0]!.label : `${ids.length} identities (${ids.slice(0, 2).map((i) => i.label).join(', ')}${ids.length > 2 ? ', ...' : ''})`
  const subjectOf = (ids: AuditIdentity[]) =>
    ids.length === 1
      ? {arn: ids[0]!.arn, groups: ids[0]!.groups, kind: 'identity' as const, username: ids[0]!.username}
      : {groups: [...new Set(ids.flatMap((i) => i.groups))].slice(0, 10), kind: 'identity' as const, username: `${ids.length} identities`}
  const MAX_PATHS = 5
  for (const {hit, ids} of groups.values()) {
    const r = hit.r
    findings.push(
      makeFinding(hit.ruleId, subjectOf(ids), `${who(ids)} can ${hit.text}`, {
        evidence: {identities: ids.length},
        location: {path: `${r.binding.kind}/${r.binding.namespace ? `${r.binding.namespace}/` : ''}${r.binding.name}`},
        path: ids.slice(0, MAX_PATHS).map((id) => ({arn: id.arn, binding: r.binding, groups: id.groups, role: r.role, rule: r.rule, source: id.source, username: id.username})),
        severity: hit.severity,
      }),
    )
  }
  for (const {ids, use: b} of unresolvedGroups.values()) {
    findings.push(
      makeFinding('RB022', subjectOf(ids), `${who(ids)} ${ids.length === 1 ? 'is' : 'are'} bound by ${b.binding.kind} ${b.binding.namespace ? `${b.binding.namespace}/` : ''}${b.binding.name} to ${b.role.kind} ${b.role.name}, which does not exist`, {
        evidence: {identities: ids.length},
        location: {path: `${b.binding.kind}/${b.binding.namespace ? `${b.binding.namespace}/` : ''}${b.binding.name}`},
        path: ids.slice(0, MAX_PATHS).map((id) => ({arn: id.arn, binding: b.binding, groups: id.groups, role: b.role, source: id.source, username: id.username})),
      }),
    )
  }
  // RB016: non-default bindings to system:authenticated / system:unauthenticated / ARN-named users
  for (const b of [...index.objects.clusterRoleBindings, ...index.objects.roleBindings]) {
    if (b.origin !== 'manifest') continue
    const broad = b.subjects.find(
      (s) => (s.kind === 'Group' && (s.name === AUTHENTICATED || s.name === 'system:unauthenticated')) || (s.kind === 'User' && s.name.startsWith('arn:')),
    )
    if (!broad || DEFAULT_AUTHENTICATED_BINDINGS.has(b.name)) continue
    const ns = 'namespace' in b ? b.namespace : undefined
    findings.push(
      makeFinding(
        'RB016',
        {kind: 'rbac-object', name: b.name, namespace: ns, objectKind: b.kind},
        `${b.kind} ${ns ? `${ns}/` : ''}${b.name} grants ${b.roleRef.kind} ${b.roleRef.name} to ${broad.kind} ${broad.name}${mapAccounts && broad.name === AUTHENTICATED ? ', and mapAccounts lets a whole account in' : ''}`,
        {
          location: {file: b.source?.file, line: b.source?.line, path: `${b.kind}/${ns ? `${ns}/` : ''}${b.name}`},
          severity: mapAccounts ? 'critical' : 'high',
        },
      ),
    )
  }
  const boundGroups = new Set<string>()
  for (const b of [...index.objects.clusterRoleBindings, ...index.objects.roleBindings]) for (const s of b.subjects) if (s.kind === 'Group') boundGroups.add(s.name)
  return {findings, groupsBound: (g) => boundGroups.has(g), index, notes}
}
