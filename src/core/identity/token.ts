/**
 * EKS bearer tokens (`k8s-aws-v1.` + base64url of a presigned STS GetCallerIdentity URL), pure: decoding, the
 * aws-iam-authenticator's server-side format checks in the order `Verify` runs them (pkg/token/token.go), the 15-minute
 * lifetime, the per-partition STS host rules (pkg/endpoints/partitions.go + the SDK's STS endpoint rules), the
 * ExecCredential a kubeconfig exec plugin prints, and redaction. No I/O, no SDK: SigV4 is injected.
 */
import {PARTITIONS, type Partition} from '../arn.js'

export const TOKEN_PREFIX = 'k8s-aws-v1.'
/** The authenticator rejects longer tokens (maxTokenLenBytes). */
export const MAX_TOKEN_BYTES = 4096
/** STS honours a presigned GetCallerIdentity URL for 15 minutes after X-Amz-Date, whatever X-Amz-Expires says. */
export const TOKEN_LIFETIME_MS = 15 * 60_000
/** What `aws eks get-token` and the authenticator put in expirationTimestamp: signing time + 14 minutes. */
export const EXEC_CREDENTIAL_LIFETIME_MS = 14 * 60_000
/** X-Amz-Expires as `aws eks get-token` sets it (ignored by STS; old authenticators wanted 0..60). */
export const PRESIGN_EXPIRES_SECONDS = 60
export const CLUSTER_ID_HEADER = 'x-k8s-aws-id'
export const STS_API_VERSION = '2011-06-15'
export const EXEC_CREDENTIAL_DEFAULT_API_VERSION = 'client.authentication.k8s.io/v1beta1'
export const EXEC_CREDENTIAL_API_VERSIONS = [
  'client.authentication.k8s.io/v1',
  'client.authentication.k8s.io/v1beta1',
  'client.authentication.k8s.io/v1alpha1',
] as const

/** One keyword per server check (in the order the authenticator runs them), plus eksauth's own checks. */
export const TOKEN_REASONS = [
  'too-large',
  'bad-prefix',
  'bad-base64',
  'bad-url',
  'bad-scheme',
  'bad-host',
  'bad-path',
  'malformed-query',
  'duplicate-param',
  'non-whitelisted-param',
  'multi-value-param',
  'bad-action',
  'missing-x-k8s-aws-id',
  'bad-expires',
  'missing-date',
  'bad-date',
  'expired',
  /** eksauth: the recomputed SigV4 (with the cluster id as x-k8s-aws-id) differs, or STS said SignatureDoesNotMatch */
  'bad-signature',
  /** eksauth --sts: STS answered with another error (ExpiredToken, InvalidClientTokenId, AccessDenied, ...) */
  'sts-rejected',
] as const
export type TokenReason = (typeof TOKEN_REASONS)[number]

/** The query parameters the authenticator lets through (compared lower-cased). */
export const PARAMETER_WHITELIST = new Set([
  'action',
  'version',
  'x-amz-algorithm',
  'x-amz-credential',
  'x-amz-date',
  'x-amz-expires',
  'x-amz-security-token',
  'x-amz-signature',
  'x-amz-signedheaders',
])

// ---------------------------------------------------------------------------------------------------------------
// Partitions and STS hosts

export interface StsPartitionInfo {
  /** what the authenticator's GetSTSPartitionDomain answers */
  domain: string
  /** GetSTSDualStackPartitionDomain; undefined where the authenticator accepts no dual-stack host */
  dualStackDomain?: string
  /** the SDK's dual-stack suffix (used to build candidate hosts; the domain check above still applies) */
  sdkDualStackDomain: string
  /** the SDK's region regex for the partition */
  regionRegex: RegExp
}

