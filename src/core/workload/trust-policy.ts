/**
 * IAM role trust policies (AssumeRolePolicyDocument) as IAM returns them: a JSON object, a JSON string, or the
 * URL-encoded JSON string GetRole / ListRoles return. Parsing into a normalised model, OIDC provider ARN <-> issuer
 * URL conversion, and IAM-faithful evaluation of Action, Principal and String* conditions. Pure: no I/O.
 */
import {badInput} from '../errors.js'
import {globMatch} from './glob.js'

export type Effect = 'Allow' | 'Deny'

/** A Principal (or NotPrincipal) element. `wildcard`: `"*"`, `{"AWS": "*"}` or a `"*"` in any list. */
export interface PrincipalSet {
  wildcard: boolean
  aws: string[]
  federated: string[]
  service: string[]
  canonicalUser: string[]
}

/** The operators eksauth evaluates; anything else is kept with `supported: false`. */
export type StringOperator =
  | 'StringEquals'
  | 'StringNotEquals'
  | 'StringEqualsIgnoreCase'
  | 'StringNotEqualsIgnoreCase'
  | 'StringLike'
  | 'StringNotLike'

export interface ConditionClause {
  /** the operator exactly as written, e.g. `ForAnyValue:StringLike` */
  operator: string
  /** the operator without qualifier and IfExists, e.g. `StringLike` (or `Null`, `Bool`, `ArnLike`, ...) */
  base: string
  qualifier?: 'ForAnyValue' | 'ForAllValues'
  ifExists: boolean
  /** negated operators (`StringNot*`, `ArnNot*`) */
  negated: boolean
  /** whether `evaluateClause` understands `base` */
  supported: boolean
  /** the key as written */
  key: string
  /** the key lower-cased: IAM matches condition keys case-insensitively */
  keyLower: string
  values: string[]
}

export interface TrustStatement {
  /** 0-based position in the Statement list */
  index: number
  sid?: string
  effect: Effect
  principal?: PrincipalSet
  notPrincipal?: PrincipalSet
  actions?: string[]
  notActions?: string[]
  conditions: ConditionClause[]
}

