/**
 * STS: GetCallerIdentity with the shared credentials (whoami), and replaying a token's presigned URL the way the
 * authenticator does (GET, header x-k8s-aws-id = cluster id, Accept: application/json), to ask STS who signed it.
 * AWS_ENDPOINT_URL_STS / AWS_ENDPOINT_URL redirect both (tests point them at moto).
 */
import type {CallerIdentityInfo} from '../../core/ports.js'
import {EksauthError, ExitCode} from '../../core/errors.js'
import {CLUSTER_ID_HEADER, type TokenReason, checkSignature, inspectToken, publicCheck, withSignature} from '../../core/identity/token.js'
import {
  type AwsOptions,
  type Credentials,
  awsCallError,
  baseCredentials,
  endpointOverride,
  quietSdk,
  resolveRegion,
  signingCredentials,
} from './credentials.js'
import {signatureRecomputer} from './token-signer.js'

/** sts:GetCallerIdentity with the shared credential provider (and --role-arn's session when given). */
export async function getCallerIdentity(opts: AwsOptions = {}): Promise<CallerIdentityInfo & {accessKeyId: string}> {
  const env = opts.env ?? process.env
  const {region} = resolveRegion(opts)
  const creds = opts.roleArn ? await signingCredentials(opts, region) : await baseCredentials(opts)
  quietSdk(env)
  const {GetCallerIdentityCommand, STSClient} = await import('@aws-sdk/client-sts')
  const endpoint = endpointOverride('sts', env)
  const client = new STSClient({credentials: creds, region: region ?? 'us-east-1', ...(endpoint ? {endpoint} : {})})
  try {
    const res = await client.send(new GetCallerIdentityCommand({}))
    return {accessKeyId: creds.accessKeyId, account: res.Account ?? '', arn: res.Arn ?? '', userId: res.UserId ?? ''}
  } catch (error) {
    throw awsCallError(error, 'sts:GetCallerIdentity failed', opts)
  } finally {
    client.destroy()
  }
}

// ---------------------------------------------------------------------------------------------------------------

export type ReplayResult =
  | {ok: true; status: number; identity: CallerIdentityInfo}
  | {ok: false; status: number; code: string; message: string}

/** Parse a GetCallerIdentity answer: the JSON STS sends for Accept: application/json, or the XML one. */
export function parseCallerIdentityResponse(body: string): CallerIdentityInfo | undefined {
  const text = body.trim()
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as {GetCallerIdentityResponse?: {GetCallerIdentityResult?: {Account?: string; Arn?: string; UserId?: string}}}
      const r = j.GetCallerIdentityResponse?.GetCallerIdentityResult
      if (r?.Arn) return {account: r.Account ?? '', arn: r.Arn, userId: r.UserId ?? ''}
    } catch {
      return undefined
    }
    return undefined
  }
  const tag = (name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(text)?.[1]
  const arn = tag('Arn')
  if (!/<GetCallerIdentityResult>/.test(text) || !arn) return undefined
  return {account: tag('Account') ?? '', arn: xmlText(arn), userId: xmlText(tag('UserId') ?? '')}
}

/** `{Error: {Code, Message}}` (JSON) or `<Error><Code>..</Code><Message>..</Message></Error>` (XML). */
export function parseStsError(body: string): {code: string; message: string} {
  const text = body.trim()
  if (text.startsWith('{')) {
    try {
      const j = JSON.parse(text) as {Error?: {Code?: string; Message?: string}}
      return {code: j.Error?.Code ?? 'Unknown', message: j.Error?.Message ?? ''}
    } catch {
      // fall through
    }
  }
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1]
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1]
  return {code: code ?? 'Unknown', message: xmlText(message ?? text.slice(0, 200))}
}

function xmlText(s: string): string {
  return s.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'").replace(/&amp;/g, '&')
}

/** Where the replay goes: the URL itself, or its path and query on the overriding endpoint. */
export function replayTarget(presignedUrl: string, endpoint: string | undefined): string {
  if (!endpoint) return presignedUrl
  const q = presignedUrl.indexOf('?')
  const query = q >= 0 ? presignedUrl.slice(q) : ''
  return endpoint.replace(/\/+$/, '') + '/' + query
}