export const STS_PARTITIONS: Record<Partition, StsPartitionInfo> = {
  aws: {domain: 'amazonaws.com', dualStackDomain: 'api.aws', sdkDualStackDomain: 'api.aws', regionRegex: /^(us|eu|ap|sa|ca|me|af|il|mx)-\w+-\d+$/},
  'aws-cn': {
    domain: 'amazonaws.com.cn',
    dualStackDomain: 'api.amazonwebservices.com.cn',
    sdkDualStackDomain: 'api.amazonwebservices.com.cn',
    regionRegex: /^cn-\w+-\d+$/,
  },
  'aws-us-gov': {domain: 'amazonaws.com', dualStackDomain: 'api.aws', sdkDualStackDomain: 'api.aws', regionRegex: /^us-gov-\w+-\d+$/},
  'aws-iso': {domain: 'c2s.ic.gov', sdkDualStackDomain: 'api.aws.ic.gov', regionRegex: /^us-iso-\w+-\d+$/},
  'aws-iso-b': {domain: 'sc2s.sgov.gov', sdkDualStackDomain: 'api.aws.scloud', regionRegex: /^us-isob-\w+-\d+$/},
  'aws-iso-e': {domain: 'cloud.adc-e.uk', sdkDualStackDomain: 'api.cloud-aws.adc-e.uk', regionRegex: /^eu-isoe-\w+-\d+$/},
  'aws-iso-f': {domain: 'csp.hci.ic.gov', sdkDualStackDomain: 'api.aws.hci.ic.gov', regionRegex: /^us-isof-\w+-\d+$/},
  'aws-eusc': {
    domain: 'amazonaws.eu',
    dualStackDomain: 'api.amazonwebservices.eu',
    sdkDualStackDomain: 'api.amazonwebservices.eu',
    regionRegex: /^eusc-(de)-\w+-\d+$/,
  },
}

export const GLOBAL_STS_HOST = 'sts.amazonaws.com'

/** The partition the SDK's endpoint rules put a region in (unknown regions fall back to `aws`, as the SDK does). */
export function partitionOfRegion(region: string): Partition {
  for (const p of PARTITIONS) if (p !== 'aws' && STS_PARTITIONS[p].regionRegex.test(region)) return p
  return 'aws'
}

/** The regular STS host for a region: `sts.<region>.<partition domain>`. */
export function stsHostForRegion(region: string): string {
  return `sts.${region}.${STS_PARTITIONS[partitionOfRegion(region)].domain}`
}

/** Every host the SDK's STS endpoint rules resolve for a region (FIPS x dual-stack), as the authenticator enumerates. */
export function resolvedStsHosts(region: string): string[] {
  const p = partitionOfRegion(region)
  const info = STS_PARTITIONS[p]
  const hosts = [
    // FIPS, dual-stack
    `sts-fips.${region}.${info.sdkDualStackDomain}`,
    // FIPS only: GovCloud's FIPS endpoint is the plain host
    p === 'aws-us-gov' ? `sts.${region}.${info.domain}` : `sts-fips.${region}.${info.domain}`,
    // dual-stack only
    `sts.${region}.${info.sdkDualStackDomain}`,
    // plain
    region === 'aws-global' ? GLOBAL_STS_HOST : `sts.${region}.${info.domain}`,
  ]
  return [...new Set(hosts)]
}

/** The authenticator's getStsRegion: second label, `global` for sts.amazonaws.com. */
export function stsRegionOfHost(host: string): string | {error: string} {
  if (host === '') return {error: 'host is empty'}
  const parts = host.split('.')
  if (parts.length < 3) return {error: `invalid host format: ${host}`}
  if (host === GLOBAL_STS_HOST) return 'global'
  return parts[1] as string
}

const REGION_FORMAT = /^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?$/

/**
 * verifyHost/verifySTSHostnameFormat: is `host` an STS host the authenticator of `partition` accepts? Without a
 * partition (eksauth does not know the cluster's), the partition the SDK assigns to the host's region is assumed, so
 * every partition's hosts pass. The authenticator's last fallback (`sts.<its own region>.<domain>` for regions its SDK
 * does not know yet) needs the server's region and is not modelled: such regions fall back to `aws` like the SDK.
 */
