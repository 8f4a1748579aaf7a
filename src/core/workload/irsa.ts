/**
 * IAM roles for service accounts (IRSA): which service accounts of a cluster a role trust policy lets call
 * sts:AssumeRoleWithWebIdentity, symbolically (`assumableBy`, for audit) and for one service account (`canAssume`,
 * for simulate). Pure.
 *
 * Conditions are split three ways. The cluster issuer's `:sub` and `:aud` keys are evaluated exactly. Keys of another
 * OIDC issuer (`HOST/PATH:sub`, ...) are absent from this cluster's requests. Every other key (aws:SourceIp,
 * aws:RequestTag/..., ...) cannot be known offline: it is taken as satisfiable in Allow statements and as not
 * satisfied in Deny statements, i.e. the worst case for the role owner. Such keys are reported in `otherConditionKeys`.
 */
import {covers, type GlobToken, intersects, tokenize} from './glob.js'
import {
  actionMatches,
  type ConditionClause,
  type ConditionContext,
  evaluateClause,
  issuerHostPath,
  parseOidcProviderArn,
  parseTrustPolicy,
  sameIssuer,
  type TrustPolicy,
  type TrustStatement,
} from './trust-policy.js'

export const WEB_IDENTITY_ACTION = 'sts:AssumeRoleWithWebIdentity'
export const STS_AUDIENCE = 'sts.amazonaws.com'
export const SA_PREFIX = 'system:serviceaccount:'

/** A cluster as IRSA sees it: its OIDC issuer URL (DescribeCluster identity.oidc.issuer). */
export interface ClusterRef {
  issuer: string
  /** the cluster's account (from its ARN) */
  accountId?: string
  name?: string
  arn?: string
}

export type SubjectMatch = 'equals' | 'equals-ignore-case' | 'like'

/** One `sub` value a statement allows (or, for `deny-exception`, the only subjects a Deny leaves allowed). */
export interface SubjectPattern {
  /** the value as written in the policy */
  pattern: string
  match: SubjectMatch
  /** index of the statement it comes from */
  statement: number
  source: 'allow' | 'deny-exception' | 'deny'
  /** the namespace when the pattern fixes it */
  namespace?: string
  /** the service account name when the pattern fixes it */
  name?: string
  /** matches service accounts of more than one namespace */
  crossNamespace: boolean
  /** matches every service account of the cluster */
  coversAll: boolean
  /** matches no `system:serviceaccount:NS:NAME` at all (a typo: the statement is dead) */
  matchesNoServiceAccount: boolean
  /** can match a service account in kube-system */
  includesKubeSystem: boolean
  /** can match a service account named `default` */
  includesDefault: boolean
}

export interface AudConstraint {
  /** a positive condition on `ISSUER:aud` exists */
  constrained: boolean
  /** a token with audience sts.amazonaws.com passes the aud conditions */
  allowsSts: boolean
  /** audiences other than sts.amazonaws.com pass as well */
  allowsOthers: boolean
  /** the values of the positive aud conditions */
  values: string[]
}

export interface IrsaStatement {
  index: number
  sid?: string
  /** how the statement names the cluster: its OIDC provider, or `"*"` (everyone) */
  principal: 'provider' | 'wildcard'
  /** the OIDC provider ARN(s) for this cluster's issuer named in Principal */
  providerArns: string[]
  /** a positive (`StringEquals`/`StringLike`/...) condition on ISSUER:sub exists */
  subConstrained: boolean
  /** this statement alone lets every service account of the cluster assume the role */
  any: boolean
  subjects: SubjectPattern[]
  /** `sub` values excluded by StringNotEquals / StringNotLike in the statement */
  excluded: string[]
  aud: AudConstraint
  otherConditionKeys: string[]
  /** operators eksauth does not evaluate (e.g. NumericLessThan), as `OPERATOR KEY` */
  unsupported: string[]
}

