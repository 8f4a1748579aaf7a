/**
 * The one place that builds AWS SDK clients for IAM, EKS and STS API calls, and the one place that turns SDK errors
 * into EksauthError. SDK packages are loaded with `await import()` only when a client is first needed
 * (ecosystem.md finding 3); the types below are type-only imports.
 *
 * - Credentials: ONE provider per run, shared with the token code: `baseCredentialProvider` of ./credentials.js
 *   (static env keys when no profile is named, else `fromNodeProviderChain({profile})`, memoized per profile).
 * - Retries: `retryMode` adaptive and `maxAttempts` 5, unless AWS_RETRY_MODE / AWS_MAX_ATTEMPTS or the profile's
 *   retry_mode / max_attempts say otherwise.
 * - Endpoints: AWS_ENDPOINT_URL and AWS_ENDPOINT_URL_<SERVICE> are honoured by the SDK itself (tests point them at moto).
 * - Timeouts: 3 s to connect, 20 s per request (thrown, then retried), so a dead endpoint cannot hang the CLI.
 * - IAM is global: without a region it uses the partition's global region (us-east-1 for `aws`).
 */
import type {EKSClient} from '@aws-sdk/client-eks'
import type {IAMClient} from '@aws-sdk/client-iam'
import type {STSClient} from '@aws-sdk/client-sts'
import type {AwsCredentialIdentity, AwsCredentialIdentityProvider} from '@smithy/types'

import {EksauthError, ExitCode, type ExitCodeValue} from '../../core/errors.js'
import {baseCredentialProvider, credentialError, profileName, quietSdk, readProfileConfig, resolveRegion} from './credentials.js'

export interface AwsClientOptions {
  /** --profile (else AWS_PROFILE, else the default chain) */
  profile?: string
  /** --region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's region) */
  region?: string
  /** explicit credentials instead of the shared provider (tests, an assumed-role session) */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider
  /** explicit endpoint; normally left to AWS_ENDPOINT_URL[_SERVICE] */
  endpoint?: string
  env?: NodeJS.ProcessEnv
}

export const DEFAULT_MAX_ATTEMPTS = 5
export const CONNECTION_TIMEOUT_MS = 3000
export const REQUEST_TIMEOUT_MS = 20_000

/** Where each partition's global services (IAM) live. */
const GLOBAL_REGION: Record<string, string> = {
  aws: 'us-east-1',
  'aws-cn': 'cn-north-1',
  'aws-eusc': 'eusc-de-east-1',
  'aws-iso': 'us-iso-east-1',
  'aws-iso-b': 'us-isob-east-1',
  'aws-iso-e': 'eu-isoe-west-1',
  'aws-iso-f': 'us-isof-south-1',
  'aws-us-gov': 'us-gov-west-1',
}

export function globalRegion(partition = 'aws'): string {
  return GLOBAL_REGION[partition] ?? 'us-east-1'
}

/** The shared credential provider of this run (see the module comment), or the explicit credentials. */
export async function credentialProvider(opts: AwsClientOptions = {}): Promise<AwsCredentialIdentityProvider> {
  if (opts.credentials) {
    const c = opts.credentials
    return typeof c === 'function' ? c : async () => c
  }
  return baseCredentialProvider({env: opts.env, profile: opts.profile})
}

/** retryMode / maxAttempts: env first, then the profile, then adaptive / 5. */
export function retrySettings(opts: AwsClientOptions = {}): {retryMode: string; maxAttempts: number} {
  const env = opts.env ?? process.env
  const cfg = readProfileConfig(profileName({env, profile: opts.profile}), env)
  const attempts = Number(env.AWS_MAX_ATTEMPTS || cfg.max_attempts || DEFAULT_MAX_ATTEMPTS)
  return {
    maxAttempts: Number.isInteger(attempts) && attempts >= 1 ? attempts : DEFAULT_MAX_ATTEMPTS,
    retryMode: env.AWS_RETRY_MODE || cfg.retry_mode || 'adaptive',
  }
}

async function baseConfig(opts: AwsClientOptions, region: string) {
  const {maxAttempts, retryMode} = retrySettings(opts)
  return {
    credentials: await credentialProvider(opts),
    maxAttempts,
    region,
    requestHandler: {connectionTimeout: CONNECTION_TIMEOUT_MS, requestTimeout: REQUEST_TIMEOUT_MS, throwOnRequestTimeout: true},
    retryMode,
    ...(opts.endpoint ? {endpoint: opts.endpoint} : {}),
  }
}

