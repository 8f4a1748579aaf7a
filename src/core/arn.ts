/**
 * IAM / STS ARNs exactly as aws-iam-authenticator reads them (eks-authentication.md B1-B6), plus the stricter
 * validation eksauth applies before it writes an ARN into aws-auth.
 */

/** B2: the partitions the authenticator recognises (case-sensitive). */
export const PARTITIONS = ['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'] as const
export type Partition = (typeof PARTITIONS)[number]

export interface ParsedArn {
  partition: string
  service: string
  region: string
  accountId: string
  resource: string
}

export type PrincipalKind = 'role' | 'user' | 'root' | 'assumed-role' | 'federated-user'

export interface CanonicalPrincipal {
  /** the ARN as given */
  arn: string
  parsed: ParsedArn
  kind: PrincipalKind
  /** B3: what the authenticator compares (before lower-casing, B6) */
  canonicalArn: string
  accountId: string
  /** assumed-role: the session name (last part); federated-user: the user name */
  sessionName?: string
  /** role / assumed-role: the role name including any path parts (`team/Admin` for `role/team/Admin`) */
  roleName?: string
}

export type ArnErrorCode =
  | 'invalid-prefix'
  | 'sections'
  | 'partition'
  | 'service'
  | 'resource'
  | 'assumed-role-no-role'

/** A typed ARN problem: what is wrong, and (when we can tell) the ARN that was meant. */
export class ArnError extends Error {
  readonly reason: ArnErrorCode
  readonly arn: string
  readonly suggestion?: string

  constructor(reason: ArnErrorCode, arn: string, message: string, suggestion?: string) {
    super(message)
    this.name = 'ArnError'
    this.reason = reason
    this.arn = arn
    this.suggestion = suggestion
  }
}

/** B1: `arn:` (lower-case) and six `:`-separated sections, the sixth may contain `:`. No other syntax check. */
export function parseArn(arn: string): ParsedArn {
  if (!arn.startsWith('arn:')) {
    const fixed = /^arn:/i.test(arn) ? 'arn:' + arn.slice(4) : undefined
    throw new ArnError(
      'invalid-prefix',
      arn,
      fixed
        ? `'${arn}' is not an ARN: ARNs start with lower-case "arn:"; use ${fixed}`
        : `'${arn}' is not an ARN: it must start with "arn:" (like arn:aws:iam::111122223333:role/Name)`,
      fixed,
    )
  }
  const parts = arn.split(':')
  if (parts.length < 6) {
    throw new ArnError(
      'sections',
      arn,
      `'${arn}' is not an ARN: it has ${parts.length} ':'-separated sections, an ARN has 6 (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)`,
    )
  }
  return {
    accountId: parts[4]!,
    partition: parts[1]!,
    region: parts[3]!,
    resource: parts.slice(5).join(':'),
    service: parts[2]!,
  }
}

function nearestPartition(p: string): string | undefined {
  const lower = p.toLowerCase()
  if ((PARTITIONS as readonly string[]).includes(lower)) return lower
  if (lower.startsWith('aws-us-gov') || lower === 'aws-gov' || lower === 'aws-govcloud') return 'aws-us-gov'
  if (lower.startsWith('aws-cn') || lower === 'aws-china') return 'aws-cn'
  return undefined
}

/**
 * B2-B4: validate an identity ARN and return the ARN the authenticator looks up.
 * sts assumed-role -> iam role (region and session dropped, case kept); iam role/user/root and sts federated-user
 * verbatim (paths kept).
 */
export function canonicalize(arn: string): CanonicalPrincipal {
  const parsed = parseArn(arn)
  if (!(PARTITIONS as readonly string[]).includes(parsed.partition)) {
    const near = nearestPartition(parsed.partition)
    const fixed = near ? ['arn', near, ...arn.split(':').slice(2)].join(':') : undefined
    throw new ArnError(
      'partition',
      arn,
      `arn '${arn}' does not have a recognized partition: '${parsed.partition}' is not one of ${PARTITIONS.join(', ')}` +
        (fixed ? `; did you mean ${fixed}?` : ''),
      fixed,
    )
  }
  const parts = parsed.resource.split('/')
  const type = parts[0]!
  const base = {accountId: parsed.accountId, arn, parsed}
  if (parsed.service === 'sts') {
    if (type === 'federated-user') {
      return {...base, canonicalArn: arn, kind: 'federated-user', sessionName: parts.slice(1).join('/')}
    }
    if (type === 'assumed-role') {
      if (parts.length < 3) {
        throw new ArnError(
          'assumed-role-no-role',
          arn,
          `assumed-role arn '${arn}' does not have a role: expected assumed-role/ROLE/SESSION`,
        )
      }
      const roleName = parts.slice(1, -1).join('/')
      const canonicalArn = `arn:${parsed.partition}:iam::${parsed.accountId}:role/${roleName}`
      return {...base, canonicalArn, kind: 'assumed-role', roleName, sessionName: parts.at(-1)}
    }
    throw new ArnError(
      'resource',
      arn,
      `unrecognized resource '${parsed.resource}' for service sts: only assumed-role/ROLE/SESSION and federated-user/NAME identify a caller`,
    )
  }
  if (parsed.service === 'iam') {
    if (type === 'role') return {...base, canonicalArn: arn, kind: 'role', roleName: parts.slice(1).join('/')}
    if (type === 'user') return {...base, canonicalArn: arn, kind: 'user'}
    if (type === 'root') return {...base, canonicalArn: arn, kind: 'root'}
    throw new ArnError(
      'resource',
      arn,
      `unrecognized resource '${parsed.resource}' for service iam: only role/, user/ and root identify a caller` +
        (type === 'group' ? ' (IAM groups cannot be mapped; map the users or, better, a role they assume)' : ''),
    )
  }
  throw new ArnError(
    'service',
    arn,
    `service '${parsed.service}' in arn '${arn}' is not a valid service for identities: use an iam role/user ARN or an sts assumed-role ARN`,
  )
}