export interface IrsaTrust {
  /** some Allow statement trusts this cluster's issuer for sts:AssumeRoleWithWebIdentity */
  trusted: boolean
  /** every service account of the cluster can assume the role (no effective sub restriction) */
  any: boolean
  /** the allowed sub patterns (after Deny narrowing); empty when nothing or anything is allowed */
  subjects: SubjectPattern[]
  /** every trusting statement pins aud to exactly sts.amazonaws.com */
  audOk: boolean
  /** the Allow statements that trust this cluster */
  statements: IrsaStatement[]
  /** indexes of Deny statements that apply to this cluster's web identity */
  denyStatements: number[]
  /** `sub` patterns a Deny removes (the role stays assumable by the others) */
  deniedSubjects: SubjectPattern[]
  /** a Deny removes every service account of the cluster */
  deniedAll: boolean
}

type KeyKind = 'sub' | 'aud' | 'foreign-oidc' | 'other'

/** What a condition key is, relative to the cluster's issuer. */
function keyKind(keyLower: string, hostPath: string): KeyKind {
  const hp = hostPath.toLowerCase()
  if (keyLower === `${hp}:sub`) return 'sub'
  if (keyLower === `${hp}:aud`) return 'aud'
  // HOST/PATH:claim, e.g. oidc.eks.eu-west-1.amazonaws.com/id/ABC:sub or token.actions.githubusercontent.com:sub
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+(\/[^:]*)?:[a-z_]+$/.test(keyLower) && !/^(aws|sts|iam|ec2|s3|kms):/.test(keyLower)) return 'foreign-oidc'
  return 'other'
}

const loadPolicy = (policy: TrustPolicy | unknown): TrustPolicy =>
  isTrustPolicy(policy) ? policy : parseTrustPolicy(policy)

function isTrustPolicy(v: unknown): v is TrustPolicy {
  return typeof v === 'object' && v !== null && Array.isArray((v as TrustPolicy).statements)
}

/** How a statement's Principal names the cluster's web identity, or undefined when it does not. */
function principalFor(st: TrustStatement, issuer: string): {kind: 'provider' | 'wildcard'; arns: string[]} | undefined {
  const mine = (arn: string): boolean => {
    const p = parseOidcProviderArn(arn)
    return p !== undefined && sameIssuer(p.issuer, issuer)
  }
  if (st.principal) {
    const arns = st.principal.federated.filter(mine)
    if (arns.length > 0) return {arns, kind: 'provider'}
    if (st.principal.wildcard) return {arns: [], kind: 'wildcard'}
    return undefined
  }
  if (st.notPrincipal) {
    if (st.notPrincipal.wildcard || st.notPrincipal.federated.some(mine)) return undefined
    return {arns: [], kind: 'wildcard'}
  }
  return undefined
}

const SA_ANY = tokenize(`${SA_PREFIX}?*:?*`, true)
const SA_KUBE_SYSTEM = tokenize(`${SA_PREFIX}kube-system:?*`, true)
const SA_DEFAULT = tokenize(`${SA_PREFIX}?*:default`, true)

function matchKind(base: string): SubjectMatch {
  if (base.endsWith('IgnoreCase')) return 'equals-ignore-case'
  if (base.endsWith('Like')) return 'like'
  return 'equals'
}

export function tokensOf(pattern: string, match: SubjectMatch): GlobToken[] {
  return tokenize(pattern, match === 'like', match === 'equals-ignore-case')
}