/** stderr gets one line per retry the SDK is about to make (retries must be visible), never a secret. */
export const retryNotice = (service: string, command: string, error: unknown, attempt: number, max: number): string => {
  const e = shape(error)
  return `retry: ${service}:${command.replace(/Command$/, '')}: ${e.name ?? e.code ?? 'error'} (${safeMessage(error)}); retrying (attempt ${attempt + 1} of ${max})`
}

interface WithStack {
  middlewareStack: {add(mw: unknown, opts: {name: string; priority: 'low'; step: 'finalizeRequest'}): void}
}

/** Per attempt (inside the SDK's retry middleware): a notice when a retryable failure will be retried. */
function withRetryNotices<T>(client: T, service: string): T {
  ;(client as unknown as WithStack).middlewareStack.add(
    (next: (a: unknown) => Promise<unknown>, context: {commandName?: string}) => async (args: {request?: {headers?: Record<string, string>}}) => {
      try {
        return await next(args)
      } catch (error) {
        const m = /attempt=(\d+); max=(\d+)/.exec(args.request?.headers?.['amz-sdk-request'] ?? '')
        const kind = classifyAwsError(error)
        if (m && Number(m[1]) < Number(m[2]) && (kind === 'throttled' || kind === 'server' || kind === 'network')) {
          process.stderr.write(`${retryNotice(service, context.commandName ?? 'call', error, Number(m[1]), Number(m[2]))}\n`)
        }
        throw error
      }
    },
    {name: 'eksauthRetryNotice', priority: 'low', step: 'finalizeRequest'},
  )
  return client
}

const cache = new Map<string, {destroy(): void}>()

function cacheKey(service: string, opts: AwsClientOptions, region: string): string | undefined {
  // explicit credentials or endpoints make a one-off client
  if (opts.credentials || opts.endpoint || opts.env) return undefined
  return `${service}|${opts.profile ?? ''}|${region}`
}

async function cached<T extends {destroy(): void}>(key: string | undefined, make: () => Promise<T>): Promise<T> {
  const hit = key ? (cache.get(key) as T | undefined) : undefined
  if (hit) return hit
  const client = await make()
  if (key) cache.set(key, client)
  return client
}

/** Destroy every cached client (tests; a long-running caller). */
export function resetAwsClients(): void {
  for (const c of cache.values()) c.destroy()
  cache.clear()
}

/** IAM (global): the given region, else the global region of `partition` (the ARNs' partition). */
export async function iamClient(opts: AwsClientOptions = {}, partition?: string): Promise<IAMClient> {
  quietSdk(opts.env)
  const region = resolveRegion({env: opts.env, profile: opts.profile, region: opts.region}).region ?? globalRegion(partition)
  return cached(cacheKey('iam', opts, region), async () => {
    const {IAMClient} = await import('@aws-sdk/client-iam')
    return withRetryNotices(new IAMClient(await baseConfig(opts, region)), 'iam')
  })
}

/** STS: the resolved region, else us-east-1. */
export async function stsClient(opts: AwsClientOptions = {}): Promise<STSClient> {
  quietSdk(opts.env)
  const region = resolveRegion({env: opts.env, profile: opts.profile, region: opts.region}).region ?? 'us-east-1'
  return cached(cacheKey('sts', opts, region), async () => {
    const {STSClient} = await import('@aws-sdk/client-sts')
    return withRetryNotices(new STSClient(await baseConfig(opts, region)), 'sts')
  })
}

/** EKS is regional: no region is BAD_INPUT with the fix. */
export async function eksClient(opts: AwsClientOptions = {}): Promise<EKSClient> {
  quietSdk(opts.env)
  const region = resolveRegion({env: opts.env, profile: opts.profile, region: opts.region}).region
  if (!region) {
    throw new EksauthError('no AWS region for EKS: the cluster lives in one region', {
      code: 'E_NO_REGION',
      exit: ExitCode.BAD_INPUT,
      suggestions: ['pass --region REGION (or set AWS_REGION, or `region` in the profile)'],
    })
  }
  return cached(cacheKey('eks', opts, region), async () => {
    const {EKSClient} = await import('@aws-sdk/client-eks')
    return withRetryNotices(new EKSClient(await baseConfig(opts, region)), 'eks')
  })
}

