/**
 * An offline Kubernetes RBAC authorizer (audit-rules.md Part B): `canI` (a SubjectAccessReview), `listRules`
 * (`kubectl auth can-i --list`), `whoCan` (kubectl-who-can) and `effectiveRules` (everything a user reaches, for
 * audit). Build the index once with `buildIndex`; every question is then answered from maps keyed by subject and by
 * role, never by scanning all bindings per question. Pure.
 *
 * The user is taken as given: `canI` does NOT add `system:authenticated` (nor the ServiceAccount groups). The API server
 * adds those during authentication, before any authorizer runs; eksauth's identity resolver does the same. Use
 * `withAuthenticated` / `serviceAccountUser` to build a user the way the API server would.
 */
import {
  type ClusterRole,
  type ClusterRoleBinding,
  displayName,
  type PolicyRule,
  type RbacObjects,
  type Role,
  type RoleBinding,
  type Subject,
} from './objects.js'

export const MASTERS_GROUP = 'system:masters'
export const AUTHENTICATED_GROUP = 'system:authenticated'
export const UNAUTHENTICATED_GROUP = 'system:unauthenticated'
export const SERVICE_ACCOUNTS_GROUP = 'system:serviceaccounts'

export interface UserInfo {
  username: string
  groups: string[]
}

export interface ResourceRequest {
  verb: string
  /** plural resource name: `pods`, `deployments` */
  resource: string
  subresource?: string
  /** `""` (core) when absent */
  apiGroup?: string
  /** absent or `""`: a cluster-scoped or all-namespaces request, which only ClusterRoleBindings can allow */
  namespace?: string
  /** absent for list, watch, deletecollection and (usually) create */
  name?: string
}

export interface NonResourceRequest {
  verb: string
  /** a path such as `/healthz` or `/metrics` */
  nonResourceURL: string
}

export type AccessRequest = ResourceRequest | NonResourceRequest

export const isNonResourceRequest = (r: AccessRequest): r is NonResourceRequest =>
  typeof (r as NonResourceRequest).nonResourceURL === 'string'

/** A binding or role by kind, name and (for RoleBinding and Role) namespace. */
export interface ObjectRef {
  kind: string
  name: string
  namespace?: string
}

/** Where a permission comes from: the binding, the role it refers to, and the rule (0-based index in the role). */
export interface Grant {
  binding: ObjectRef
  role: ObjectRef
  rule: PolicyRule
  ruleIndex: number
}

export interface Decision {
  allowed: boolean
  /** one sentence: why allowed (binding, role, rule) or why not */
  reason: string
  /** null when denied, and when allowed because of system:masters (no RBAC object is involved) */
  via: Grant | null
  /** bindings that apply to this user and request but whose roleRef does not resolve (they contribute nothing) */
  unresolved: ObjectRef[]
}

export type RuleScope = {type: 'cluster'} | {type: 'namespace'; namespace: string; glob?: boolean}

export interface EffectiveRule extends Grant {
  scope: RuleScope
}

export interface BindingUse {
  binding: ObjectRef
  role: ObjectRef
  /** false when the roleRef does not resolve */
  resolved: boolean
  scope: RuleScope
  /** the subject entry that matched the user */
  subject: Subject
}

interface IndexedBinding {
  binding: RoleBinding | ClusterRoleBinding
  order: number
  ref: ObjectRef
}

/** Built once by `buildIndex`; treat as opaque. */
export interface RbacIndex {
  readonly objects: RbacObjects
  readonly clusterRoles: ReadonlyMap<string, ClusterRole>
  /** `namespace/name` */
  readonly roles: ReadonlyMap<string, Role>
  readonly rolesByNamespace: ReadonlyMap<string, Role[]>
  /** principal key -> ClusterRoleBindings naming it */
  readonly crbByPrincipal: ReadonlyMap<string, IndexedBinding[]>
  /** `namespace\0principal key` -> RoleBindings naming it */
  readonly rbByNsPrincipal: ReadonlyMap<string, IndexedBinding[]>
  /** principal key -> RoleBindings naming it, any namespace */
  readonly rbByPrincipal: ReadonlyMap<string, IndexedBinding[]>
  /** RoleBindings whose namespace is a glob (EKS access-policy scopes only) */
  readonly globRoleBindings: IndexedBinding[]
  /** ClusterRole name -> ClusterRoleBindings referring to it */
  readonly crbByRole: ReadonlyMap<string, IndexedBinding[]>
  /** `namespace\0kind\0name` -> RoleBindings referring to it */
  readonly rbByNsRole: ReadonlyMap<string, IndexedBinding[]>
}