/** Describe one sub pattern: which namespaces and names it reaches. */
export function describeSubject(pattern: string, match: SubjectMatch, statement: number, source: SubjectPattern['source'] = 'allow'): SubjectPattern {
  const tokens = tokensOf(pattern, match)
  const matchesAny = intersects(tokens, SA_ANY)
  // literal prefix up to the first wildcard
  let lit = ''
  for (const t of tokens) {
    if (t.t !== 'lit') break
    lit += t.c
  }
  const allLiteral = lit.length === tokens.length
  let namespace: string | undefined
  let name: string | undefined
  if (lit.startsWith(SA_PREFIX)) {
    const rest = lit.slice(SA_PREFIX.length)
    const colon = rest.indexOf(':')
    if (colon > 0) {
      namespace = rest.slice(0, colon)
      if (allLiteral) name = rest.slice(colon + 1)
    }
  }
  const out: SubjectPattern = {
    coversAll: covers(tokens, SA_ANY),
    crossNamespace: matchesAny && namespace === undefined,
    includesDefault: intersects(tokens, SA_DEFAULT),
    includesKubeSystem: intersects(tokens, SA_KUBE_SYSTEM),
    match,
    matchesNoServiceAccount: !matchesAny,
    pattern,
    source,
    statement,
  }
  if (namespace !== undefined) out.namespace = namespace
  if (name !== undefined) out.name = name
  return out
}

function audConstraint(clauses: ConditionClause[]): AudConstraint {
  const positive = clauses.filter((c) => !c.negated && c.supported && c.base !== 'Null')
  const ctx: ConditionContext = new Map()
  const passesWith = (aud: string): boolean => {
    ctx.set('aud', [aud])
    return clauses.every((c) => evaluateClause({...c, keyLower: 'aud'}, ctx, true))
  }
  const pinned = positive.some(
    (c) => c.values.length > 0 && c.values.every((v) => (c.base.endsWith('IgnoreCase') ? v.toLowerCase() : v) === STS_AUDIENCE),
  )
  return {
    allowsOthers: !pinned,
    allowsSts: passesWith(STS_AUDIENCE),
    constrained: positive.length > 0,
    values: positive.flatMap((c) => c.values),
  }
}

function analyseAllow(st: TrustStatement, principal: {kind: 'provider' | 'wildcard'; arns: string[]}, hostPath: string): IrsaStatement | undefined {
  const sub: ConditionClause[] = []
  const aud: ConditionClause[] = []
  const other = new Set<string>()
  const unsupported: string[] = []
  for (const c of st.conditions) {
    const kind = keyKind(c.keyLower, hostPath)
    if (!c.supported) {
      unsupported.push(`${c.operator} ${c.key}`)
      continue
    }
    if (kind === 'sub') sub.push(c)
    else if (kind === 'aud') aud.push(c)
    else if (kind === 'foreign-oidc') {
      // absent in this cluster's requests
      if (!evaluateClause(c, new Map())) return undefined
    } else other.add(c.key)
  }
  const positive = sub.filter((c) => !c.negated && c.base !== 'Null')
  const atoms = positive.map((c) => c.values.map((v) => describeSubject(v, matchKind(c.base), st.index)))
  let subjects = atoms.flat()
  if (atoms.length > 1) {
    // several positive sub conditions must all hold: keep the patterns that can meet every other condition
    subjects = subjects.filter((p) =>
      atoms.every((atom) => atom.some((q) => intersects(tokensOf(p.pattern, p.match), tokensOf(q.pattern, q.match)))),
    )
  }
  const any = positive.length === 0 || atoms.every((atom) => atom.some((p) => p.coversAll))
  const out: IrsaStatement = {
    any,
    aud: audConstraint(aud),
    excluded: sub.filter((c) => c.negated).flatMap((c) => c.values),
    index: st.index,
    otherConditionKeys: [...other],
    principal: principal.kind,
    providerArns: principal.arns,
    subConstrained: positive.length > 0,
    subjects,
    unsupported,
  }
  if (st.sid) out.sid = st.sid
  return out
}

/** The context of a web-identity request by NS/SA of the cluster. */
function requestContext(hostPath: string, namespace: string, serviceAccount: string, audience: string): ConditionContext {
  const hp = hostPath.toLowerCase()
  return new Map([
    [`${hp}:sub`, [`${SA_PREFIX}${namespace}:${serviceAccount}`]],
    [`${hp}:aud`, [audience]],
  ])
}