// ---------------------------------------------------------------------------------------------------------------
// Errors

export type AwsErrorKind = 'credentials' | 'denied' | 'not-found' | 'throttled' | 'network' | 'server' | 'region' | 'invalid' | 'other'

const CREDENTIAL_NAMES = new Set([
  'CredentialsProviderError',
  'TokenProviderError',
  'ExpiredToken',
  'ExpiredTokenException',
  'InvalidClientTokenId',
  'UnrecognizedClientException',
  'InvalidAccessKeyId',
  'SignatureDoesNotMatch',
  'InvalidSignatureException',
  'IncompleteSignature',
  'MissingAuthenticationToken',
  'MissingAuthenticationTokenException',
  'AuthFailure',
  'InvalidToken',
])
const DENIED_NAMES = new Set(['AccessDenied', 'AccessDeniedException', 'UnauthorizedOperation', 'UnauthorizedException', 'NotAuthorized'])
const NOT_FOUND_NAMES = new Set(['NoSuchEntity', 'NoSuchEntityException', 'ResourceNotFoundException', 'NotFoundException'])
const THROTTLING_NAMES = new Set([
  'Throttling',
  'ThrottlingException',
  'ThrottledException',
  'TooManyRequestsException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
  'LimitExceededException',
  'PriorRequestNotComplete',
])
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'ERR_SOCKET_CONNECTION_TIMEOUT'])
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'AbortError'])

interface SdkErrorShape {
  name?: string
  Code?: string
  code?: string
  errno?: string
  message?: string
  $fault?: string
  $metadata?: {httpStatusCode?: number; attempts?: number}
  cause?: unknown
}

function shape(error: unknown): SdkErrorShape {
  return typeof error === 'object' && error !== null ? (error as SdkErrorShape) : {message: String(error)}
}

/** What kind of failure an SDK error is. */
export function classifyAwsError(error: unknown): AwsErrorKind {
  const e = shape(error)
  const name = String(e.name ?? '')
  const code = String(e.Code ?? e.code ?? '')
  const message = String(e.message ?? '')
  const status = e.$metadata?.httpStatusCode
  const cause = e.cause ? shape(e.cause) : undefined
  if (CREDENTIAL_NAMES.has(name) || CREDENTIAL_NAMES.has(code)) return 'credentials'
  if (/Could not load credentials|SSO session .*(expired|invalid)|Token is expired|refresh.*SSO|credentials? (is|are) (missing|expired)/i.test(message)) return 'credentials'
  if (DENIED_NAMES.has(name) || DENIED_NAMES.has(code)) return 'denied'
  if (THROTTLING_NAMES.has(name) || THROTTLING_NAMES.has(code) || status === 429) return 'throttled'
  if (NOT_FOUND_NAMES.has(name) || NOT_FOUND_NAMES.has(code)) return 'not-found'
  if (/Region is missing|Invalid region/i.test(message)) return 'region'
  if (
    NETWORK_CODES.has(code) ||
    NETWORK_CODES.has(String(e.errno ?? '')) ||
    NETWORK_NAMES.has(name) ||
    (cause && (NETWORK_CODES.has(String(cause.code ?? '')) || NETWORK_NAMES.has(String(cause.name ?? '')))) ||
    /socket hang up|connect ECONNREFUSED|getaddrinfo|timed out/i.test(message)
  ) {
    return 'network'
  }
  if (status === 403) return 'denied'
  if (e.$fault === 'server' || (status !== undefined && status >= 500)) return 'server'
  if (status === 404) return 'not-found'
  if (e.$fault === 'client' && status !== undefined && status >= 400 && status < 500) return 'invalid'
  return 'other'
}