export interface TrustPolicy {
  version?: string
  statements: TrustStatement[]
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const scalar = (v: unknown): string | undefined =>
  typeof v === 'string' ? v : typeof v === 'number' || typeof v === 'boolean' ? String(v) : undefined

/** A policy document string as IAM returns it: JSON, or URL-encoded JSON (possibly twice). */
export function decodePolicyDocument(text: string, source = 'trust policy'): unknown {
  let s = text.trim()
  for (let round = 0; round < 3; round++) {
    try {
      return JSON.parse(s) as unknown
    } catch {
      if (!/%[0-9a-f]{2}/i.test(s)) break
      try {
        s = decodeURIComponent(s).trim()
      } catch {
        break
      }
    }
  }
  throw badInput(
    `${source} is neither JSON nor URL-encoded JSON: pass the AssumeRolePolicyDocument as IAM returns it (aws iam get-role --query Role.AssumeRolePolicyDocument)`,
  )
}

function principalSet(v: unknown, where: string): PrincipalSet {
  const set: PrincipalSet = {aws: [], canonicalUser: [], federated: [], service: [], wildcard: false}
  const classify = (s: string): void => {
    if (s === '*') set.wildcard = true
    else if (/^arn:[^:]+:iam::[^:]*:(oidc|saml)-provider\//.test(s)) set.federated.push(s)
    else if (/\.amazonaws\.com(\.cn)?$/.test(s) && !s.startsWith('arn:')) set.service.push(s)
    else set.aws.push(s)
  }
  if (typeof v === 'string') classify(v)
  else if (Array.isArray(v)) for (const x of v) typeof x === 'string' ? classify(x) : undefined
  else if (isRecord(v)) {
    for (const [k, raw] of Object.entries(v)) {
      const list = (Array.isArray(raw) ? raw : [raw]).map(scalar).filter((x): x is string => x !== undefined)
      const kind = k.toLowerCase()
      for (const s of list) {
        if (s === '*' && (kind === 'aws' || kind === 'federated')) set.wildcard = true
        else if (kind === 'aws') set.aws.push(s)
        else if (kind === 'federated') set.federated.push(s)
        else if (kind === 'service') set.service.push(s)
        else if (kind === 'canonicaluser') set.canonicalUser.push(s)
      }
    }
  } else throw badInput(`${where}: Principal must be "*", an ARN or {"AWS"|"Federated"|"Service": ...}`)
  return set
}

const strList = (v: unknown): string[] =>
  (Array.isArray(v) ? v : [v]).map(scalar).filter((x): x is string => x !== undefined)

const SUPPORTED = new Set([
  'StringEquals',
  'StringNotEquals',
  'StringEqualsIgnoreCase',
  'StringNotEqualsIgnoreCase',
  'StringLike',
  'StringNotLike',
  'ArnEquals',
  'ArnLike',
  'ArnNotEquals',
  'ArnNotLike',
  'Bool',
  'Null',
])

function conditions(v: unknown, where: string): ConditionClause[] {
  if (v === undefined || v === null) return []
  if (!isRecord(v)) throw badInput(`${where}: Condition must be an object like {"StringEquals": {"KEY": "VALUE"}}`)
  const out: ConditionClause[] = []
  for (const [operator, block] of Object.entries(v)) {
    if (!isRecord(block)) throw badInput(`${where}: Condition operator ${operator} must map condition keys to values`)
    let rest = operator
    let qualifier: ConditionClause['qualifier']
    const q = /^(ForAnyValue|ForAllValues):/i.exec(rest)
    if (q) {
      qualifier = q[1]!.toLowerCase() === 'foranyvalue' ? 'ForAnyValue' : 'ForAllValues'
      rest = rest.slice(q[0].length)
    }
    const ifExists = /IfExists$/i.test(rest)
    if (ifExists) rest = rest.slice(0, -'IfExists'.length)
    const base = [...SUPPORTED].find((s) => s.toLowerCase() === rest.toLowerCase()) ?? rest
    for (const [key, values] of Object.entries(block)) {
      out.push({
        base,
        ifExists,
        key,
        keyLower: key.toLowerCase(),
        negated: /^(String|Arn)Not/.test(base),
        operator,
        qualifier,
        supported: SUPPORTED.has(base),
        values: strList(values),
      })
    }
  }
  return out
}

/**
 * Parse a trust policy: an object, a JSON string or URL-encoded JSON. Statement may be one object or a list;
 * Action/NotAction a string or list. Throws EksauthError(BAD_INPUT) naming the fix.
 */
export function parseTrustPolicy(input: unknown, source = 'trust policy'): TrustPolicy {
  const doc = typeof input === 'string' ? decodePolicyDocument(input, source) : input
  if (!isRecord(doc)) throw badInput(`${source} is not a policy document: expected {"Version": ..., "Statement": [...]}`)
  const stmtKey = Object.keys(doc).find((k) => k.toLowerCase() === 'statement')
  const raw = stmtKey ? doc[stmtKey] : undefined
  if (raw === undefined) throw badInput(`${source} has no Statement: expected {"Version": "2012-10-17", "Statement": [...]}`)
  const list = Array.isArray(raw) ? raw : [raw]
  const statements = list.map((s, index): TrustStatement => {
    const where = `${source} Statement[${index}]`
    if (!isRecord(s)) throw badInput(`${where} is not an object: each statement needs Effect, Principal and Action`)
    const effect = scalar(s.Effect)
    if (effect !== 'Allow' && effect !== 'Deny') throw badInput(`${where}: Effect must be "Allow" or "Deny", not ${JSON.stringify(s.Effect)}`)
    const st: TrustStatement = {conditions: conditions(s.Condition, where), effect, index}
    if (typeof s.Sid === 'string' && s.Sid !== '') st.sid = s.Sid
    if (s.Principal !== undefined) st.principal = principalSet(s.Principal, where)
    if (s.NotPrincipal !== undefined) st.notPrincipal = principalSet(s.NotPrincipal, where)
    if (s.Action !== undefined) st.actions = strList(s.Action)
    if (s.NotAction !== undefined) st.notActions = strList(s.NotAction)
    if (!st.principal && !st.notPrincipal) throw badInput(`${where} has no Principal: a role trust policy names who may assume the role`)
    if (!st.actions && !st.notActions) throw badInput(`${where} has no Action: add "Action": "sts:AssumeRoleWithWebIdentity" (or sts:AssumeRole)`)
    return st
  })
  const version = scalar(doc.Version)
  return version === undefined ? {statements} : {statements, version}
}

/** Whether the statement's Action/NotAction covers `action` (case-insensitive globs, as IAM matches actions). */
export function actionMatches(st: Pick<TrustStatement, 'actions' | 'notActions'>, action: string): boolean {
  if (st.actions) return st.actions.some((p) => globMatch(p, action, true))
  if (st.notActions) return !st.notActions.some((p) => globMatch(p, action, true))
  return false
}

/** The caller as a trust policy sees it. */
export interface RequestPrincipal {
  federated?: string
  aws?: string
  service?: string
}

function inSet(set: PrincipalSet, who: RequestPrincipal): boolean {
  if (set.wildcard) return true
  const eq = (list: string[], v: string | undefined): boolean => v !== undefined && list.some((x) => x.toLowerCase() === v.toLowerCase())
  return eq(set.federated, who.federated) || eq(set.aws, who.aws) || eq(set.service, who.service)
}

/** Whether Principal / NotPrincipal of the statement names the caller. */
export function principalMatches(st: Pick<TrustStatement, 'principal' | 'notPrincipal'>, who: RequestPrincipal): boolean {
  if (st.principal) return inSet(st.principal, who)
  if (st.notPrincipal) return !inSet(st.notPrincipal, who)
  return false
}

/** Request context: lower-cased key -> values. A missing key is absent from the map. */
export type ConditionContext = Map<string, string[]>

function valueMatches(base: string, pattern: string, value: string): boolean {
  switch (base) {
    case 'StringEquals':
    case 'StringNotEquals':
    case 'ArnEquals':
    case 'ArnNotEquals':
      return pattern === value
    case 'StringEqualsIgnoreCase':
    case 'StringNotEqualsIgnoreCase':
    case 'Bool':
      return pattern.toLowerCase() === value.toLowerCase()
    case 'StringLike':
    case 'StringNotLike':
    case 'ArnLike':
    case 'ArnNotLike':
      return globMatch(pattern, value)
    default:
      return false
  }
}

/**
 * One condition key under one operator, IAM-style:
 * - plain: the (single) request value matches any listed value; negated: matches none. Missing key: false for
 *   positive operators, true for negated ones, true with IfExists.
 * - ForAnyValue: some request value satisfies it (missing key: false); ForAllValues: every request value does
 *   (missing key: true).
 * Unsupported operators evaluate to `unsupported` (default false).
 */
export function evaluateClause(c: ConditionClause, ctx: ConditionContext, unsupported = false): boolean {
  if (!c.supported) return unsupported
  const got = ctx.get(c.keyLower)
  if (c.base === 'Null') {
    const wantNull = c.values.some((v) => v.toLowerCase() === 'true')
    return wantNull === (got === undefined || got.length === 0)
  }
  const one = (v: string): boolean => {
    const hit = c.values.some((p) => valueMatches(c.base, p, v))
    return c.negated ? !hit : hit
  }
  if (got === undefined || got.length === 0) {
    if (c.ifExists) return true
    if (c.qualifier === 'ForAllValues') return true
    if (c.qualifier === 'ForAnyValue') return false
    return c.negated
  }
  if (c.qualifier === 'ForAllValues') return got.every(one)
  if (c.qualifier === 'ForAnyValue') return got.some(one)
  // a single-valued key used with a plain operator: IAM compares the one value
  return got.some(one)
}

/** All conditions of a statement (AND across operators and keys). */
export function evaluateConditions(cs: ConditionClause[], ctx: ConditionContext, unsupported = false): boolean {
  return cs.every((c) => evaluateClause(c, ctx, unsupported))
}

// ---------------------------------------------------------------------------------------------------------------
// OIDC provider ARN <-> issuer URL

/** DNS suffix of each partition's EKS OIDC issuers (`oidc.eks.REGION.SUFFIX/id/ID`). */
export const OIDC_SUFFIX_PARTITION: Record<string, string> = {
  'amazonaws.com': 'aws',
  'amazonaws.com.cn': 'aws-cn',
  'amazonaws.eu': 'aws-eusc',
  'c2s.ic.gov': 'aws-iso',
  'cloud.adc-e.uk': 'aws-iso-e',
  'csp.hci.ic.gov': 'aws-iso-f',
  'sc2s.sgov.gov': 'aws-iso-b',
}

const EKS_ISSUER = /^oidc\.eks\.([a-z0-9-]+)\.([a-z0-9.-]+)\/id\/([A-Za-z0-9]+)$/

/** The issuer without scheme and trailing slash, as it appears in the provider ARN and condition keys. */
export function issuerHostPath(issuer: string): string {
  return issuer.trim().replace(/^https:\/\//i, '').replace(/\/+$/, '')
}

export interface EksIssuer {
  region: string
  suffix: string
  partition: string
  id: string
}

/** Parse an EKS OIDC issuer (with or without https://); undefined for any other OIDC issuer. */
export function parseEksIssuer(issuer: string): EksIssuer | undefined {
  const m = EKS_ISSUER.exec(issuerHostPath(issuer))
  if (!m) return undefined
  const [, region, suffix, id] = m as unknown as [string, string, string, string]
  const base = OIDC_SUFFIX_PARTITION[suffix]
  if (!base) return undefined
  const partition = base === 'aws' && region.startsWith('us-gov-') ? 'aws-us-gov' : base
  return {id, partition, region, suffix}
}

export const isEksIssuer = (issuer: string): boolean => parseEksIssuer(issuer) !== undefined

/** `arn:aws:iam::ACCT:oidc-provider/HOST/PATH` -> `https://HOST/PATH`; undefined when not an OIDC provider ARN. */
export function oidcProviderArnToIssuer(arn: string): string | undefined {
  const m = /^arn:[^:]+:iam::[^:]*:oidc-provider\/(.+)$/.exec(arn.trim())
  return m ? `https://${m[1]!.replace(/\/+$/, '')}` : undefined
}

export interface OidcProviderArn {
  partition: string
  accountId: string
  issuer: string
}

export function parseOidcProviderArn(arn: string): OidcProviderArn | undefined {
  const m = /^arn:([^:]+):iam::([^:]*):oidc-provider\/(.+)$/.exec(arn.trim())
  return m ? {accountId: m[2]!, issuer: `https://${m[3]!.replace(/\/+$/, '')}`, partition: m[1]!} : undefined
}

/** The IAM OIDC provider ARN for an issuer in an account; the partition follows the issuer's domain and region. */
export function issuerToOidcProviderArn(issuer: string, accountId: string, partition?: string): string {
  const p = partition ?? parseEksIssuer(issuer)?.partition ?? 'aws'
  return `arn:${p}:iam::${accountId}:oidc-provider/${issuerHostPath(issuer)}`
}

/** Same issuer? Scheme and trailing slash ignored, compared case-insensitively (as IAM matches condition keys). */
export function sameIssuer(a: string, b: string): boolean {
  const split = (s: string): [string, string] => {
    const hp = issuerHostPath(s)
    const i = hp.indexOf('/')
    return i < 0 ? [hp.toLowerCase(), ''] : [hp.slice(0, i).toLowerCase(), hp.slice(i)]
  }
  const [ha, pa] = split(a)
  const [hb, pb] = split(b)
  return ha === hb && pa.toLowerCase() === pb.toLowerCase()
}