export function checkStsHost(host: string, partition?: Partition): {ok: true; region: string; partition: Partition} | {ok: false; message: string} {
  const region = stsRegionOfHost(host)
  if (typeof region !== 'string') return {ok: false, message: `could not parse region for pre-signed URL host ${host}: ${region.error}`}
  if (region === 'global') {
    if ((partition ?? 'aws') === 'aws') return {ok: true, partition: 'aws', region}
    return {ok: false, message: `global endpoint unsupported in partition ${partition}`}
  }
  if (!REGION_FORMAT.test(region)) return {ok: false, message: `invalid region identifier format provided: ${region}`}
  if (!resolvedStsHosts(region).includes(host)) return {ok: false, message: `unexpected hostname "${host}" in pre-signed URL`}
  const p = partition ?? partitionOfRegion(region)
  const domain = host.split('.').slice(2).join('.')
  const info = STS_PARTITIONS[p]
  if (domain !== info.domain && domain !== info.dualStackDomain) {
    return {ok: false, message: `partition {${p}} does not support hostname ${host}`}
  }
  return {ok: true, partition: p, region}
}

// ---------------------------------------------------------------------------------------------------------------
// Go-compatible decoding helpers

/** Go's base64.RawURLEncoding.DecodeString: URL alphabet, no padding, CR/LF ignored, length % 4 != 1. */
export function decodeBase64UrlRaw(s: string): string | undefined {
  const clean = s.replace(/[\r\n]/g, '')
  if (!/^[A-Za-z0-9_-]*$/.test(clean) || clean.length % 4 === 1) return undefined
  return Buffer.from(clean, 'base64url').toString('utf8')
}

function goUnescape(s: string, query: boolean): string | undefined {
  if (/%(?![0-9A-Fa-f]{2})/.test(s)) return undefined
  const plus = query ? s.replace(/\+/g, ' ') : s
  // decode byte-wise so that invalid UTF-8 does not throw (Go keeps raw bytes)
  const bytes: number[] = []
  for (let i = 0; i < plus.length; i++) {
    const c = plus[i] as string
    if (c === '%') {
      bytes.push(Number.parseInt(plus.slice(i + 1, i + 3), 16))
      i += 2
    } else {
      for (const b of Buffer.from(c, 'utf8')) bytes.push(b)
    }
  }
  return Buffer.from(bytes).toString('utf8')
}

export interface GoUrl {
  scheme: string
  host: string
  path: string
  rawQuery: string
}

/** Enough of Go's net/url.Parse to fail where it fails and to yield the same scheme, host, path and raw query. */
export function parseGoUrl(raw: string): GoUrl | {error: string} {
  if (/[\u0000-\u001f\u007f]/.test(raw)) return {error: 'net/url: invalid control character in URL'}
  const hash = raw.indexOf('#')
  let rest = hash >= 0 ? raw.slice(0, hash) : raw
  if (hash >= 0 && goUnescape(raw.slice(hash + 1), false) === undefined) return {error: 'invalid URL escape in fragment'}
  let scheme = ''
  const m = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(rest)
  if (m) {
    scheme = (m[1] as string).toLowerCase()
    rest = rest.slice(m[0].length)
  } else if (rest.startsWith(':')) {
    return {error: 'missing protocol scheme'}
  }
  let rawQuery = ''
  const q = rest.indexOf('?')
  if (q >= 0) {
    rawQuery = rest.slice(q + 1)
    rest = rest.slice(0, q)
  }
  let host = ''
  if (rest.startsWith('//')) {
    const authEnd = rest.slice(2).search(/\//)
    const authority = authEnd >= 0 ? rest.slice(2, 2 + authEnd) : rest.slice(2)
    rest = authEnd >= 0 ? rest.slice(2 + authEnd) : ''
    const at = authority.lastIndexOf('@')
    host = at >= 0 ? authority.slice(at + 1) : authority
    if (at >= 0 && goUnescape(authority.slice(0, at), false) === undefined) return {error: 'invalid userinfo'}
    const portMatch = /:([^\]]*)$/.exec(host)
    if (portMatch && !host.startsWith('[') && !/^[0-9]*$/.test(portMatch[1] as string)) {
      return {error: `invalid port "${portMatch[0]}" after host`}
    }
    if (host.includes('%') && goUnescape(host, false) === undefined) return {error: 'invalid URL escape in host'}
  } else if (scheme === '' && /^[^/]*:/.test(rest)) {
    return {error: 'first path segment in URL cannot contain colon'}
  }
  const path = goUnescape(rest, false)
  if (path === undefined) return {error: 'invalid URL escape in path'}
  return {host, path, rawQuery, scheme}
}

