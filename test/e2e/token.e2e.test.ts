/**
 * eksauth token / token verify, driven through the built CLI (npm run build first), against the installed AWS CLI
 * (`aws eks get-token`) and moto. A missing `aws` or `moto_server` fails these tests; they never skip.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, readdirSync, rmSync, statSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {runCli, runCliJson} from '../support/cli.js'
import {freePort, type Moto, startMoto} from '../support/moto.js'
import {independentSignatureMatches, sigv4Signature, tokenUrl} from '../fixtures/tokens/sigv4.js'
import {FAKE_ACCESS_KEY_ID, FAKE_SECRET_ACCESS_KEY, hermeticAwsEnv} from '../support/aws-env.js'

const AKID = FAKE_ACCESS_KEY_ID
const SECRET = FAKE_SECRET_ACCESS_KEY
const tmp = mkdtempSync(join(tmpdir(), 'eksauth-token-'))
/** Static fake keys, no profile files, no IMDS: every run is hermetic. */
const ENV = hermeticAwsEnv(tmp, {AWS_STS_REGIONAL_ENDPOINTS: undefined, KUBERNETES_EXEC_INFO: undefined})

interface ExecCred {
  apiVersion: string
  kind: string
  spec: object
  status: {expirationTimestamp: string; token: string}
}

function awsGetToken(cluster: string, env: Record<string, string | undefined> = {}): ExecCred {
  const res = spawnSync('aws', ['eks', 'get-token', '--cluster-name', cluster, '--region', 'us-east-1', '--output', 'json'], {
    encoding: 'utf8',
    env: cleanEnv({...process.env, ...ENV, ...env}),
  })
  if (res.error || res.status !== 0) throw new Error(`the AWS CLI is required (aws eks get-token failed): ${res.error?.message ?? res.stderr}`)
  return JSON.parse(res.stdout) as ExecCred
}

function cleanEnv(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv
}

const cli = (args: string[], env: Record<string, string | undefined> = {}, input?: string) => runCli(args, {env: {...ENV, ...env}, input})
const cliJson = <T = any>(args: string[], env: Record<string, string | undefined> = {}, input?: string) =>
  runCliJson<T>(args, {env: {...ENV, ...env}, input})

const VERDICT_KEYS = ['valid', 'reason', 'message', 'accessKeyId', 'region', 'stsHost', 'signedAt', 'expiresAt']

afterAll(() => rmSync(tmp, {force: true, recursive: true}))