/** Does the statement's condition block hold for the request? Unknown keys: worst case (see the module comment). */
function conditionsHold(st: TrustStatement, ctx: ConditionContext, hostPath: string): boolean {
  const allow = st.effect === 'Allow'
  return st.conditions.every((c) => {
    const kind = keyKind(c.keyLower, hostPath)
    if (kind === 'other' || !c.supported) return allow
    return evaluateClause(c, ctx)
  })
}

/** Which service accounts of the cluster can assume the role through IRSA. */
export function assumableBy(policy: TrustPolicy | unknown, cluster: ClusterRef): IrsaTrust {
  const p = loadPolicy(policy)
  const hostPath = issuerHostPath(cluster.issuer)
  const statements: IrsaStatement[] = []
  const denies: TrustStatement[] = []
  for (const st of p.statements) {
    if (!actionMatches(st, WEB_IDENTITY_ACTION)) continue
    const principal = principalFor(st, cluster.issuer)
    if (!principal) continue
    if (st.effect === 'Deny') {
      denies.push(st)
      continue
    }
    const a = analyseAllow(st, principal, hostPath)
    if (a) statements.push(a)
  }

  // Deny statements: evaluate everything but sub concretely (aud = sts.amazonaws.com), keep sub symbolic
  const audCtx: ConditionContext = new Map([[`${hostPath.toLowerCase()}:aud`, [STS_AUDIENCE]]])
  let deniedAll = false
  const deniedSubjects: SubjectPattern[] = []
  const exceptions: SubjectPattern[][] = []
  const denyStatements: number[] = []
  for (const st of denies) {
    const sub = st.conditions.filter((c) => c.supported && keyKind(c.keyLower, hostPath) === 'sub')
    const rest = st.conditions.filter((c) => !sub.includes(c))
    const restHolds = rest.every((c) => {
      const kind = keyKind(c.keyLower, hostPath)
      if (kind === 'other' || !c.supported) return false
      return evaluateClause(c, audCtx)
    })
    if (!restHolds) continue
    denyStatements.push(st.index)
    if (sub.length === 0) deniedAll = true
    else if (sub.length === 1) {
      const c = sub[0]!
      const kind = matchKind(c.base)
      if (c.base === 'Null') continue
      if (c.negated) exceptions.push(c.values.map((v) => describeSubject(v, kind, st.index, 'deny-exception')))
      else deniedSubjects.push(...c.values.map((v) => describeSubject(v, kind, st.index, 'deny')))
    }
    // several sub conditions in one Deny: only canAssume evaluates those exactly
  }

  const trusted = statements.length > 0
  let subjects = statements.flatMap((s) => (s.any ? [] : s.subjects))
  const anyAllow = statements.some((s) => s.any)
  let any = trusted && anyAllow && !deniedAll && exceptions.length === 0
  if (exceptions.length > 0) {
    // allowed = allow patterns ∩ every exception list
    const meets = (p: SubjectPattern): boolean =>
      exceptions.every((ex) => ex.some((q) => intersects(tokensOf(p.pattern, p.match), tokensOf(q.pattern, q.match))))
    subjects = subjects.filter(meets)
    if (anyAllow) subjects.push(...exceptions.flat().filter((q) => exceptions.every((ex) => ex.some((r) => intersects(tokensOf(q.pattern, q.match), tokensOf(r.pattern, r.match))))))
    any = trusted && anyAllow && !deniedAll && exceptions.every((ex) => ex.some((q) => q.coversAll))
  }
  // a pattern whose every subject a Deny removes allows nothing
  subjects = subjects.filter((p) => !deniedSubjects.some((d) => covers(tokensOf(d.pattern, d.match), tokensOf(p.pattern, p.match))))
  if (deniedAll) subjects = []
  return {
    any,
    audOk: trusted && statements.every((s) => s.aud.constrained && s.aud.allowsSts && !s.aud.allowsOthers),
    deniedAll,
    deniedSubjects,
    denyStatements,
    statements,
    subjects,
    trusted,
  }
}

