/**
 * AWS credentials, region and endpoints for every AWS call eksauth makes. One memoized credential provider per
 * process (profile chain, optionally behind an STS AssumeRole like `aws eks get-token --role-arn`). SDK packages are
 * imported dynamically, only when needed: with static env keys and no profile, no SDK code is loaded at all.
 */
import {readFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

import type {AwsCredentialIdentity, AwsCredentialIdentityProvider} from '@smithy/types'

import {EksauthError, ExitCode} from '../../core/errors.js'

export interface AwsOptions {
  /** --profile (else AWS_PROFILE, else default) */
  profile?: string
  /** --region */
  region?: string
  /** --role-arn: sign with this role's session, assumed through STS */
  roleArn?: string
  /** RoleSessionName for --role-arn (the AWS CLI uses EKSGetTokenAuth) */
  roleSessionName?: string
  env?: NodeJS.ProcessEnv
}

export type Credentials = AwsCredentialIdentity

/** Must run before the first SDK client is built (ecosystem.md finding 1). */
export function quietSdk(env: NodeJS.ProcessEnv = process.env): void {
  env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true'
}

export function profileName(opts: AwsOptions): string {
  const env = opts.env ?? process.env
  return opts.profile ?? env.AWS_PROFILE ?? env.AWS_DEFAULT_PROFILE ?? 'default'
}

// ---------------------------------------------------------------------------------------------------------------
// ~/.aws/config

/** The `[profile X]` (or `[default]`) section of the shared config file, keys lower-cased. */
export function readProfileConfig(profile: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const file = env.AWS_CONFIG_FILE ?? join(homedir(), '.aws', 'config')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch {
    return {}
  }
  return parseProfileSection(text, profile)
}

export function parseProfileSection(text: string, profile: string): Record<string, string> {
  const out: Record<string, string> = {}
  let inSection = false
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.replace(/^\s+|\s+$/g, '')
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue
    const sec = /^\[\s*(.+?)\s*\]$/.exec(line)
    if (sec) {
      const name = (sec[1] as string).replace(/^profile\s+/, '')
      inSection = name === profile
      continue
    }
    if (!inSection || /^\s/.test(raw)) continue
    const eq = line.indexOf('=')
    if (eq > 0) out[line.slice(0, eq).trim().toLowerCase()] = line.slice(eq + 1).trim()
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// Region and endpoints

export type RegionSource = 'flag' | 'AWS_REGION' | 'AWS_DEFAULT_REGION' | 'profile' | 'none'

/** --region, AWS_REGION, AWS_DEFAULT_REGION, then the profile's `region`. */
export function resolveRegion(opts: AwsOptions): {region?: string; source: RegionSource} {
  const env = opts.env ?? process.env
  if (opts.region) return {region: opts.region, source: 'flag'}
  if (env.AWS_REGION) return {region: env.AWS_REGION, source: 'AWS_REGION'}
  if (env.AWS_DEFAULT_REGION) return {region: env.AWS_DEFAULT_REGION, source: 'AWS_DEFAULT_REGION'}
  const fromProfile = readProfileConfig(profileName(opts), env).region
  return fromProfile ? {region: fromProfile, source: 'profile'} : {source: 'none'}
}

/** AWS_STS_REGIONAL_ENDPOINTS or the profile's sts_regional_endpoints (AWS CLI v1 default: regional). */
export function stsRegionalEndpoints(opts: AwsOptions): 'regional' | 'legacy' {
  const env = opts.env ?? process.env
  const v = (env.AWS_STS_REGIONAL_ENDPOINTS ?? readProfileConfig(profileName(opts), env).sts_regional_endpoints ?? '').toLowerCase()
  return v === 'legacy' ? 'legacy' : 'regional'
}

/** AWS_ENDPOINT_URL_<SERVICE> or AWS_ENDPOINT_URL (tests point these at moto). */
export function endpointOverride(service: 'sts' | 'iam' | 'eks', env: NodeJS.ProcessEnv = process.env): string | undefined {
  return env[`AWS_ENDPOINT_URL_${service.toUpperCase()}`] || env.AWS_ENDPOINT_URL || undefined
}

// ---------------------------------------------------------------------------------------------------------------
// Credentials

const providers = new Map<string, AwsCredentialIdentityProvider>()

/** The shared base provider (no --role-arn): env keys directly when no profile is named, else the node chain. */
export async function baseCredentialProvider(opts: AwsOptions = {}): Promise<AwsCredentialIdentityProvider> {
  const env = opts.env ?? process.env
  const named = opts.profile ?? env.AWS_PROFILE
  const key = `base:${named ?? ''}`
  const cached = providers.get(key)
  if (cached) return cached
  let provider: AwsCredentialIdentityProvider
  if (!named && env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY) {
    // exactly the first link of the default chain (fromEnv), without loading it
    const creds: AwsCredentialIdentity = {
      accessKeyId: env.AWS_ACCESS_KEY_ID,
      secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
      ...(env.AWS_SESSION_TOKEN ? {sessionToken: env.AWS_SESSION_TOKEN} : {}),
      ...(env.AWS_CREDENTIAL_EXPIRATION ? {expiration: new Date(env.AWS_CREDENTIAL_EXPIRATION)} : {}),
    }
    provider = async () => creds
  } else {
    quietSdk(env)
    const {fromNodeProviderChain} = await import('@aws-sdk/credential-providers')
    provider = fromNodeProviderChain(named ? {profile: named} : {})
  }
  providers.set(key, provider)
  return provider
}

/** Resolve base credentials, turning every failure into NOT_AUTHORIZED with a one-line fix. */
export async function baseCredentials(opts: AwsOptions = {}): Promise<Credentials> {
  const provider = await baseCredentialProvider(opts)
  try {
    const creds = await provider()
    if (creds.expiration && creds.expiration.getTime() <= Date.now()) throw new Error('the credentials have expired')
    return creds
  } catch (error) {
    throw credentialError(error, opts)
  }
}

/** Credentials to sign with: the base ones, or --role-arn's session (AssumeRole, like the AWS CLI). */
export async function signingCredentials(opts: AwsOptions, region: string | undefined): Promise<Credentials> {
  const base = await baseCredentials(opts)
  if (!opts.roleArn) return base
  return assumeRole(base, opts.roleArn, region, opts)
}

export async function assumeRole(base: Credentials, roleArn: string, region: string | undefined, opts: AwsOptions = {}): Promise<Credentials> {
  const env = opts.env ?? process.env
  quietSdk(env)
  const {AssumeRoleCommand, STSClient} = await import('@aws-sdk/client-sts')
  const endpoint = endpointOverride('sts', env)
  const client = new STSClient({credentials: base, region: region ?? 'us-east-1', ...(endpoint ? {endpoint} : {})})
  try {
    const res = await client.send(new AssumeRoleCommand({RoleArn: roleArn, RoleSessionName: opts.roleSessionName ?? 'EKSGetTokenAuth'}))
    const c = res.Credentials
    if (!c?.AccessKeyId || !c.SecretAccessKey) throw new Error('AssumeRole returned no credentials')
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      ...(c.SessionToken ? {sessionToken: c.SessionToken} : {}),
      ...(c.Expiration ? {expiration: new Date(c.Expiration)} : {}),
    }
  } catch (error) {
    throw awsCallError(error, `cannot assume role ${roleArn}`, opts)
  } finally {
    client.destroy()
  }
}

function errText(error: unknown): {name: string; message: string} {
  const e = error as {name?: string; message?: string; Code?: string}
  return {message: String(e?.message ?? error), name: String(e?.name ?? e?.Code ?? '')}
}

/** Missing, expired or unusable credentials: NOT_AUTHORIZED with the command that fixes it. */
export function credentialError(error: unknown, opts: AwsOptions): EksauthError {
  if (error instanceof EksauthError) return error
  const {message} = errText(error)
  const profile = profileName(opts)
  const cfg = readProfileConfig(profile, opts.env ?? process.env)
  const sso = Boolean(cfg.sso_session || cfg.sso_start_url) || /sso|token is expired|refresh/i.test(message)
  const flag = profile === 'default' ? '' : ` --profile ${profile}`
  if (sso) {
    return new EksauthError(`AWS SSO credentials for profile "${profile}" are missing or expired (${oneLine(message)})`, {
      code: 'E_CREDENTIALS',
      exit: ExitCode.NOT_AUTHORIZED,
      suggestions: [`aws sso login${flag}`],
    })
  }
  if (/expired/i.test(message)) {
    return new EksauthError(`AWS credentials for profile "${profile}" have expired (${oneLine(message)})`, {
      code: 'E_CREDENTIALS',
      exit: ExitCode.NOT_AUTHORIZED,
      suggestions: ['refresh them (re-export AWS_* variables or re-run your credential helper), then retry'],
    })
  }
  return new EksauthError(`no usable AWS credentials (profile "${profile}"): ${oneLine(message)}`, {
    code: 'E_CREDENTIALS',
    exit: ExitCode.NOT_AUTHORIZED,
    suggestions: [`aws configure${flag}  (or export AWS_PROFILE / AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)`],
  })
}

/** An error from an AWS API call: 401/403 and credential codes -> NOT_AUTHORIZED, network and 5xx -> UNAVAILABLE. */
export function awsCallError(error: unknown, what: string, opts: AwsOptions = {}): EksauthError {
  if (error instanceof EksauthError) return error
  const {message, name} = errText(error)
  const status = (error as {$metadata?: {httpStatusCode?: number}})?.$metadata?.httpStatusCode
  if (/CredentialsProviderError|ExpiredToken|InvalidClientTokenId|UnrecognizedClient|SignatureDoesNotMatch/.test(name) || /credentials/i.test(name)) {
    const e = credentialError(error, opts)
    return new EksauthError(`${what}: ${e.message}`, {code: e.code, exit: e.exit, suggestions: e.suggestions})
  }
  if (status === 401 || status === 403 || /AccessDenied/.test(name)) {
    return new EksauthError(`${what}: ${name || 'AccessDenied'}: ${oneLine(message)}`, {
      code: 'E_NOT_AUTHORIZED',
      exit: ExitCode.NOT_AUTHORIZED,
      suggestions: ['check that the principal may call this API (IAM policy / role trust policy)'],
    })
  }
  return new EksauthError(`${what}: ${oneLine(message)}`, {
    code: 'E_UNAVAILABLE',
    exit: ExitCode.UNAVAILABLE,
    suggestions: ['check network access to AWS (proxy, VPC endpoint, AWS_ENDPOINT_URL) and retry'],
  })
}

function oneLine(s: string): string {
  return s.split('\n')[0]!.slice(0, 300)
}