describe('AWS CLI tokens verified by eksauth', () => {
  let awsCred: ExecCred
  beforeAll(() => {
    awsCred = awsGetToken('c')
  })

  it('verify with the signature (same keys): valid, exit 0, exact JSON keys', async () => {
    const r = await cliJson(['token', 'verify', awsCred.status.token, '--cluster-id', 'c', '--verify-signature'])
    expect(r.code).toBe(0)
    expect(Object.keys(r.json)).toEqual(VERDICT_KEYS)
    expect(r.json).toMatchObject({accessKeyId: AKID, reason: null, region: 'us-east-1', stsHost: 'sts.us-east-1.amazonaws.com', valid: true})
    expect(r.json.message).toMatch(/signature matches/)
  })

  it('another cluster id: bad-signature, exit 10 under --json too', async () => {
    const r = await cliJson(['token', 'verify', awsCred.status.token, '--cluster-id', 'other', '--verify-signature'])
    expect(r.code).toBe(10)
    expect(r.json).toMatchObject({reason: 'bad-signature', valid: false})
    const human = await cli(['token', 'verify', awsCred.status.token, '--cluster-id', 'other', '--verify-signature'])
    expect(human.code).toBe(10)
    expect(human.stdout).toMatch(/invalid \(bad-signature\)/)
    expect(human.stdout.trim().split('\n').length).toBeLessThanOrEqual(2)
  })

  it('other local keys: says it cannot check, the token stays valid', async () => {
    const r = await cliJson(['token', 'verify', awsCred.status.token, '--cluster-id', 'c', '--verify-signature'], {AWS_ACCESS_KEY_ID: 'AKIAOTHERKEY0000000'})
    expect(r.code).toBe(0)
    expect(r.json).toMatchObject({valid: true})
    expect(r.json.message).toMatch(/signature not checked/)
  })

  it('--at after 15 minutes: expired; stdin (-) takes the whole ExecCredential', async () => {
    const date = tokenUrl(awsCred.status.token).searchParams.get('X-Amz-Date')!
    const signed = new Date(`${date.slice(0, 4)}-${date.slice(4, 6)}-${date.slice(6, 8)}T${date.slice(9, 11)}:${date.slice(11, 13)}:${date.slice(13, 15)}Z`)
    const late = new Date(signed.getTime() + 15 * 60_000 + 1000).toISOString()
    const r = await cliJson(['token', 'verify', '-', '--cluster-id', 'c', '--at', late], {}, JSON.stringify(awsCred))
    expect(r.code).toBe(10)
    expect(r.json.reason).toBe('expired')
    const ok = await cliJson(['token', 'verify', '-', '--cluster-id', 'c', '--at', new Date(signed.getTime() + 14 * 60_000).toISOString()], {}, awsCred.status.token + '\n')
    expect(ok.json.valid).toBe(true)
  })

  it('never prints the token whole', async () => {
    for (const args of [['--verify-signature'], ['--json'], ['--cluster-id', 'x']]) {
      const r = await cli(['token', 'verify', awsCred.status.token, '--cluster-id', 'c', ...args])
      expect(r.stdout + r.stderr).not.toContain(awsCred.status.token.slice(11, 200))
      expect(r.stdout + r.stderr).not.toContain(tokenUrl(awsCred.status.token).searchParams.get('X-Amz-Signature'))
    }
  })

  it('an undecodable argument is a check answer (exit 10); empty input is bad input (exit 4); bad --at is bad input', async () => {
    const r = await cliJson(['token', 'verify', 'hello', '--cluster-id', 'c'])
    expect(r.code).toBe(10)
    expect(r.json).toEqual({accessKeyId: null, expiresAt: null, message: expect.any(String), reason: 'bad-prefix', region: null, signedAt: null, stsHost: null, valid: false})
    expect((await cli(['token', 'verify', '-', '--cluster-id', 'c'], {}, '')).code).toBe(4)
    expect((await cli(['token', 'verify', awsCred.status.token, '--cluster-id', 'c', '--at', 'tomorrow'])).code).toBe(4)
  })
})

