/**
 * Identity -> Kubernetes user, as EKS decides it (eks-authentication.md B, D, E): canonicalise the caller ARN, try
 * access entries (when the mode uses them), then aws-auth mapRoles, mapUsers, mapAccounts, render templates, and add
 * what the API server adds. Pure.
 */
import {ArnError, canonicalize, lookupKey, stripPath, type CanonicalPrincipal} from '../arn.js'
import {type AuthenticatorView, type MappingEntry, ssoPattern} from '../aws-auth/authenticator.js'
import {deadEntryReason} from '../aws-auth/diagnostics.js'
import {badInput} from '../errors.js'
import type {AccessEntry, AuthenticationMode} from '../ports.js'
import {globMatch} from '../workload/glob.js'
import {renderTemplate, type TemplateIdentity} from './template.js'

export interface IdentityInput {
  /** the caller ARN as STS GetCallerIdentity returns it (an IAM role ARN is accepted for what-if questions) */
  arn: string
  /** STS UserId: `AROA...:session` for roles (A4); derived from the ARN when absent */
  userId?: string
  accessKeyId?: string
  ec2PrivateDnsName?: string
}

export interface ResolveOptions {
  /** omit to canonicalise only */
  awsAuth?: AuthenticatorView
  /** 1-based file line for an entry, when the view came from a file */
  lineOf?: (e: MappingEntry) => number | undefined
  /** where each dropped section's entries would have been (for "your entry is in a section that failed") */
  droppedSectionArns?: Partial<Record<'mapRoles' | 'mapUsers', string[]>>
  accessEntries?: AccessEntry[]
  /** default CONFIG_MAP, or API_AND_CONFIG_MAP when access entries are given */
  authMode?: AuthenticationMode
  /** D6: the alpha SSORoleMatch gate (default off) */
  ssoRoleMatch?: boolean
}

export type MappingSource = 'mapRoles' | 'mapUsers' | 'mapAccounts' | 'accessEntry'

export type Diagnosis =
  | 'mapped'
  | 'canonicalized-only'
  | 'not-mapped'
  | 'path-in-role-arn'
  | 'sts-arn-entry'
  | 'section-dropped'
  | 'template-error'
  | 'mode-api-ignores-aws-auth'
  | 'malformed-user-id'

export interface ResolvedMapping {
  source: MappingSource
  /** index in its section (or in the access-entry list) */
  index: number
  /** 1-based line in the aws-auth file, when read from one */
  line?: number
  /** the ARN written in the mapping (or the access entry's principalArn; the account for mapAccounts) */
  arn: string
  /** username and groups after templates */
  username: string
  groups: string[]
  /** templates as written */
  usernameTemplate: string
  groupTemplates: string[]
  /** placeholders left symbolic because their value is not known offline */
  symbolic: string[]
  /** access entries only */
  accessPolicies?: AccessEntry['accessPolicies']
}

export interface SimulateResult {
  input: IdentityInput & {authMode?: AuthenticationMode}
  canonicalArn: string | null
  principal: {kind: CanonicalPrincipal['kind']; accountId: string; sessionName?: string; userId: string} | null
  authenticated: boolean
  mapping: ResolvedMapping | null
  user: {username: string; groups: string[]; uid?: string} | null
  reason: string
  diagnosis: Diagnosis
  steps: string[]
  /** remarks that do not change the answer (shadowed duplicates, case differences, ignored aws-auth entries) */
  notes: string[]
}

const where = (e: MappingEntry, opts: ResolveOptions): string => {
  const line = opts.lineOf?.(e)
  return `${e.section} entry ${e.index + 1}${line ? ` (line ${line})` : ''}`
}

/** A4: split the STS UserId like the authenticator. */
function sessionFromUserId(p: CanonicalPrincipal, userId: string): {ok: true; sessionName?: string} | {ok: false} {
  if (p.kind === 'user' || p.kind === 'root' || p.kind === 'federated-user') return {ok: true}
  const parts = userId.split(':')
  return parts.length === 2 ? {ok: true, sessionName: parts[1]} : {ok: false}
}

function defaultUserId(p: CanonicalPrincipal): string {
  switch (p.kind) {
    case 'assumed-role': {
      return `AROAEXAMPLEROLEID:${p.sessionName}`
    }
    case 'federated-user': {
      return `${p.accountId}:${p.sessionName}`
    }
    case 'root': {
      return p.accountId
    }
    case 'user': {
      return 'AIDAEXAMPLEUSERID'
    }
    default: {
      return 'AROAEXAMPLEROLEID'
    }
  }
}