const SEP = '\u0000'
const userKey = (username: string): string => `u${SEP}${username}`
const groupKey = (group: string): string => `g${SEP}${group}`

export const serviceAccountUsername = (namespace: string, name: string): string =>
  `system:serviceaccount:${namespace}:${name}`

/**
 * The principal key a subject matches, or undefined when it can match nobody: a namespace-less ServiceAccount in a
 * ClusterRoleBinding, or an unknown kind. ServiceAccount subjects match by username, like User subjects.
 */
function subjectKey(subject: Subject, bindingNamespace: string | undefined): string | undefined {
  switch (subject.kind) {
    case 'User': {
      return userKey(subject.name)
    }
    case 'Group': {
      return groupKey(subject.name)
    }
    case 'ServiceAccount': {
      const ns = subject.namespace || bindingNamespace
      return ns ? userKey(serviceAccountUsername(ns, subject.name)) : undefined
    }
    default: {
      return undefined
    }
  }
}

const principalKeys = (user: UserInfo): string[] => [userKey(user.username), ...[...new Set(user.groups)].map(groupKey)]

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key)
  if (list) list.push(value)
  else map.set(key, [value])
}

const refOf = (o: {kind: string; name: string; namespace?: string}): ObjectRef =>
  o.namespace === undefined ? {kind: o.kind, name: o.name} : {kind: o.kind, name: o.name, namespace: o.namespace}