/**
 * GET the presigned URL as the authenticator does. A non-200 answer is a verdict (ok: false, with STS's error code);
 * failing to reach STS at all is UNAVAILABLE. Redirects are not followed (the authenticator does not either).
 */
export async function replayPresignedUrl(
  presignedUrl: string,
  clusterId: string,
  opts: {endpoint?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number} = {},
): Promise<ReplayResult> {
  const endpoint = opts.endpoint ?? endpointOverride('sts', opts.env ?? process.env)
  const target = replayTarget(presignedUrl, endpoint)
  let res: Response
  try {
    res = await fetch(target, {
      headers: {accept: 'application/json', [CLUSTER_ID_HEADER]: clusterId},
      method: 'GET',
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs ?? 10_000),
    })
  } catch (error) {
    const host = new URL(target).host
    throw new EksauthError(`cannot reach STS at ${host}: ${(error as Error).message}`, {
      code: 'E_UNAVAILABLE',
      exit: ExitCode.UNAVAILABLE,
      suggestions: ['check network access to STS (proxy, VPC endpoint), or drop --sts to run the offline checks only'],
    })
  }
  const body = await res.text()
  if (res.status === 200) {
    const identity = parseCallerIdentityResponse(body)
    if (identity) return {identity, ok: true, status: 200}
    return {code: 'BadResponse', message: 'STS answered 200 without a GetCallerIdentityResult', ok: false, status: 200}
  }
  return {ok: false, status: res.status, ...parseStsError(body)}
}

// ---------------------------------------------------------------------------------------------------------------

/** What `token verify --json` prints: always these keys (null when the token could not be read that far). */
export interface TokenVerdict {
  valid: boolean
  reason: TokenReason | null
  message: string
  accessKeyId: string | null
  region: string | null
  stsHost: string | null
  signedAt: string | null
  expiresAt: string | null
  /** only with --sts */
  callerArn?: string | null
}

export interface VerifyTokenOptions extends AwsOptions {
  clusterId: string
  now?: Date
  /** recompute SigV4 with the local credentials */
  signature?: boolean
  /** replay the presigned URL to STS */
  sts?: boolean
}

/** Format checks (core), then optionally the signature (local credentials) and the STS replay, folded into one verdict. */
export async function verifyToken(token: string, opts: VerifyTokenOptions): Promise<TokenVerdict> {
  const inspected = inspectToken(token, {clusterId: opts.clusterId, now: opts.now})
  let check = publicCheck(inspected)
  const d = inspected.decoded
  if (opts.signature && d) {
    let creds: Credentials | undefined
    let why = 'no local AWS credentials'
    try {
      creds = await baseCredentials(opts)
    } catch (error) {
      why = `no local AWS credentials (${(error as Error).message})`
    }
    check = withSignature(check, await checkSignature(d, opts.clusterId, signatureRecomputer(creds, why)), opts.clusterId)
  }
  let callerArn: string | null = null
  if (opts.sts && d && check.valid) {
    const r = await replayPresignedUrl(d.url, opts.clusterId, {env: opts.env})
    if (r.ok) {
      callerArn = r.identity.arn
      check = {...check, message: `${check.message}; STS accepted it: ${r.identity.arn}`}
    } else {
      check = {
        ...check,
        message: `STS rejected the token (HTTP ${r.status} ${r.code}${r.message ? `: ${r.message}` : ''})`,
        reason: r.code === 'SignatureDoesNotMatch' ? 'bad-signature' : 'sts-rejected',
        valid: false,
      }
    }
  }
  return {
    valid: check.valid,
    reason: check.reason,
    message: check.message,
    accessKeyId: check.accessKeyId ?? null,
    region: check.region ?? null,
    stsHost: check.stsHost ?? null,
    signedAt: check.signedAt ?? null,
    expiresAt: check.expiresAt ?? null,
    ...(opts.sts ? {callerArn} : {}),
  }
}