describe('eksauth token is shaped like aws eks get-token', () => {
  it('same ExecCredential keys, query parameters (in order), expiry; independent SigV4 passes', async () => {
    const ours = await cli(['token', '--cluster-name', 'c', '--region', 'us-east-1'])
    expect(ours.code).toBe(0)
    expect(ours.stderr).toBe('')
    const mine = JSON.parse(ours.stdout) as ExecCred
    const theirs = awsGetToken('c')
    expect(Object.keys(mine)).toEqual(Object.keys(theirs))
    expect(Object.keys(mine.status)).toEqual(Object.keys(theirs.status))
    expect(mine.apiVersion).toBe(theirs.apiVersion)
    const [u1, u2] = [tokenUrl(mine.status.token), tokenUrl(theirs.status.token)]
    expect(u1.origin + u1.pathname).toBe(u2.origin + u2.pathname)
    expect([...u1.searchParams.keys()]).toEqual([...u2.searchParams.keys()])
    for (const k of ['Action', 'Version', 'X-Amz-Algorithm', 'X-Amz-Expires', 'X-Amz-SignedHeaders']) expect(u1.searchParams.get(k)).toBe(u2.searchParams.get(k))
    expect(u1.searchParams.get('X-Amz-Credential')!.replace(/\/\d{8}\//, '/D/')).toBe(u2.searchParams.get('X-Amz-Credential')!.replace(/\/\d{8}\//, '/D/'))
    expect(mine.status.token.length).toBe(theirs.status.token.length)
    // expirationTimestamp = X-Amz-Date + 14 minutes, for both
    for (const [cred, u] of [[mine, u1], [theirs, u2]] as const) {
      const d = u.searchParams.get('X-Amz-Date')!
      const signed = Date.parse(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T${d.slice(9, 11)}:${d.slice(11, 13)}:${d.slice(13, 15)}Z`)
      expect(Date.parse(cred.status.expirationTimestamp) - signed).toBe(14 * 60_000)
      expect(cred.status.expirationTimestamp).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/)
    }
    expect(independentSignatureMatches(mine.status.token, 'c', SECRET)).toBe(true)
    expect(independentSignatureMatches(mine.status.token, 'd', SECRET)).toBe(false)
    // the AWS CLI's own token passes the same independent computation
    expect(independentSignatureMatches(theirs.status.token, 'c', SECRET)).toBe(true)
  })

  it('--json prints the same ExecCredential; KUBERNETES_EXEC_INFO picks the apiVersion', async () => {
    const r = await cliJson<ExecCred>(['token', '--cluster-name', 'c', '--region', 'eu-west-1'], {
      KUBERNETES_EXEC_INFO: JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: {interactive: false}}),
    })
    expect(r.code).toBe(0)
    expect(r.json.apiVersion).toBe('client.authentication.k8s.io/v1')
    expect(r.json.kind).toBe('ExecCredential')
    expect(tokenUrl(r.json.status.token).host).toBe('sts.eu-west-1.amazonaws.com')
  })

  it('region from AWS_REGION / AWS_DEFAULT_REGION; legacy STS endpoints like the AWS CLI', async () => {
    const a = JSON.parse((await cli(['token', '--cluster-name', 'c'], {AWS_REGION: 'ap-south-1'})).stdout) as ExecCred
    expect(tokenUrl(a.status.token).host).toBe('sts.ap-south-1.amazonaws.com')
    const b = JSON.parse((await cli(['token', '--cluster-name', 'c'], {AWS_DEFAULT_REGION: 'eu-west-1', AWS_STS_REGIONAL_ENDPOINTS: 'legacy'})).stdout) as ExecCred
    const u = tokenUrl(b.status.token)
    expect(u.host).toBe('sts.amazonaws.com')
    expect(u.searchParams.get('X-Amz-Credential')).toContain('/us-east-1/sts/')
  })

  it('no credentials: NOT_AUTHORIZED (6) with a one-line fix', async () => {
    const r = await cli(['token', '--cluster-name', 'c', '--region', 'us-east-1'], {AWS_ACCESS_KEY_ID: undefined, AWS_SECRET_ACCESS_KEY: undefined})
    expect(r.code).toBe(6)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/credentials/i)
    expect(r.stderr).toMatch(/aws configure/)
  })

  it('--cache: 0600 file in a 0700 directory, reused', async () => {
    const cache = join(tmp, 'cache-test')
    const env = {XDG_CACHE_HOME: cache}
    const first = JSON.parse((await cli(['token', '--cluster-name', 'cached', '--region', 'us-east-1', '--cache'], env)).stdout) as ExecCred
    const dir = join(cache, 'eksauth', 'tokens')
    expect(statSync(dir).mode & 0o777).toBe(0o700)
    const files = readdirSync(dir)
    expect(files).toHaveLength(1)
    expect(statSync(join(dir, files[0]!)).mode & 0o777).toBe(0o600)
    await new Promise((r) => setTimeout(r, 1100))
    const second = JSON.parse((await cli(['token', '--cluster-name', 'cached', '--region', 'us-east-1', '--cache'], env)).stdout) as ExecCred
    expect(second.status.token).toBe(first.status.token)
    // another cluster, region or key id is another entry
    await cli(['token', '--cluster-name', 'cached', '--region', 'us-west-2', '--cache'], env)
    await cli(['token', '--cluster-name', 'cached', '--region', 'us-east-1', '--cache'], {...env, AWS_ACCESS_KEY_ID: 'AKIAOTHERKEY0000000'})
    expect(readdirSync(dir).filter((f) => f.endsWith('.json'))).toHaveLength(3)
    const uncached = JSON.parse((await cli(['token', '--cluster-name', 'cached', '--region', 'us-east-1'], env)).stdout) as ExecCred
    expect(uncached.status.token).not.toBe(first.status.token)
  })
})

/**
 * moto_server routes a request by its Authorization header (a presigned GET has none, so moto would answer as S3).
 * This shim plays STS's part of the check: it verifies the presigned signature for the x-k8s-aws-id header it
 * receives (403 SignatureDoesNotMatch otherwise, as STS does), then forwards the same GET to moto with an
 * Authorization header naming the token's credential scope, so moto's STS answers GetCallerIdentity.
 */
async function startStsShim(moto: Moto): Promise<{url: string; server: Server; seen: Array<{clusterId: string; accept: string}>}> {
  const seen: Array<{clusterId: string; accept: string}> = []
  const server = createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://shim')
    const clusterId = String(req.headers['x-k8s-aws-id'] ?? '')
    seen.push({accept: String(req.headers.accept ?? ''), clusterId})
    const query = [...u.searchParams.entries()].filter(([k]) => k !== 'X-Amz-Signature')
    const expected = sigv4Signature({clusterId, host: 'sts.us-east-1.amazonaws.com', query, secretAccessKey: SECRET})
    if (expected !== u.searchParams.get('X-Amz-Signature')) {
      res.writeHead(403, {'content-type': 'application/json'})
      res.end(JSON.stringify({Error: {Code: 'SignatureDoesNotMatch', Message: 'The request signature we calculated does not match', Type: 'Sender'}}))
      return
    }
    const cred = u.searchParams.get('X-Amz-Credential')!
    const upstream = await fetch(`${moto.endpoint}/${u.search}`, {
      headers: {accept: 'application/json', authorization: `AWS4-HMAC-SHA256 Credential=${cred}, SignedHeaders=host, Signature=0`},
    })
    res.writeHead(upstream.status, {'content-type': upstream.headers.get('content-type') ?? 'text/xml'})
    res.end(await upstream.text())
  })
  const port = await freePort()
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
  return {seen, server, url: `http://127.0.0.1:${port}`}
}

describe('--sts and --role-arn against moto', () => {
  let moto: Moto
  let shim: Awaited<ReturnType<typeof startStsShim>>
  beforeAll(async () => {
    moto = await startMoto()
    shim = await startStsShim(moto)
  })
  afterAll(async () => {
    shim?.server.close()
    await moto?.stop()
  })

  it('replays the presigned URL: STS accepts it and names the caller', async () => {
    const cred = awsGetToken('c')
    const r = await cliJson(['token', 'verify', cred.status.token, '--cluster-id', 'c', '--sts'], {AWS_ENDPOINT_URL_STS: shim.url})
    expect(r.code).toBe(0)
    expect(Object.keys(r.json)).toEqual([...VERDICT_KEYS, 'callerArn'])
    expect(r.json).toMatchObject({callerArn: 'arn:aws:sts::123456789012:user/moto', reason: null, valid: true})
    expect(shim.seen.at(-1)).toEqual({accept: 'application/json', clusterId: 'c'})
  })

  it('STS refuses a token replayed for another cluster id: bad-signature, exit 10', async () => {
    const cred = awsGetToken('c')
    const r = await cliJson(['token', 'verify', cred.status.token, '--cluster-id', 'prod', '--sts'], {AWS_ENDPOINT_URL_STS: shim.url})
    expect(r.code).toBe(10)
    expect(r.json).toMatchObject({callerArn: null, reason: 'bad-signature', valid: false})
    expect(r.json.message).toMatch(/SignatureDoesNotMatch/)
  })

  it('an unreachable STS is UNAVAILABLE (9), not a verdict', async () => {
    const port = await freePort()
    const r = await cli(['token', 'verify', awsGetToken('c').status.token, '--cluster-id', 'c', '--sts'], {AWS_ENDPOINT_URL_STS: `http://127.0.0.1:${port}`})
    expect(r.code).toBe(9)
  })

  it('--role-arn assumes the role through STS (session EKSGetTokenAuth) and signs with its session', async () => {
    const roleArn = 'arn:aws:iam::123456789012:role/EksAdmin'
    const r = await cli(['token', '--cluster-name', 'c', '--region', 'us-east-1', '--role-arn', roleArn], {AWS_ENDPOINT_URL: moto.endpoint})
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    const u = tokenUrl((JSON.parse(r.stdout) as ExecCred).status.token)
    expect(u.searchParams.get('X-Amz-Credential')).toMatch(/^ASIA/)
    expect(u.searchParams.get('X-Amz-Security-Token')).toBeTruthy()
    expect(u.host).toBe('sts.us-east-1.amazonaws.com')
    const v = await cliJson(['token', 'verify', '-', '--cluster-id', 'c'], {}, r.stdout)
    expect(v.json.valid).toBe(true)
  })
})