/** Go's url.ParseQuery: `&`-separated, `;` is an error, `+` is a space; keys keep their first-seen order. */
export function parseGoQuery(rawQuery: string): {pairs: Array<[string, string]>; error?: string} {
  const pairs: Array<[string, string]> = []
  let error: string | undefined
  for (const part of rawQuery.split('&')) {
    if (part === '') continue
    if (part.includes(';')) {
      error ??= 'invalid semicolon separator in query'
      continue
    }
    const eq = part.indexOf('=')
    const k = goUnescape(eq >= 0 ? part.slice(0, eq) : part, true)
    const v = goUnescape(eq >= 0 ? part.slice(eq + 1) : '', true)
    if (k === undefined || v === undefined) {
      error ??= 'invalid URL escape in query'
      continue
    }
    pairs.push([k, v])
  }
  return error ? {error, pairs} : {pairs}
}

/** Go's strconv.Atoi, for X-Amz-Expires. */
function goAtoi(s: string): number | undefined {
  if (!/^[+-]?[0-9]+$/.test(s)) return undefined
  const n = Number(s)
  return Number.isSafeInteger(n) ? n : undefined
}

/** X-Amz-Date (`20060102T150405Z`), strictly, as Go's time.Parse does. */
export function parseAmzDate(s: string): Date | undefined {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(s)
  if (!m) return undefined
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number) as [number, number, number, number, number, number]
  const t = new Date(Date.UTC(y, mo - 1, d, h, mi, se))
  if (t.getUTCFullYear() !== y || t.getUTCMonth() !== mo - 1 || t.getUTCDate() !== d || h > 23 || mi > 59 || se > 59) return undefined
  return t
}

export function formatAmzDate(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')
}

/** RFC 3339 in UTC without fractional seconds, as the AWS CLI writes expirationTimestamp. */
export function rfc3339(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z')
}

// ---------------------------------------------------------------------------------------------------------------
// Verification

export interface DecodedToken {
  /** the presigned URL (contains the signature: never print it) */
  url: string
  scheme: string
  host: string
  path: string
  /** query parameters in URL order, decoded */
  query: Array<[string, string]>
  /** lower-cased keys */
  params: Map<string, string>
  /** region of the STS host (`global` for sts.amazonaws.com) */
  hostRegion: string
  /** region of the credential scope (what the signature is bound to) */
  scopeRegion?: string
  accessKeyId: string
  signedAt: Date
  expiresAt: Date
  signedHeaders: string[]
}

export interface TokenCheck {
  valid: boolean
  reason: TokenReason | null
  message: string
  accessKeyId?: string
  /** the signing region from X-Amz-Credential, else the STS host's region (`global` for sts.amazonaws.com) */
  region?: string
  stsHost?: string
  /** RFC 3339 */
  signedAt?: string
  /** RFC 3339: signedAt + 15 minutes */
  expiresAt?: string
  clusterId?: string
}

/** What a SigV4 recomputation needs; the adapter signs it with the secret of `accessKeyId`. */
export interface SignatureRequest {
  method: 'GET'
  protocol: string
  host: string
  path: string
  /** the token's query minus the X-Amz-* signing parameters (Action, Version) */
  query: Record<string, string>
  /** exactly the signed headers: host and x-k8s-aws-id = the cluster id */
  headers: Record<string, string>
  accessKeyId: string
  sessionToken?: string
  region: string
  service: string
  signingDate: Date
  expiresInSeconds: number
}