/** Index RBAC objects once. Later duplicates (same kind/namespace/name) replace earlier roles, as in `loadRbacObjects`. */
export function buildIndex(objects: RbacObjects): RbacIndex {
  const clusterRoles = new Map<string, ClusterRole>()
  for (const r of objects.clusterRoles) clusterRoles.set(r.name, r)
  const roles = new Map<string, Role>()
  const rolesByNamespace = new Map<string, Role[]>()
  for (const r of objects.roles) roles.set(`${r.namespace}/${r.name}`, r)
  for (const r of roles.values()) push(rolesByNamespace, r.namespace, r)

  const crbByPrincipal = new Map<string, IndexedBinding[]>()
  const rbByNsPrincipal = new Map<string, IndexedBinding[]>()
  const rbByPrincipal = new Map<string, IndexedBinding[]>()
  const globRoleBindings: IndexedBinding[] = []
  const crbByRole = new Map<string, IndexedBinding[]>()
  const rbByNsRole = new Map<string, IndexedBinding[]>()

  let order = 0
  for (const b of objects.clusterRoleBindings) {
    const ib: IndexedBinding = {binding: b, order: order++, ref: refOf(b)}
    for (const key of new Set(b.subjects.map((s) => subjectKey(s, undefined)))) if (key) push(crbByPrincipal, key, ib)
    push(crbByRole, b.roleRef.name, ib)
  }
  for (const b of objects.roleBindings) {
    const ib: IndexedBinding = {binding: b, order: order++, ref: refOf(b)}
    if (b.namespaceGlob) {
      globRoleBindings.push(ib)
      continue
    }
    for (const key of new Set(b.subjects.map((s) => subjectKey(s, b.namespace)))) {
      if (!key) continue
      push(rbByNsPrincipal, `${b.namespace}${SEP}${key}`, ib)
      push(rbByPrincipal, key, ib)
    }
    push(rbByNsRole, `${b.namespace}${SEP}${b.roleRef.kind}${SEP}${b.roleRef.name}`, ib)
  }
  return {
    clusterRoles,
    crbByPrincipal,
    crbByRole,
    globRoleBindings,
    objects,
    rbByNsPrincipal,
    rbByNsRole,
    rbByPrincipal,
    roles,
    rolesByNamespace,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// users

/** The user as the API server hands it to authorizers: `system:authenticated` added unless it (or unauthenticated) is there. */
export function withAuthenticated(user: UserInfo): UserInfo {
  if (user.groups.includes(AUTHENTICATED_GROUP) || user.groups.includes(UNAUTHENTICATED_GROUP)) return {...user, groups: [...user.groups]}
  return {...user, groups: [...user.groups, AUTHENTICATED_GROUP]}
}

/** A ServiceAccount's user: its username, `system:serviceaccounts`, `system:serviceaccounts:<ns>`, `system:authenticated`. */
export function serviceAccountUser(namespace: string, name: string): UserInfo {
  return {
    groups: [SERVICE_ACCOUNTS_GROUP, `${SERVICE_ACCOUNTS_GROUP}:${namespace}`, AUTHENTICATED_GROUP],
    username: serviceAccountUsername(namespace, name),
  }
}

// ---------------------------------------------------------------------------------------------------------------
// rule matching (rule.go / evaluation_helpers.go semantics)

export const verbMatches = (rule: PolicyRule, verb: string): boolean => rule.verbs.some((v) => v === '*' || v === verb)

export const apiGroupMatches = (rule: PolicyRule, group: string): boolean =>
  rule.apiGroups.some((g) => g === '*' || g === group)

/** `*`, exact `resource` or `resource/subresource`, or `*\/subresource` (a subresource of any resource, not the parent). */
export function resourceMatches(rule: PolicyRule, resource: string, subresource?: string): boolean {
  const combined = subresource ? `${resource}/${subresource}` : resource
  return rule.resources.some((r) => r === '*' || r === combined || (subresource !== undefined && subresource !== '' && r === `*/${subresource}`))
}

/** An empty resourceNames list matches any name; otherwise the request must name one of them. */
export const resourceNameMatches = (rule: PolicyRule, name: string | undefined): boolean =>
  rule.resourceNames.length === 0 || (name !== undefined && name !== '' && rule.resourceNames.includes(name))

/** `*`, an exact path, or a trailing-`*` prefix: `/healthz/*` matches `/healthz/ready` but not `/healthz`. */
export function nonResourceURLMatches(rule: PolicyRule, url: string): boolean {
  return rule.nonResourceURLs.some((u) => {
    if (u === '*' || u === url) return true
    if (!u.endsWith('*')) return false
    return url.startsWith(u.replace(/\*+$/, ''))
  })
}

export function ruleAllows(rule: PolicyRule, request: AccessRequest): boolean {
  if (!verbMatches(rule, request.verb)) return false
  if (isNonResourceRequest(request)) return nonResourceURLMatches(rule, request.nonResourceURL)
  return (
    apiGroupMatches(rule, request.apiGroup ?? '') &&
    resourceMatches(rule, request.resource, request.subresource) &&
    resourceNameMatches(rule, request.name)
  )
}

// ---------------------------------------------------------------------------------------------------------------
// resolving bindings for a user

function globMatches(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split('*').map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`)
  return re.test(value)
}

/** The role a binding refers to, or undefined when the roleRef does not resolve (Part B rule 3). */
function resolveRole(index: RbacIndex, b: RoleBinding | ClusterRoleBinding): Role | ClusterRole | undefined {
  if (b.roleRef.kind === 'ClusterRole') return index.clusterRoles.get(b.roleRef.name)
  if (b.kind === 'RoleBinding' && b.roleRef.kind === 'Role' && !b.namespaceGlob) return index.roles.get(`${b.namespace}/${b.roleRef.name}`)
  return undefined
}

const roleRefOf = (b: RoleBinding | ClusterRoleBinding): ObjectRef =>
  b.roleRef.kind === 'Role' && b.kind === 'RoleBinding'
    ? {kind: 'Role', name: b.roleRef.name, namespace: b.namespace}
    : {kind: b.roleRef.kind, name: b.roleRef.name}

function collect(map: ReadonlyMap<string, IndexedBinding[]>, keys: string[], prefix = ''): IndexedBinding[] {
  const seen = new Set<IndexedBinding>()
  for (const k of keys) for (const ib of map.get(prefix + k) ?? []) seen.add(ib)
  return [...seen].sort((a, b) => a.order - b.order)
}

function globBindingsFor(index: RbacIndex, keys: string[], namespace?: string): IndexedBinding[] {
  if (index.globRoleBindings.length === 0) return []
  const wanted = new Set(keys)
  return index.globRoleBindings.filter(
    (ib) =>
      (namespace === undefined || globMatches((ib.binding as RoleBinding).namespace, namespace)) &&
      ib.binding.subjects.some((s) => {
        const k = subjectKey(s, undefined)
        return k !== undefined && wanted.has(k)
      }),
  )
}

/** The ClusterRoleBindings, then the RoleBindings of `namespace` (none without one), that name this user. */
function bindingsForRequest(index: RbacIndex, user: UserInfo, namespace: string | undefined): IndexedBinding[] {
  const keys = principalKeys(user)
  const crbs = collect(index.crbByPrincipal, keys)
  if (!namespace) return crbs
  const rbs = collect(index.rbByNsPrincipal, keys, `${namespace}${SEP}`)
  const globs = globBindingsFor(index, keys, namespace)
  return [...crbs, ...(globs.length > 0 ? [...rbs, ...globs].sort((a, b) => a.order - b.order) : rbs)]
}

function matchedSubject(b: RoleBinding | ClusterRoleBinding, keys: Set<string>): Subject {
  const ns = b.kind === 'RoleBinding' && !b.namespaceGlob ? b.namespace : undefined
  return b.subjects.find((s) => {
    const k = subjectKey(s, ns)
    return k !== undefined && keys.has(k)
  }) as Subject
}

// ---------------------------------------------------------------------------------------------------------------
// the questions

export function describeRequest(r: AccessRequest): string {
  if (isNonResourceRequest(r)) return `${r.verb} ${r.nonResourceURL}`
  const res = r.subresource ? `${r.resource}/${r.subresource}` : r.resource
  const group = r.apiGroup ? `.${r.apiGroup}` : ''
  const name = r.name ? ` "${r.name}"` : ''
  const where = r.namespace ? ` in namespace "${r.namespace}"` : ' (cluster-wide)'
  return `${r.verb} ${res}${group}${name}${where}`
}

const describeUser = (u: UserInfo): string =>
  `user "${u.username}"${u.groups.length > 0 ? ` (groups ${u.groups.join(', ')})` : ' (no groups)'}`

const describeRef = (r: ObjectRef): string => `${r.kind} ${displayName(r)}`

/**
 * May this user make this request? Mirrors the API server: `system:masters` is allowed before RBAC; otherwise the
 * first rule (ClusterRoleBindings first, then the request namespace's RoleBindings, each in input order) that allows
 * the request decides. RBAC never denies explicitly: no allowing rule means denied.
 */
export function canI(index: RbacIndex, user: UserInfo, request: AccessRequest): Decision {
  if (user.groups.includes(MASTERS_GROUP)) {
    return {
      allowed: true,
      reason: `allowed before RBAC: ${describeUser(user)} is in group ${MASTERS_GROUP}, which the API server lets through unconditionally (no binding can reduce it)`,
      unresolved: [],
      via: null,
    }
  }
  const namespace = isNonResourceRequest(request) ? undefined : request.namespace || undefined
  const unresolved: ObjectRef[] = []
  const bindings = bindingsForRequest(index, user, namespace)
  for (const ib of bindings) {
    const role = resolveRole(index, ib.binding)
    if (!role) {
      unresolved.push(ib.ref)
      continue
    }
    const ruleIndex = role.rules.findIndex((rule) => ruleAllows(rule, request))
    if (ruleIndex < 0) continue
    const via: Grant = {binding: ib.ref, role: refOf(role), rule: role.rules[ruleIndex] as PolicyRule, ruleIndex}
    return {
      allowed: true,
      reason: `allowed by ${describeRef(ib.ref)} -> ${describeRef(via.role)}, rule ${ruleIndex + 1}`,
      unresolved,
      via,
    }
  }
  const missing = unresolved.length > 0 ? `; ${unresolved.length} applicable binding(s) refer to a missing role: ${unresolved.map(describeRef).join(', ')}` : ''
  const scopeNote =
    !isNonResourceRequest(request) && !namespace
      ? ' (a cluster-wide request: only ClusterRoleBindings count)'
      : isNonResourceRequest(request)
        ? ' (a non-resource URL: only ClusterRoleBindings count)'
        : ''
  return {
    allowed: false,
    reason: `denied: no RBAC rule allows ${describeRequest(request)} for ${describeUser(user)}; ${bindings.length} binding(s) apply${scopeNote}${missing}`,
    unresolved,
    via: null,
  }
}

export interface ListedRule extends Grant {
  scope: RuleScope
}

export interface RulesList {
  user: UserInfo
  namespace?: string
  /** true when the user is in system:masters: everything is allowed whatever the rules say */
  masters: boolean
  /** rules with resources (ClusterRoleBindings, plus RoleBindings of the namespace) */
  resourceRules: ListedRule[]
  /** rules with nonResourceURLs (ClusterRoleBindings only) */
  nonResourceRules: ListedRule[]
  unresolved: ObjectRef[]
}

/**
 * `kubectl auth can-i --list [-n namespace]`: every rule that applies to the user in that namespace (without a
 * namespace: only the cluster-wide ones), each with the binding and role it comes from. A rule listing both resources
 * and URLs appears in both lists.
 */
export function listRules(index: RbacIndex, user: UserInfo, namespace?: string): RulesList {
  const ns = namespace || undefined
  const out: RulesList = {
    masters: user.groups.includes(MASTERS_GROUP),
    nonResourceRules: [],
    resourceRules: [],
    unresolved: [],
    user,
    ...(ns ? {namespace: ns} : {}),
  }
  for (const ib of bindingsForRequest(index, user, ns)) {
    const role = resolveRole(index, ib.binding)
    if (!role) {
      out.unresolved.push(ib.ref)
      continue
    }
    const scope = scopeOf(ib.binding)
    role.rules.forEach((rule, ruleIndex) => {
      const listed: ListedRule = {binding: ib.ref, role: refOf(role), rule, ruleIndex, scope}
      if (rule.resources.length > 0) out.resourceRules.push(listed)
      if (rule.nonResourceURLs.length > 0 && ib.binding.kind === 'ClusterRoleBinding') out.nonResourceRules.push(listed)
    })
  }
  return out
}

const scopeOf = (b: RoleBinding | ClusterRoleBinding): RuleScope =>
  b.kind === 'ClusterRoleBinding'
    ? {type: 'cluster'}
    : b.namespaceGlob
      ? {glob: true, namespace: b.namespace, type: 'namespace'}
      : {namespace: b.namespace, type: 'namespace'}

export interface WhoCanEntry {
  /** the subject as written in the binding (a ServiceAccount gets the binding's namespace when it had none) */
  subject: Subject
  binding: ObjectRef
  role: ObjectRef
  rule: PolicyRule
  ruleIndex: number
}

export interface WhoCanResult {
  request: AccessRequest
  /** always allowed, before RBAC: the system:masters group */
  privileged: Subject[]
  /** one entry per (binding, subject) that allows the request; ClusterRoleBindings first, then RoleBindings */
  subjects: WhoCanEntry[]
  /** bindings that would count for this request but whose role does not exist */
  unresolved: ObjectRef[]
}

/**
 * kubectl-who-can: every subject some binding lets make the request. ClusterRoleBindings of any ClusterRole with an
 * allowing rule count everywhere; for a namespaced request, so do that namespace's RoleBindings of an allowing Role or
 * ClusterRole. Subjects that can match nobody (a namespace-less ServiceAccount in a ClusterRoleBinding) are left out.
 */
export function whoCan(index: RbacIndex, request: AccessRequest): WhoCanResult {
  const namespace = isNonResourceRequest(request) ? undefined : request.namespace || undefined
  const allowingRule = new Map<Role | ClusterRole, number>()
  const firstAllowing = (role: Role | ClusterRole): number => {
    let i = allowingRule.get(role)
    if (i === undefined) {
      i = role.rules.findIndex((rule) => ruleAllows(rule, request))
      allowingRule.set(role, i)
    }
    return i
  }

  const candidates: IndexedBinding[] = []
  for (const [name, role] of index.clusterRoles) {
    if (firstAllowing(role) < 0) continue
    candidates.push(...(index.crbByRole.get(name) ?? []))
    if (namespace) candidates.push(...(index.rbByNsRole.get(`${namespace}${SEP}ClusterRole${SEP}${name}`) ?? []))
  }
  if (namespace) {
    for (const role of index.rolesByNamespace.get(namespace) ?? []) {
      if (firstAllowing(role) < 0) continue
      candidates.push(...(index.rbByNsRole.get(`${namespace}${SEP}Role${SEP}${role.name}`) ?? []))
    }
    for (const ib of index.globRoleBindings) {
      const role = resolveRole(index, ib.binding)
      if (role && firstAllowing(role) >= 0 && globMatches((ib.binding as RoleBinding).namespace, namespace)) candidates.push(ib)
    }
  }
  candidates.sort((a, b) => a.order - b.order)

  const unresolved: ObjectRef[] = []
  const bindingsToCheck = namespace
    ? [...index.objects.clusterRoleBindings, ...index.objects.roleBindings.filter((b) => b.namespace === namespace && !b.namespaceGlob)]
    : index.objects.clusterRoleBindings
  for (const b of bindingsToCheck) if (!resolveRole(index, b)) unresolved.push(refOf(b))

  const subjects: WhoCanEntry[] = []
  const seen = new Set<IndexedBinding>()
  for (const ib of candidates) {
    if (seen.has(ib)) continue
    seen.add(ib)
    const role = resolveRole(index, ib.binding) as Role | ClusterRole
    const ruleIndex = firstAllowing(role)
    const bindingNs = ib.binding.kind === 'RoleBinding' && !ib.binding.namespaceGlob ? ib.binding.namespace : undefined
    for (const s of ib.binding.subjects) {
      if (subjectKey(s, bindingNs) === undefined) continue
      const subject: Subject = s.kind === 'ServiceAccount' && !s.namespace ? {...s, namespace: bindingNs} : {...s}
      subjects.push({binding: ib.ref, role: refOf(role), rule: role.rules[ruleIndex] as PolicyRule, ruleIndex, subject})
    }
  }
  return {privileged: [{kind: 'Group', name: MASTERS_GROUP}], request, subjects, unresolved}
}

/**
 * Every binding that names this user (any namespace), with its role, whether it resolves, and the scope it grants in.
 * ClusterRoleBindings first, then RoleBindings, each in input order.
 */
export function bindingsFor(index: RbacIndex, user: UserInfo): BindingUse[] {
  const keys = principalKeys(user)
  const keySet = new Set(keys)
  const all = [...collect(index.crbByPrincipal, keys), ...[...collect(index.rbByPrincipal, keys), ...globBindingsFor(index, keys)].sort((a, b) => a.order - b.order)]
  return all.map((ib) => ({
    binding: ib.ref,
    resolved: resolveRole(index, ib.binding) !== undefined,
    role: roleRefOf(ib.binding),
    scope: scopeOf(ib.binding),
    subject: matchedSubject(ib.binding, keySet),
  }))
}

/**
 * Every (binding, role, rule, scope) this user reaches: cluster scope for ClusterRoleBindings, the binding's namespace
 * for RoleBindings. `system:masters` is not expanded here (it bypasses RBAC; check the groups separately).
 */
export function effectiveRules(index: RbacIndex, user: UserInfo): EffectiveRule[] {
  const keys = principalKeys(user)
  const all = [...collect(index.crbByPrincipal, keys), ...[...collect(index.rbByPrincipal, keys), ...globBindingsFor(index, keys)].sort((a, b) => a.order - b.order)]
  const out: EffectiveRule[] = []
  for (const ib of all) {
    const role = resolveRole(index, ib.binding)
    if (!role) continue
    const scope = scopeOf(ib.binding)
    const roleRef = refOf(role)
    role.rules.forEach((rule, ruleIndex) => out.push({binding: ib.ref, role: roleRef, rule, ruleIndex, scope}))
  }
  return out
}