const SECRETS: RegExp[] = [
  /(X-Amz-(?:Signature|Security-Token|Credential)|SecretAccessKey|aws_secret_access_key|aws_session_token|SessionToken|sessionToken|secretAccessKey)(["']?\s*[=:]\s*["']?)[^\s&"',;]+/gi,
  /(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/g, // a secret access key's shape
]

/** The first line of an error message, at most 300 characters, with anything that looks like a secret removed. */
export function safeMessage(error: unknown): string {
  let text = String(shape(error).message ?? error).split('\n')[0]!.trim()
  text = text.replace(SECRETS[0]!, '$1$2[redacted]').replace(SECRETS[1]!, '[redacted]')
  return text.length > 300 ? `${text.slice(0, 297)}...` : text
}

export interface AwsErrorContext {
  /** the IAM action, e.g. `iam:GetRole`: named in AccessDenied messages */
  action: string
  /** what it was about: `role Admin`, `cluster prod` */
  resource?: string
  profile?: string
  env?: NodeJS.ProcessEnv
}

function fail(message: string, code: string, exit: ExitCodeValue, suggestions: string[], details?: unknown): EksauthError {
  return new EksauthError(message, {code, details, exit, suggestions})
}

/**
 * The one SDK-error -> EksauthError mapping:
 * credentials missing/expired/invalid -> NOT_AUTHORIZED (`aws sso login --profile X`, or AWS_PROFILE);
 * AccessDenied -> NOT_AUTHORIZED naming the action; throttling after retries, network, timeouts, 5xx -> UNAVAILABLE;
 * not found -> NOT_FOUND; no region / a rejected request -> BAD_INPUT. Messages never carry secrets (safeMessage).
 */
export function awsError(error: unknown, ctx: AwsErrorContext): EksauthError {
  if (error instanceof EksauthError) return error
  const kind = classifyAwsError(error)
  const e = shape(error)
  const msg = safeMessage(error)
  const on = ctx.resource ? ` (${ctx.resource})` : ''
  const attempts = e.$metadata?.attempts
  const details = {action: ctx.action, kind, name: e.name, status: e.$metadata?.httpStatusCode}
  switch (kind) {
    case 'credentials': {
      const c = credentialError({message: msg, name: e.name}, {env: ctx.env, profile: ctx.profile})
      const profile = profileName({env: ctx.env, profile: ctx.profile})
      const suggestions = [...c.suggestions]
      if (!suggestions.some((s) => s.includes('AWS_PROFILE'))) suggestions.push('or set AWS_PROFILE to a profile with valid credentials')
      return fail(`${ctx.action}${on}: ${c.message}`, 'E_CREDENTIALS', ExitCode.NOT_AUTHORIZED, suggestions, {...details, profile})
    }
    case 'denied': {
      return fail(`${ctx.action}${on} was denied: ${msg}`, 'E_ACCESS_DENIED', ExitCode.NOT_AUTHORIZED, [
        `allow ${ctx.action} for the identity \`aws sts get-caller-identity\` reports, or use a profile that has it`,
      ], details)
    }
    case 'throttled': {
      return fail(`${ctx.action}${on}: AWS is throttling requests${attempts ? ` (gave up after ${attempts} attempts)` : ''}: ${msg}`, 'E_THROTTLED', ExitCode.UNAVAILABLE, [
        'retry in a minute, or raise AWS_MAX_ATTEMPTS',
      ], details)
    }
    case 'network': {
      return fail(`${ctx.action}${on}: cannot reach AWS${attempts ? ` (${attempts} attempts)` : ''}: ${msg}`, 'E_UNAVAILABLE', ExitCode.UNAVAILABLE, [
        'check network access to AWS (proxy, VPC endpoint, AWS_ENDPOINT_URL) and retry',
      ], details)
    }
    case 'server': {
      return fail(`${ctx.action}${on}: AWS failed${attempts ? ` after ${attempts} attempts` : ''}: ${msg}`, 'E_UNAVAILABLE', ExitCode.UNAVAILABLE, ['retry later'], details)
    }
    case 'not-found': {
      return fail(`${ctx.action}${on}: not found: ${msg}`, 'E_NOT_FOUND', ExitCode.NOT_FOUND, [], details)
    }
    case 'region': {
      return fail(`${ctx.action}${on}: no usable AWS region: ${msg}`, 'E_NO_REGION', ExitCode.BAD_INPUT, ['pass --region REGION (or set AWS_REGION)'], details)
    }
    case 'invalid': {
      return fail(`${ctx.action}${on} was rejected: ${msg}`, 'E_AWS_REQUEST', ExitCode.BAD_INPUT, [], details)
    }
    default: {
      return fail(`${ctx.action}${on} failed: ${msg}`, 'E_UNAVAILABLE', ExitCode.UNAVAILABLE, [], details)
    }
  }
}