/** Returns the recomputed X-Amz-Signature, or `{unavailable}` when it cannot (e.g. no secret for that key id). */
export type SignatureRecomputer = (req: SignatureRequest) => Promise<string | {unavailable: string}>

export interface VerifyOptions {
  /** the cluster the token must be for (x-k8s-aws-id); needed for the signature check */
  clusterId?: string
  /** evaluate expiry at this instant (default: now) */
  now?: Date
  /** the server's partition; default: whichever partition the host belongs to */
  partition?: Partition
}

export type InspectResult = TokenCheck & {decoded?: DecodedToken}

function fail(reason: TokenReason, message: string, partial: Partial<TokenCheck> = {}): InspectResult {
  return {...partial, message, reason, valid: false}
}

/**
 * Every format check of the authenticator's `Verify`, in its order, up to (not including) the STS call. Decodable
 * fields are filled in as far as the token could be read.
 */
export function inspectToken(token: string, opts: VerifyOptions = {}): InspectResult {
  const now = opts.now ?? new Date()
  const base: Partial<TokenCheck> = opts.clusterId === undefined ? {} : {clusterId: opts.clusterId}
  if (Buffer.byteLength(token, 'utf8') > MAX_TOKEN_BYTES) {
    return fail('too-large', `token is too large (${Buffer.byteLength(token, 'utf8')} bytes, at most ${MAX_TOKEN_BYTES})`, base)
  }
  if (!token.startsWith(TOKEN_PREFIX)) return fail('bad-prefix', `token is missing the expected "${TOKEN_PREFIX}" prefix`, base)
  const url = decodeBase64UrlRaw(token.slice(TOKEN_PREFIX.length))
  if (url === undefined) return fail('bad-base64', 'token payload is not unpadded base64url', base)
  const u = parseGoUrl(url)
  if ('error' in u) return fail('bad-url', `token payload is not a URL: ${u.error}`, base)
  if (u.scheme !== 'https') return fail('bad-scheme', `unexpected scheme "${u.scheme}" in pre-signed URL (must be https)`, base)
  const withHost = {...base, stsHost: u.host}
  const hostCheck = checkStsHost(u.host, opts.partition)
  if (!hostCheck.ok) return fail('bad-host', hostCheck.message, withHost)
  const hostRegion = hostCheck.region
  if (u.path !== '/') return fail('bad-path', 'unexpected path in pre-signed URL (must be "/")', {...withHost, region: hostRegion})
  const q = parseGoQuery(u.rawQuery)
  const partial = {...withHost, region: hostRegion}
  if (q.error) return fail('malformed-query', `malformed query parameter: ${q.error}`, partial)

  // group like Go's url.Values: same exact key -> several values
  const groups = new Map<string, string[]>()
  for (const [k, v] of q.pairs) groups.set(k, [...(groups.get(k) ?? []), v])
  const seenLower = new Set<string>()
  for (const k of groups.keys()) {
    const lk = k.toLowerCase()
    if (seenLower.has(lk)) return fail('duplicate-param', `duplicate query parameter found: "${k}"`, partial)
    seenLower.add(lk)
  }
  const params = new Map<string, string>()
  for (const [k, values] of groups) {
    if (!PARAMETER_WHITELIST.has(k.toLowerCase())) return fail('non-whitelisted-param', `non-whitelisted query parameter "${k}"`, partial)
    if (values.length !== 1) return fail('multi-value-param', `query parameter "${k}" has ${values.length} values (one allowed)`, partial)
    params.set(k.toLowerCase(), values[0] as string)
  }

  const credential = params.get('x-amz-credential') ?? ''
  const credParts = credential.split('/')
  const accessKeyId = credParts[0] ?? ''
  const scopeRegion = credParts.length >= 5 && credParts[2] ? credParts[2] : undefined
  const informed = {...partial, accessKeyId, region: scopeRegion ?? hostRegion}

  if (params.get('action') !== 'GetCallerIdentity') {
    return fail('bad-action', `unexpected action parameter "${params.get('action') ?? ''}" in pre-signed URL (must be GetCallerIdentity)`, informed)
  }
  const signedHeaders = (params.get('x-amz-signedheaders') ?? '').split(';')
  if (!signedHeaders.some((h) => h.toLowerCase() === CLUSTER_ID_HEADER)) {
    return fail('missing-x-k8s-aws-id', `the client did not sign the ${CLUSTER_ID_HEADER} header (the cluster name) in the pre-signed URL`, informed)
  }
  const expiresRaw = params.get('x-amz-expires') ?? ''
  const expires = goAtoi(expiresRaw)
  if (expires === undefined || expires < 0 || expires > 900) {
    return fail('bad-expires', `invalid X-Amz-Expires parameter "${expiresRaw}" in pre-signed URL (0..900)`, informed)
  }
  const date = params.get('x-amz-date') ?? ''
  if (date === '') return fail('missing-date', 'X-Amz-Date parameter must be present in pre-signed URL', informed)
  const signedAt = parseAmzDate(date)
  if (!signedAt) return fail('bad-date', `cannot parse X-Amz-Date "${date}" (format yyyymmddThhmmssZ)`, informed)
  const expiresAt = new Date(signedAt.getTime() + TOKEN_LIFETIME_MS)
  const dated = {...informed, expiresAt: rfc3339(expiresAt), signedAt: rfc3339(signedAt)}
  if (now.getTime() > expiresAt.getTime()) {
    return fail('expired', `token expired at ${rfc3339(expiresAt)} (15 minutes after X-Amz-Date ${rfc3339(signedAt)}; X-Amz-Expires is ignored)`, dated)
  }
  const decoded: DecodedToken = {
    accessKeyId,
    expiresAt,
    host: u.host,
    hostRegion,
    params,
    path: u.path,
    query: q.pairs,
    scheme: u.scheme,
    scopeRegion,
    signedAt,
    signedHeaders,
    url,
  }
  const left = Math.floor((expiresAt.getTime() - now.getTime()) / 1000)
  return {
    ...dated,
    decoded,
    message: `token passes the authenticator's format checks; expires at ${rfc3339(expiresAt)} (${formatDuration(left)} left)`,
    reason: null,
    valid: true,
  }
}