/** B6: the key every mapper compares with. */
export const lookupKey = (canonicalArn: string): string => canonicalArn.toLowerCase()

/** B5: role/a/b/Name -> role/Name (not used by the EKS ConfigMap mapper, see D2; used for suggestions). */
export function stripPath(arn: string): string {
  const parsed = parseArn(arn)
  const parts = parsed.resource.split('/')
  if (parts.length <= 2 || (parts[0] !== 'role' && parts[0] !== 'user')) return arn
  return `arn:${parsed.partition}:${parsed.service}:${parsed.region}:${parsed.accountId}:${parts[0]}/${parts.at(-1)}`
}

/** The path of a role/user ARN: `/` when none, else `/a/b/`. */
export function iamPath(arn: string): string {
  const parts = parseArn(arn).resource.split('/')
  return parts.length <= 2 ? '/' : `/${parts.slice(1, -1).join('/')}/`
}

/** Last segment of a role/user resource: what GetRole/GetUser take. */
export function iamName(arn: string): string {
  return parseArn(arn).resource.split('/').at(-1) ?? ''
}

/** Does the ARN carry a path? (role/a/Name) — such aws-auth role entries never match (D2). */
export const hasPath = (arn: string): boolean => {
  try {
    return iamPath(arn) !== '/'
  } catch {
    return false
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Write-time validation: stricter than the authenticator, because what we write must be able to match.

const ACCOUNT = /^\d{12}$/
/** IAM role and user names: 1-64 of [\w+=,.@-] */
const IAM_NAME = /^[\w+=,.@-]{1,64}$/
/** IAM path segments */
const PATH_SEGMENT = /^[\u0021-\u002E\u0030-\u007E]+$/

export interface NormalisedPrincipal {
  /** the ARN to write into aws-auth */
  arn: string
  kind: 'role' | 'user' | 'root'
  /** every rewrite made to the input, one sentence each */
  notes: string[]
}

/**
 * Turns user input into the ARN eksauth writes for `map-role` / `map-user`, explaining each rewrite, or throws an
 * ArnError whose message names the fix. `expect` is the command's kind.
 */
export function normaliseForMapping(input: string, expect: 'role' | 'user'): NormalisedPrincipal {
  const raw = input
  if (raw !== raw.trim()) {
    throw new ArnError('resource', raw, `the ARN '${JSON.stringify(raw).slice(1, -1)}' has leading or trailing spaces; remove them`)
  }
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f]/.test(raw) || /[^\u0021-\u007e]/.test(raw)) {
    throw new ArnError(
      'resource',
      raw,
      `the ARN '${JSON.stringify(raw).slice(1, -1)}' contains spaces, control or non-ASCII characters (look-alike letters?); retype it`,
    )
  }
  const p = canonicalize(raw)
  const notes: string[] = []
  if (p.parsed.service === 'iam' && p.parsed.region !== '') {
    throw new ArnError('resource', raw, `IAM ARNs have no region: use arn:${p.parsed.partition}:iam::${p.accountId}:${p.parsed.resource}`)
  }
  if (!ACCOUNT.test(p.accountId)) {
    throw new ArnError('resource', raw, `account id '${p.accountId}' in '${raw}' is not 12 digits`)
  }
  let arn = p.canonicalArn
  let kind: NormalisedPrincipal['kind']
  switch (p.kind) {
    case 'assumed-role': {
      notes.push(`${raw} is an STS session ARN; mapping the role ${arn} instead (aws-auth never matches session ARNs, D2)`)
      kind = 'role'
      break
    }
    case 'federated-user': {
      throw new ArnError(
        'resource',
        raw,
        `'${raw}' is an STS federated-user session; aws-auth cannot map it durably: map the role or user behind it`,
      )
    }
    default: {
      kind = p.kind
    }
  }
  const resource = parseArn(arn).resource
  const parts = resource.split('/')
  if (kind !== 'root') {
    if (resource.endsWith('/')) {
      throw new ArnError('resource', raw, `'${raw}' ends with '/': the ${kind} name is missing`)
    }
    const name = parts.at(-1) ?? ''
    if (!IAM_NAME.test(name)) {
      throw new ArnError(
        'resource',
        raw,
        `'${name}' is not a valid IAM ${kind} name (1-64 letters, digits and +=,.@_-)`,
      )
    }
    for (const seg of parts.slice(1, -1)) {
      if (!PATH_SEGMENT.test(seg)) throw new ArnError('resource', raw, `the path of '${raw}' has an empty or invalid segment`)
    }
  } else if (resource !== 'root') {
    throw new ArnError('resource', raw, `'${raw}' is not a root ARN: use arn:${p.parsed.partition}:iam::${p.accountId}:root`)
  }
  if (expect === 'role' && kind !== 'role') {
    throw new ArnError(
      'resource',
      raw,
      `'${raw}' is an IAM ${kind === 'root' ? 'account root' : 'user'} ARN; use \`eksauth map-user --arn ${arn}\``,
    )
  }
  if (expect === 'user' && kind === 'role') {
    throw new ArnError('resource', raw, `'${raw}' is an IAM role ARN; use \`eksauth map-role --arn ${arn}\``)
  }
  if (kind === 'role' && parts.length > 2) {
    const stripped = stripPath(arn)
    notes.push(
      `${arn} has the path ${iamPath(arn)}; writing ${stripped}, because aws-auth compares the path-less role ARN that STS reports (D2)`,
    )
    arn = stripped
  }
  return {arn, kind, notes}
}