/** E2/E3: access entries are keyed by the principal's unique id; offline, compare path-less ARNs case-insensitively. */
const accessEntryKey = (arn: string): string => {
  try {
    return lookupKey(stripPath(canonicalize(arn).canonicalArn))
  } catch {
    return lookupKey(arn)
  }
}

function render(
  source: MappingSource,
  index: number,
  arn: string,
  usernameTemplate: string,
  groupTemplates: string[],
  id: TemplateIdentity,
): {mapping: ResolvedMapping} | {error: string} {
  const symbolic = new Set<string>()
  const u = renderTemplate(usernameTemplate, id)
  if (!u.ok) return {error: `error rendering username template "${usernameTemplate}": ${u.error}`}
  u.symbolic.forEach((s) => symbolic.add(s))
  const groups: string[] = []
  for (const g of groupTemplates) {
    const r = renderTemplate(g, id)
    if (!r.ok) return {error: `error rendering group template "${g}": ${r.error}`}
    r.symbolic.forEach((s) => symbolic.add(s))
    groups.push(r.value)
  }
  return {mapping: {arn, groupTemplates, groups, index, source, symbolic: [...symbolic], username: u.value, usernameTemplate}}
}

/** Field order of the --json contract: input, canonicalArn, authenticated, mapping, user, reason, steps, ... */
function ordered(r: SimulateResult): SimulateResult {
  const {authenticated, canonicalArn, diagnosis, input, mapping, notes, principal, reason, steps, user} = r
  return {input, canonicalArn, authenticated, mapping, user, reason, steps, diagnosis, principal, notes}
}

export function resolveIdentity(input: IdentityInput, opts: ResolveOptions = {}): SimulateResult {
  return ordered(resolveUnordered(input, opts))
}

