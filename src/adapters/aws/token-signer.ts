/**
 * Mints EKS tokens exactly like `aws eks get-token` (AWS CLI v1): a SigV4-presigned GET of
 * https://sts.<region>.amazonaws.com/?Action=GetCallerIdentity&Version=2011-06-15 with the signed header
 * x-k8s-aws-id = cluster name and X-Amz-Expires=60, query in botocore's order. Also recomputes a token's signature
 * (token verify --verify-signature) and keeps the optional on-disk token cache. @smithy/* is loaded dynamically.
 */
import {createHash} from 'node:crypto'
import {chmodSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {join} from 'node:path'

import {
  CLUSTER_ID_HEADER,
  PRESIGN_EXPIRES_SECONDS,
  STS_API_VERSION,
  type SignatureRecomputer,
  type SignatureRequest,
  cachedTokenUsable,
  inspectToken,
  stsSigningTarget,
  tokenCacheKey,
  tokenFromPresignedQuery,
} from '../../core/identity/token.js'
import {
  type AwsOptions,
  type Credentials,
  baseCredentials,
  profileName,
  resolveRegion,
  stsRegionalEndpoints,
  assumeRole,
} from './credentials.js'

interface Signer {
  presign(req: unknown, opts: {signingDate: Date; expiresIn: number; signingRegion?: string}): Promise<{query: Record<string, string | string[] | null>}>
}

async function signerFor(creds: Credentials, region: string): Promise<{signer: Signer; HttpRequest: new (o: object) => unknown}> {
  const [{SignatureV4}, {HttpRequest}, {Hash}] = await Promise.all([
    import('@smithy/signature-v4'),
    import('@smithy/protocol-http'),
    import('@smithy/hash-node'),
  ])
  const signer = new SignatureV4({credentials: creds, region, service: 'sts', sha256: Hash.bind(null, 'sha256')})
  return {HttpRequest: HttpRequest as unknown as new (o: object) => unknown, signer: signer as unknown as Signer}
}

function flatQuery(q: Record<string, string | string[] | null>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(q)) if (typeof v === 'string') out[k] = v
  return out
}

/** Presign the GetCallerIdentity URL for a cluster and return the token. */
export async function presignToken(
  creds: Credentials,
  clusterName: string,
  target: {host: string; region: string},
  signingDate: Date = new Date(),
): Promise<string> {
  const {HttpRequest, signer} = await signerFor(creds, target.region)
  const req = new HttpRequest({
    headers: {[CLUSTER_ID_HEADER]: clusterName, host: target.host},
    hostname: target.host,
    method: 'GET',
    path: '/',
    protocol: 'https:',
    query: {Action: 'GetCallerIdentity', Version: STS_API_VERSION},
  })
  const signed = await signer.presign(req, {expiresIn: PRESIGN_EXPIRES_SECONDS, signingDate})
  return tokenFromPresignedQuery(target.host, flatQuery(signed.query))
}

/** A recomputer for core `checkSignature`: signs with `creds` when their key id is the token's, else says it cannot. */
export function signatureRecomputer(creds: Credentials | undefined, why = 'no local AWS credentials'): SignatureRecomputer {
  return async (r: SignatureRequest) => {
    if (!creds) return {unavailable: why}
    if (creds.accessKeyId !== r.accessKeyId) {
      return {unavailable: `the local credentials (${creds.accessKeyId}) are not the token's (${r.accessKeyId}); only the signer's secret can recompute it`}
    }
    const {HttpRequest, signer} = await signerFor({...creds, sessionToken: r.sessionToken}, r.region)
    const req = new HttpRequest({headers: r.headers, hostname: r.host, method: r.method, path: r.path, protocol: r.protocol, query: r.query})
    const signed = await signer.presign(req, {expiresIn: r.expiresInSeconds, signingDate: r.signingDate, signingRegion: r.region})
    return String(signed.query['X-Amz-Signature'] ?? '')
  }
}

// ---------------------------------------------------------------------------------------------------------------

export interface MintOptions extends AwsOptions {
  clusterName: string
  /** keep / reuse the token on disk */
  cache?: boolean
  now?: () => Date
}

export interface MintedToken {
  token: string
  signedAt: Date
  /** signing region */
  region: string
  host: string
  fromCache: boolean
  cacheFile?: string
}

export function tokenCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache')
  return join(base, 'eksauth', 'tokens')
}

const sha256Hex = (s: string): string => createHash('sha256').update(s).digest('hex')

interface CacheEntry {
  token: string
  signedAt: string
}

function readCache(file: string, clusterName: string, now: Date): MintedToken | undefined {
  try {
    const st = statSync(file)
    if ((st.mode & 0o077) !== 0 || (typeof process.getuid === 'function' && st.uid !== process.getuid())) return undefined
    const entry = JSON.parse(readFileSync(file, 'utf8')) as CacheEntry
    const signedAt = new Date(entry.signedAt)
    if (typeof entry.token !== 'string' || Number.isNaN(signedAt.getTime()) || !cachedTokenUsable(signedAt, now)) return undefined
    const check = inspectToken(entry.token, {clusterId: clusterName, now})
    if (!check.valid || !check.decoded) return undefined
    return {cacheFile: file, fromCache: true, host: check.decoded.host, region: check.region ?? '', signedAt, token: entry.token}
  } catch {
    return undefined
  }
}

function writeCache(file: string, dir: string, minted: MintedToken): void {
  mkdirSync(dir, {mode: 0o700, recursive: true})
  chmodSync(dir, 0o700)
  const tmp = `${file}.${process.pid}.tmp`
  const entry: CacheEntry = {signedAt: minted.signedAt.toISOString(), token: minted.token}
  writeFileSync(tmp, JSON.stringify(entry) + '\n', {mode: 0o600})
  chmodSync(tmp, 0o600)
  renameSync(tmp, file)
}

/** Resolve region and credentials (AssumeRole for --role-arn), reuse a cached token when asked, else presign one. */
export async function mintToken(opts: MintOptions): Promise<MintedToken> {
  const env = opts.env ?? process.env
  const now = opts.now ?? (() => new Date())
  const {region} = resolveRegion(opts)
  const target = stsSigningTarget(region, stsRegionalEndpoints(opts))
  const base = await baseCredentials(opts)
  let cacheFile: string | undefined
  let dir: string | undefined
  if (opts.cache) {
    dir = tokenCacheDir(env)
    const key = tokenCacheKey(
      {accessKeyId: base.accessKeyId, clusterName: opts.clusterName, profile: profileName(opts), region: target.host + '/' + target.region, roleArn: opts.roleArn},
      sha256Hex,
    )
    cacheFile = join(dir, `${key}.json`)
    const hit = readCache(cacheFile, opts.clusterName, now())
    if (hit) return hit
  }
  const creds = opts.roleArn ? await assumeRole(base, opts.roleArn, region, opts) : base
  const signedAt = now()
  signedAt.setUTCMilliseconds(0)
  const token = await presignToken(creds, opts.clusterName, target, signedAt)
  const minted: MintedToken = {fromCache: false, host: target.host, region: target.region, signedAt, token}
  if (cacheFile && dir) {
    try {
      writeCache(cacheFile, dir, minted)
      minted.cacheFile = cacheFile
    } catch {
      // a cache that cannot be written is not worth failing kubectl for
    }
  }
  return minted
}