export interface CanAssumeResult {
  allowed: boolean
  /** the Allow statement that grants it */
  statement?: number
  /** the Deny statement that overrides it */
  deniedBy?: number
  reason: string
  /** condition keys eksauth could not evaluate offline and assumed satisfiable (Allow) */
  assumedKeys?: string[]
}

export interface CanAssumeOptions {
  /** the token audience; default sts.amazonaws.com (what the EKS pod identity webhook requests) */
  audience?: string
}

/** Can service account NS/SA of the cluster assume the role through IRSA? A matching Deny always wins. */
export function canAssume(
  policy: TrustPolicy | unknown,
  cluster: ClusterRef,
  namespace: string,
  serviceAccount: string,
  opts: CanAssumeOptions = {},
): CanAssumeResult {
  const p = loadPolicy(policy)
  const hostPath = issuerHostPath(cluster.issuer)
  const ctx = requestContext(hostPath, namespace, serviceAccount, opts.audience ?? STS_AUDIENCE)
  const subject = `${SA_PREFIX}${namespace}:${serviceAccount}`
  const applicable = p.statements.filter((st) => actionMatches(st, WEB_IDENTITY_ACTION) && principalFor(st, cluster.issuer))
  const deny = applicable.find((st) => st.effect === 'Deny' && conditionsHold(st, ctx, hostPath))
  if (deny) {
    return {allowed: false, deniedBy: deny.index, reason: `Deny statement ${label(deny)} matches ${subject}`}
  }
  const allow = applicable.find((st) => st.effect === 'Allow' && conditionsHold(st, ctx, hostPath))
  if (allow) {
    const assumed = allow.conditions
      .filter((c) => !c.supported || keyKind(c.keyLower, hostPath) === 'other')
      .map((c) => c.key)
    const r: CanAssumeResult = {
      allowed: true,
      reason: `statement ${label(allow)} trusts ${hostPath} and its conditions admit ${subject}`,
      statement: allow.index,
    }
    if (assumed.length > 0) {
      r.assumedKeys = assumed
      r.reason += ` (assuming ${assumed.join(', ')} can be satisfied)`
    }
    return r
  }
  const trusting = applicable.filter((st) => st.effect === 'Allow')
  if (trusting.length === 0) {
    return {allowed: false, reason: `no Allow statement trusts the OIDC provider of ${hostPath} for ${WEB_IDENTITY_ACTION}`}
  }
  return {
    allowed: false,
    reason: `statement${trusting.length > 1 ? 's' : ''} ${trusting.map(label).join(', ')} trust${trusting.length > 1 ? '' : 's'} ${hostPath} but ${trusting.length > 1 ? 'their' : 'its'} conditions do not admit ${subject}`,
  }
}

const label = (st: TrustStatement): string => (st.sid ? `${st.index} (${st.sid})` : String(st.index))

/** Every OIDC provider a policy trusts for sts:AssumeRoleWithWebIdentity (Allow statements), with the statements. */
export function trustedOidcProviders(policy: TrustPolicy | unknown): {arn: string; issuer: string; accountId: string; statements: number[]}[] {
  const p = loadPolicy(policy)
  const out = new Map<string, {arn: string; issuer: string; accountId: string; statements: number[]}>()
  for (const st of p.statements) {
    if (st.effect !== 'Allow' || !st.principal || !actionMatches(st, WEB_IDENTITY_ACTION)) continue
    for (const arn of st.principal.federated) {
      const parsed = parseOidcProviderArn(arn)
      if (!parsed) continue
      const key = arn.toLowerCase()
      const e = out.get(key) ?? {accountId: parsed.accountId, arn, issuer: parsed.issuer, statements: []}
      if (!e.statements.includes(st.index)) e.statements.push(st.index)
      out.set(key, e)
    }
  }
  return [...out.values()]
}