function resolveUnordered(input: IdentityInput, opts: ResolveOptions): SimulateResult {
  const steps: string[] = []
  const notes: string[] = []
  const mode: AuthenticationMode | undefined = opts.authMode ?? (opts.accessEntries ? 'API_AND_CONFIG_MAP' : opts.awsAuth ? 'CONFIG_MAP' : undefined)
  const base = {input: {...input, ...(mode ? {authMode: mode} : {})}, notes, steps}
  let p: CanonicalPrincipal
  try {
    p = canonicalize(input.arn)
  } catch (error) {
    if (error instanceof ArnError) throw badInput(error.message, 'E_BAD_ARN', error.suggestion ? [`use ${error.suggestion}`] : [])
    throw error
  }
  const userId = input.userId ?? defaultUserId(p)
  steps.push(`caller ${p.arn} (${p.kind}${p.sessionName ? `, session '${p.sessionName}'` : ''}, account ${p.accountId})`)
  steps.push(
    p.canonicalArn === p.arn
      ? `canonical ARN ${p.canonicalArn} (B3: ${p.kind} ARNs are used as they are)`
      : `canonical ARN ${p.canonicalArn} (B3: assumed-role -> IAM role; region and session dropped)`,
  )
  const split = sessionFromUserId(p, userId)
  if (!split.ok) {
    return {
      ...base,
      authenticated: false,
      canonicalArn: p.canonicalArn,
      diagnosis: 'malformed-user-id',
      mapping: null,
      principal: {accountId: p.accountId, kind: p.kind, userId},
      reason: `malformed UserID "${userId}": STS reports ROLEID:SESSION for roles (A4); the authenticator rejects the token`,
      user: null,
    }
  }
  const sessionName = split.sessionName ?? (p.kind === 'user' || p.kind === 'root' || p.kind === 'federated-user' ? '' : undefined)
  const principal = {accountId: p.accountId, kind: p.kind, userId, ...(split.sessionName === undefined ? {} : {sessionName: split.sessionName})}
  if (p.kind === 'role' && input.userId === undefined) {
    notes.push('a role ARN has no session: {{SessionName}} stays symbolic (pass the assumed-role ARN or --user-id ROLEID:SESSION)')
  }
  const tid: TemplateIdentity = {
    accessKeyId: input.accessKeyId,
    accountId: p.accountId,
    ec2PrivateDnsName: input.ec2PrivateDnsName,
    sessionName,
  }
  const canonicalArn = p.canonicalArn
  const key = lookupKey(canonicalArn)

  if (!opts.awsAuth && !opts.accessEntries) {
    return {
      ...base,
      authenticated: false,
      canonicalArn,
      diagnosis: 'canonicalized-only',
      mapping: null,
      principal,
      reason: 'no aws-auth or access entries given: canonicalised only (pass --aws-auth FILE to map it)',
      user: null,
    }
  }

  const finish = (m: ResolvedMapping, reason: string): SimulateResult => {
    if (m.symbolic.length > 0) {
      notes.push(`${m.symbolic.map((s) => `{{${s}}}`).join(', ')} left symbolic: not known offline` +
        (m.symbolic.includes('EC2PrivateDNSName') ? ' (pass --ec2-private-dns-name)' : '') +
        (m.symbolic.includes('AccessKeyID') ? ' (pass --access-key-id)' : ''))
    }
    if (m.username === '') notes.push('the mapping has an empty username: Kubernetes RBAC cannot name this user and audit logs show nothing')
    const groups = [...m.groups]
    if (!groups.includes('system:authenticated')) groups.push('system:authenticated')
    steps.push(`username ${JSON.stringify(m.username)}${m.usernameTemplate === m.username ? '' : ` (template ${JSON.stringify(m.usernameTemplate)})`}`)
    steps.push(`groups ${m.groups.length > 0 ? m.groups.join(', ') : '(none)'} + system:authenticated (added by the API server)`)
    if (m.groups.includes('system:masters')) steps.push('system:masters: every request is allowed before RBAC runs')
    return {
      ...base,
      authenticated: true,
      canonicalArn,
      diagnosis: 'mapped',
      mapping: m,
      principal,
      reason,
      user: {groups, uid: `aws-iam-authenticator:${p.accountId}:${userId.split(':')[0]}`, username: m.username},
    }
  }
  const denied = (diagnosis: Diagnosis, reason: string): SimulateResult => ({
    ...base,
    authenticated: false,
    canonicalArn,
    diagnosis,
    mapping: null,
    principal,
    reason,
    user: null,
  })

  // E1/E2: access entries first (API and API_AND_CONFIG_MAP)
  const useEntries = mode === 'API' || mode === 'API_AND_CONFIG_MAP'
  const useAwsAuth = mode !== 'API'
  if (mode) steps.push(`authentication mode ${mode}: ${mode === 'API' ? 'access entries only, aws-auth ignored (E1)' : mode === 'CONFIG_MAP' ? 'aws-auth only (E1)' : 'access entries first, then aws-auth (E1, E2)'}`)
  if (useEntries && opts.accessEntries) {
    const idx = opts.accessEntries.findIndex((e) => accessEntryKey(e.principalArn) === accessEntryKey(canonicalArn))
    if (idx >= 0) {
      const entry = opts.accessEntries[idx]!
      const defaultName =
        p.kind === 'assumed-role' || p.kind === 'role'
          ? `arn:${p.parsed.partition}:sts::${p.accountId}:assumed-role/${(p.roleName ?? '').split('/').at(-1)}/{{SessionName}}`
          : canonicalArn
      const r = render('accessEntry', idx, entry.principalArn, entry.username || defaultName, entry.kubernetesGroups, tid)
      if ('error' in r) return denied('template-error', r.error)
      r.mapping.accessPolicies = entry.accessPolicies
      steps.push(`access entry ${entry.principalArn} matches (E2: access entries are checked before aws-auth)`)
      if (entry.accessPolicies.length > 0) {
        steps.push(`access policies: ${entry.accessPolicies.map((a) => `${a.policyArn.split('/').at(-1)} (${a.accessScope.type}${a.accessScope.namespaces?.length ? `: ${a.accessScope.namespaces.join(',')}` : ''})`).join('; ')}`)
      }
      if (useAwsAuth && opts.awsAuth) {
        const shadow = opts.awsAuth.roleIndex.get(key) ?? [...opts.awsAuth.userIndex.values()].find((u) => lookupKey(u.arn) === key)
        if (shadow) notes.push(`${where(shadow, opts)} also maps this principal and is ignored: the access entry wins (E2)`)
      }
      return finish(r.mapping, `mapped by the access entry for ${entry.principalArn}`)
    }
    steps.push('no access entry for this principal')
  }

  const view = opts.awsAuth
  if (useAwsAuth && view) {
    // D2: mapRoles first (case-insensitive equality; SSO pattern when the gate is on), then mapUsers.
    let hit: MappingEntry | undefined = view.roleIndex.get(key)
    if (!hit && opts.ssoRoleMatch) {
      hit = [...view.roleIndex.values()].find((e) => e.sso && globMatch(ssoPattern(e.sso), key))
    }
    if (!hit) {
      steps.push('no mapRoles entry matches')
      const users = [...view.userIndex.values()].filter((u) => lookupKey(u.arn) === key)
      if (users.length > 1) {
        notes.push(`mapUsers has ${users.length} entries differing only in case for this ARN: which one EKS uses is not deterministic (C7)`)
      }
      hit = users[0]
      if (!hit) steps.push('no mapUsers entry matches')
    }
    if (hit) {
      if (hit.arn !== '' && hit.arn !== canonicalArn) notes.push(`${where(hit, opts)} differs from the caller ARN only in letter case; it still matches (B6)`)
      const shadowed = (hit.section === 'mapRoles' ? view.roles : view.users).filter(
        (e) => e !== hit && !e.invalid && lookupKey(e.arn) === key && e.index < hit!.index,
      )
      for (const s of shadowed) notes.push(`${where(s, opts)} maps the same ARN but is shadowed: the last entry wins (C7)`)
      if (hit.section === 'mapRoles' && view.userIndex.size > 0) {
        const alsoUser = [...view.userIndex.values()].find((u) => lookupKey(u.arn) === key)
        if (alsoUser) notes.push(`${where(alsoUser, opts)} maps the same ARN and is ignored: mapRoles is checked first (D2)`)
      }
      const r = render(hit.section, hit.index, hit.arn, hit.username, hit.groups, tid)
      steps.push(`${where(hit, opts)} matches ${hit.arn || '(SSO pattern)'}`)
      if ('error' in r) return denied('template-error', `${where(hit, opts)} matches, but ${r.error}: the request is denied (D4)`)
      r.mapping.line = opts.lineOf?.(hit)
      return finish(r.mapping, `mapped by ${where(hit, opts)}`)
    }
    // D3: mapAccounts
    if (view.accountSet.has(p.accountId)) {
      const acct = view.accounts.find((a) => a.account === p.accountId)!
      steps.push(`account ${p.accountId} is in mapAccounts: username = canonical ARN, no groups (D3)`)
      return finish(
        {
          arn: p.accountId,
          groupTemplates: [],
          groups: [],
          index: acct.index,
          source: 'mapAccounts',
          symbolic: [],
          username: canonicalArn,
          usernameTemplate: canonicalArn,
        },
        `account ${p.accountId} is listed in mapAccounts`,
      )
    }
    steps.push(`account ${p.accountId} is not in mapAccounts`)
    return denied(...explainMiss(view, canonicalArn, opts))
  }
  if (mode === 'API' && view) {
    const would = view.roleIndex.get(key) ?? [...view.userIndex.values()].find((u) => lookupKey(u.arn) === key)
    if (would) {
      return denied(
        'mode-api-ignores-aws-auth',
        `${where(would, opts)} maps this principal, but the cluster's authentication mode is API, which ignores aws-auth (E1): create an access entry`,
      )
    }
  }
  return denied('not-mapped', `${canonicalArn} has no access entry${mode === 'API' ? '' : ' and no aws-auth mapping'}: add one`)
}