function formatDuration(seconds: number): string {
  const m = Math.floor(seconds / 60)
  const s = seconds % 60
  return m > 0 ? `${m}m${String(s).padStart(2, '0')}s` : `${s}s`
}

/** Build the request whose SigV4 must equal the token's X-Amz-Signature when signed for `clusterId`. */
export function signatureRequestFor(d: DecodedToken, clusterId: string): SignatureRequest | {unavailable: string} {
  const signed = d.signedHeaders.map((h) => h.toLowerCase()).sort()
  if (signed.join(';') !== `host;${CLUSTER_ID_HEADER}`) {
    return {unavailable: `the token signs headers "${d.signedHeaders.join(';')}"; only host;${CLUSTER_ID_HEADER} can be recomputed`}
  }
  const cred = (d.params.get('x-amz-credential') ?? '').split('/')
  if (cred.length !== 5 || cred[3] !== 'sts' || cred[4] !== 'aws4_request') {
    return {unavailable: 'the X-Amz-Credential scope is not <key>/<date>/<region>/sts/aws4_request'}
  }
  if (d.params.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256') return {unavailable: 'the token is not signed with AWS4-HMAC-SHA256'}
  const query: Record<string, string> = {}
  for (const [k, v] of d.query) if (!k.toLowerCase().startsWith('x-amz-')) query[k] = v
  const sessionToken = d.params.get('x-amz-security-token')
  return {
    accessKeyId: d.accessKeyId,
    expiresInSeconds: Number(d.params.get('x-amz-expires')),
    headers: {[CLUSTER_ID_HEADER]: clusterId, host: d.host},
    host: d.host,
    method: 'GET',
    path: d.path,
    protocol: 'https:',
    query,
    region: cred[2] as string,
    service: 'sts',
    ...(sessionToken === undefined ? {} : {sessionToken}),
    signingDate: d.signedAt,
  }
}

export interface SignatureOutcome {
  checked: boolean
  matches?: boolean
  /** why it was not checked */
  note?: string
}

/** Recompute the signature with the injected signer and compare it with the token's. */
export async function checkSignature(d: DecodedToken, clusterId: string, recompute: SignatureRecomputer): Promise<SignatureOutcome> {
  const req = signatureRequestFor(d, clusterId)
  if ('unavailable' in req) return {checked: false, note: req.unavailable}
  const sig = await recompute(req)
  if (typeof sig !== 'string') return {checked: false, note: sig.unavailable}
  return {checked: true, matches: sig === (d.params.get('x-amz-signature') ?? '')}
}

/** Fold a signature outcome into a check result (an unchecked signature is not a failure of the token). */
export function withSignature(check: TokenCheck, outcome: SignatureOutcome, clusterId: string): TokenCheck {
  if (!check.valid) return check
  if (!outcome.checked) return {...check, message: `${check.message}; signature not checked: ${outcome.note}`}
  if (outcome.matches) return {...check, message: `${check.message}; SigV4 signature matches cluster id "${clusterId}"`}
  return {
    ...check,
    message: `SigV4 signature does not match when signed for cluster id "${clusterId}": the token was minted for another cluster name, or altered`,
    reason: 'bad-signature',
    valid: false,
  }
}

/** Strip `decoded` (which holds the full URL) before anything is rendered. */
export function publicCheck(r: InspectResult): TokenCheck {
  const {decoded: _decoded, ...rest} = r
  return rest
}

// ---------------------------------------------------------------------------------------------------------------
// ExecCredential

export interface ExecCredential {
  kind: 'ExecCredential'
  apiVersion: string
  spec: Record<string, never>
  status: {expirationTimestamp: string; token: string}
}

/**
 * The apiVersion to answer with: the one KUBERNETES_EXEC_INFO asks for when it is a known version, else v1beta1
 * (like `aws eks get-token`). `warning` says why the fallback was taken.
 */
export function execCredentialApiVersion(execInfo: string | undefined): {apiVersion: string; warning?: string} {
  if (!execInfo) return {apiVersion: EXEC_CREDENTIAL_DEFAULT_API_VERSION}
  let parsed: unknown
  try {
    parsed = JSON.parse(execInfo)
  } catch {
    return {apiVersion: EXEC_CREDENTIAL_DEFAULT_API_VERSION, warning: `cannot parse KUBERNETES_EXEC_INFO, answering ${EXEC_CREDENTIAL_DEFAULT_API_VERSION}`}
  }
  const v = parsed && typeof parsed === 'object' ? (parsed as {apiVersion?: unknown}).apiVersion : undefined
  if (typeof v === 'string' && (EXEC_CREDENTIAL_API_VERSIONS as readonly string[]).includes(v)) return {apiVersion: v}
  return {apiVersion: EXEC_CREDENTIAL_DEFAULT_API_VERSION, warning: `unknown apiVersion in KUBERNETES_EXEC_INFO, answering ${EXEC_CREDENTIAL_DEFAULT_API_VERSION}`}
}

/** The kubeconfig exec-plugin answer; expirationTimestamp = signing time + 14 minutes (a minute of cushion). */
export function buildExecCredential(token: string, signedAt: Date, apiVersion = EXEC_CREDENTIAL_DEFAULT_API_VERSION): ExecCredential {
  // key order as `aws eks get-token` prints it
  return {
    kind: 'ExecCredential',
    apiVersion,
    spec: {},
    status: {expirationTimestamp: rfc3339(new Date(signedAt.getTime() + EXEC_CREDENTIAL_LIFETIME_MS)), token},
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Minting helpers (pure parts)

/** The presigned query in the exact order `aws eks get-token` (botocore) writes it. */
export const PRESIGNED_QUERY_ORDER = [
  'Action',
  'Version',
  'X-Amz-Algorithm',
  'X-Amz-Credential',
  'X-Amz-Date',
  'X-Amz-Expires',
  'X-Amz-SignedHeaders',
  'X-Amz-Security-Token',
  'X-Amz-Signature',
] as const

/** RFC 3986 escaping as SigV4 and botocore do (only A-Z a-z 0-9 - _ . ~ stay literal). */
export function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)
}

/** Assemble the presigned URL from its parameters in AWS CLI order, and wrap it as a token. */
export function tokenFromPresignedQuery(host: string, query: Record<string, string>): string {
  const keys = [...PRESIGNED_QUERY_ORDER.filter((k) => k in query), ...Object.keys(query).filter((k) => !(PRESIGNED_QUERY_ORDER as readonly string[]).includes(k)).sort()]
  const qs = keys.map((k) => `${uriEscape(k)}=${uriEscape(query[k] as string)}`).join('&')
  return TOKEN_PREFIX + Buffer.from(`https://${host}/?${qs}`, 'utf8').toString('base64url')
}

/**
 * Regions `aws eks get-token` signs against the global endpoint (sts.amazonaws.com, scope us-east-1) when
 * sts_regional_endpoints / AWS_STS_REGIONAL_ENDPOINTS is `legacy` (botocore's legacy global list).
 */
export const LEGACY_GLOBAL_STS_REGIONS = new Set([
  'ap-northeast-1',
  'ap-south-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'aws-global',
  'ca-central-1',
  'eu-central-1',
  'eu-north-1',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-west-1',
  'us-west-2',
])

/** Which host and signing region `aws eks get-token` (AWS CLI v1) uses for a region. */
export function stsSigningTarget(region: string | undefined, regionalEndpoints: 'regional' | 'legacy' = 'regional'): {host: string; region: string} {
  if (!region || region === 'aws-global') return {host: GLOBAL_STS_HOST, region: 'us-east-1'}
  if (regionalEndpoints === 'legacy' && LEGACY_GLOBAL_STS_REGIONS.has(region)) return {host: GLOBAL_STS_HOST, region: 'us-east-1'}
  return {host: stsHostForRegion(region), region}
}

/** The cache key material of a minted token: one file per cluster, region, role, profile and base access key id. */
export function tokenCacheKey(parts: {clusterName: string; region: string; roleArn?: string; profile?: string; accessKeyId: string}, sha256Hex: (s: string) => string): string {
  return sha256Hex(JSON.stringify([parts.clusterName, parts.region, parts.roleArn ?? '', parts.profile ?? '', parts.accessKeyId]))
}

/** A cached token is served until a minute before its ExecCredential expiry (signing + 13 min). */
export function cachedTokenUsable(signedAt: Date, now: Date = new Date()): boolean {
  return now.getTime() < signedAt.getTime() + EXEC_CREDENTIAL_LIFETIME_MS - 60_000 && now.getTime() >= signedAt.getTime() - 5 * 60_000
}

// ---------------------------------------------------------------------------------------------------------------
// Redaction

/** `k8s-aws-v1.aHR0…[523 chars]`: enough to recognise a token, never enough to use it. */
export function redactToken(t: string): string {
  if (t.startsWith(TOKEN_PREFIX)) return `${TOKEN_PREFIX}${t.slice(TOKEN_PREFIX.length, TOKEN_PREFIX.length + 4)}…[${t.length} chars]`
  return `${t.slice(0, 4)}…[${t.length} chars]`
}

/** Signatures, secret keys, session tokens: a 4-character prefix (only when long) and the length. */
export function redactSecret(s: string): string {
  return s.length >= 16 ? `${s.slice(0, 4)}…[${s.length} chars]` : `…[${s.length} chars]`
}
