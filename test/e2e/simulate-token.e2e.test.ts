/**
 * simulate --token through the built CLI: tokens from the installed AWS CLI (and `eksauth token --role-arn` against
 * moto), checked before mapping. A missing aws or moto_server FAILS, never skips.
 */
import {spawnSync} from 'node:child_process'
import {mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {createServer, type Server} from 'node:http'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ROOT, runCli, runCliJson} from '../support/cli.js'
import {freePort, type Moto, startMoto} from '../support/moto.js'
import {hermeticAwsEnv} from '../support/aws-env.js'

const DIR = join(ROOT, 'test', 'fixtures', 'whoami')
const tmp = mkdtempSync(join(tmpdir(), 'eksauth-simtok-'))
const ENV = hermeticAwsEnv(tmp)
const READER = 'arn:aws:sts::111122223333:assumed-role/Reader/jane'

function awsGetToken(cluster: string): string {
  const env = Object.fromEntries(Object.entries({...process.env, ...ENV}).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv
  const res = spawnSync('aws', ['eks', 'get-token', '--cluster-name', cluster, '--region', 'us-east-1', '--output', 'json'], {encoding: 'utf8', env})
  if (res.error || res.status !== 0) throw new Error(`the AWS CLI is required (aws eks get-token failed): ${res.error?.message ?? res.stderr}`)
  return (JSON.parse(res.stdout) as {status: {token: string}}).status.token
}

afterAll(() => rmSync(tmp, {force: true, recursive: true}))

describe('simulate --token', () => {
  let token: string
  beforeAll(() => {
    token = awsGetToken('prod')
  })
  const base = ['simulate', '--arn', READER, '--aws-auth', join(DIR, 'aws-auth.yaml')]

  it('a valid token, then the mapping: --json gains "token" (the verify result)', async () => {
    const r = await runCliJson([...base, '--token', token, '--cluster-id', 'prod'], {env: ENV})
    expect(r.code).toBe(0)
    expect(Object.keys(r.json)[0]).toBe('token')
    expect(Object.keys(r.json.token)).toEqual(['valid', 'reason', 'message', 'accessKeyId', 'region', 'stsHost', 'signedAt', 'expiresAt'])
    expect(r.json.token).toMatchObject({reason: null, valid: true})
    expect(r.json.token.message).toMatch(/signature matches cluster id "prod"/)
    expect(r.json).toMatchObject({authenticated: true, user: {username: 'reader'}})
  })

  it('with a request: token, mapping and the RBAC decision', async () => {
    const r = await runCliJson([...base, '--token', token, '--cluster-id', 'prod', '--manifests', join(DIR, 'rbac.yaml'), '--verb', 'get', '--resource', 'pods', '-n', 'app'], {env: ENV})
    expect(r.json.token.valid).toBe(true)
    expect(r.json.decision.allowed).toBe(true)
  })

  it('a token for another cluster ends the chain with its reason keyword', async () => {
    const r = await runCliJson([...base, '--token', token, '--cluster-id', 'staging'], {env: ENV})
    expect(r.code).toBe(0)
    expect(r.json).toMatchObject({authenticated: false, diagnosis: 'token-rejected', mapping: null, token: {reason: 'bad-signature', valid: false}})
    const human = await runCli([...base, '--token', token, '--cluster-id', 'staging'], {env: ENV})
    expect(human.stdout).toMatch(/token rejected \(bad-signature\)/)
    expect(human.stdout).not.toMatch(/mapRoles entry/)
    expect(human.stdout).not.toContain(token.slice(11, 120))
  })

  it('--at after 15 minutes: expired', async () => {
    const r = await runCliJson([...base, '--token', token, '--cluster-id', 'prod', '--at', new Date(Date.now() + 16 * 60_000).toISOString()], {env: ENV})
    expect(r.json.token.reason).toBe('expired')
    expect(r.json.diagnosis).toBe('token-rejected')
  })

  it('usage: --token needs --cluster-id; no identity at all is bad input', async () => {
    expect((await runCli([...base, '--token', token], {env: ENV})).code).toBe(2)
    expect((await runCli(['simulate', '--token', token, '--cluster-id', 'prod'], {env: ENV})).code).toBe(4)
  })
})

describe('simulate --token --sts (moto)', () => {
  let moto: Moto
  let shim: {url: string; server: Server}
  beforeAll(async () => {
    moto = await startMoto()
    // STS's part of the replay: 403 SignatureDoesNotMatch unless x-k8s-aws-id is the cluster the token was minted for,
    // then moto answers GetCallerIdentity for the token's access key (moto routes by the Authorization header)
    const server = createServer(async (req, res) => {
      const u = new URL(req.url ?? '/', 'http://shim')
      if (req.headers['x-k8s-aws-id'] !== 'prod') {
        res.writeHead(403, {'content-type': 'application/json'})
        res.end(JSON.stringify({Error: {Code: 'SignatureDoesNotMatch', Message: 'signature mismatch'}}))
        return
      }
      const upstream = await fetch(`${moto.endpoint}/${u.search}`, {
        headers: {accept: 'application/json', authorization: `AWS4-HMAC-SHA256 Credential=${u.searchParams.get('X-Amz-Credential')}, SignedHeaders=host, Signature=0`},
      })
      res.writeHead(upstream.status, {'content-type': upstream.headers.get('content-type') ?? 'text/xml'})
      res.end(await upstream.text())
    })
    const port = await freePort()
    await new Promise<void>((r) => server.listen(port, '127.0.0.1', r))
    shim = {server, url: `http://127.0.0.1:${port}`}
  })
  afterAll(async () => {
    shim?.server.close()
    await moto?.stop()
  })

  it('without --arn the caller comes from STS, then the mapping', async () => {
    const minted = await runCli(['token', '--cluster-name', 'prod', '--region', 'us-east-1', '--role-arn', 'arn:aws:iam::123456789012:role/EksAdmin'], {env: {...ENV, AWS_ENDPOINT_URL: moto.endpoint}})
    expect(minted.code).toBe(0)
    const t = (JSON.parse(minted.stdout) as {status: {token: string}}).status.token
    const awsAuth = join(tmp, 'aws-auth.yaml')
    writeFileSync(awsAuth, 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: kube-system}\ndata:\n  mapRoles: |\n    - rolearn: arn:aws:iam::123456789012:role/EksAdmin\n      username: eks-admin\n      groups: [system:masters]\n')
    const r = await runCliJson(['simulate', '--token', t, '--cluster-id', 'prod', '--sts', '--sts-endpoint', shim.url, '--aws-auth', awsAuth], {env: ENV})
    expect(r.code).toBe(0)
    expect(r.json.token).toMatchObject({callerArn: 'arn:aws:sts::123456789012:assumed-role/EksAdmin/EKSGetTokenAuth', valid: true})
    expect(r.json).toMatchObject({authenticated: true, canonicalArn: 'arn:aws:iam::123456789012:role/EksAdmin', user: {username: 'eks-admin'}})
    const wrong = await runCliJson(['simulate', '--token', t, '--cluster-id', 'staging', '--sts', '--sts-endpoint', shim.url, '--aws-auth', awsAuth], {env: ENV})
    expect(wrong.json).toMatchObject({diagnosis: 'token-rejected', token: {reason: 'bad-signature', valid: false}})
  })
})