/** Why nothing matched: the near misses EKS users hit most (F1-F4). */
function explainMiss(view: AuthenticatorView, canonicalArn: string, opts: ResolveOptions): [Diagnosis, string] {
  const key = lookupKey(canonicalArn)
  for (const e of [...view.roles, ...view.users]) {
    if (e.arn === '') continue
    const dead = deadEntryReason(e)
    if (!dead) continue
    let target: string | undefined
    try {
      target = lookupKey(dead.code === 'sts-arn' ? canonicalize(e.arn).canonicalArn : stripPath(e.arn))
    } catch {
      target = undefined
    }
    if (target === key) {
      return dead.code === 'sts-arn'
        ? ['sts-arn-entry', `${where(e, opts)} holds the STS session ARN ${e.arn}, which never matches: write the role ARN ${canonicalArn} (D2)`]
        : ['path-in-role-arn', `${where(e, opts)} has the role ARN with a path (${e.arn}); STS reports ${canonicalArn}, so it never matches: remove the path (D2)`]
    }
  }
  for (const section of ['mapRoles', 'mapUsers'] as const) {
    const err = view.sections[section].error
    if (!err) continue
    const arns = opts.droppedSectionArns?.[section] ?? []
    if (arns.some((a) => lookupKey(a) === key || safeStrip(a) === key)) {
      return [
        'section-dropped',
        `${section} failed to parse (${err.message}), so EKS ignores every entry in it, including the one for ${canonicalArn} (C3): fix the YAML`,
      ]
    }
  }
  const sectionErrors = (['mapRoles', 'mapUsers'] as const).filter((s) => view.sections[s].error)
  if (sectionErrors.length > 0) {
    return [
      'section-dropped',
      `${canonicalArn} is not mapped; ${sectionErrors.join(' and ')} failed to parse and EKS ignores ${sectionErrors.length > 1 ? 'them' : 'it'} entirely (C3), so the mapping may be in there: fix the YAML`,
    ]
  }
  return ['not-mapped', `${canonicalArn} is not in mapRoles, mapUsers or mapAccounts: map it (eksauth map-role / map-user)`]
}

const safeStrip = (arn: string): string | undefined => {
  try {
    return lookupKey(stripPath(arn))
  } catch {
    return undefined
  }
}
