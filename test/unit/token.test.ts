import {describe, expect, it} from 'vitest'

import {presignToken, signatureRecomputer} from '../../src/adapters/aws/token-signer.js'
import {parseCallerIdentityResponse, parseStsError, replayTarget} from '../../src/adapters/aws/sts.js'
import {parseProfileSection} from '../../src/adapters/aws/credentials.js'
import {PARTITIONS} from '../../src/core/arn.js'
import {
  TOKEN_REASONS,
  buildExecCredential,
  cachedTokenUsable,
  checkSignature,
  checkStsHost,
  execCredentialApiVersion,
  inspectToken,
  publicCheck,
  redactSecret,
  redactToken,
  stsSigningTarget,
  withSignature,
} from '../../src/core/identity/token.js'
import {independentSignatureMatches, mintIndependent, tokenUrl} from '../fixtures/tokens/sigv4.js'

const AKID = 'AKIAIOSFODNN7EXAMPLE'
const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'
const SIGNED = new Date('2026-03-01T10:00:00Z')
const NOW = new Date('2026-03-01T10:05:00Z')
const HOST = 'sts.us-east-1.amazonaws.com'

const wrap = (url: string): string => 'k8s-aws-v1.' + Buffer.from(url, 'utf8').toString('base64url')
const good = (over: Partial<Parameters<typeof mintIndependent>[0]> = {}): string =>
  mintIndependent({accessKeyId: AKID, clusterId: 'prod', date: SIGNED, host: HOST, region: 'us-east-1', secretAccessKey: SECRET, ...over})
/** the good token's URL with its query text edited */
const goodQuery = (): string => tokenUrl(good()).search.slice(1)
const urlWith = (query: string, prefix = `https://${HOST}/`): string => wrap(`${prefix}?${query}`)
const check = (t: string, now = NOW) => inspectToken(t, {clusterId: 'prod', now})

describe('inspectToken: one reason keyword per authenticator check, in its order', () => {
  const q = goodQuery()
  const cases: Array<[string, string]> = [
    ['too-large', 'k8s-aws-v1.' + 'A'.repeat(5000)],
    ['bad-prefix', 'k8s-aws-v2.' + good().slice(11)],
    ['bad-base64', good() + '='],
    ['bad-base64', 'k8s-aws-v1.abcde'],
    ['bad-base64', 'k8s-aws-v1.ab+/'],
    ['bad-url', wrap(`https://${HOST}/\u0001?${q}`)],
    ['bad-url', wrap(`https://${HOST}:https/?${q}`)],
    ['bad-url', wrap(`:nothing`)],
    ['bad-scheme', wrap(`http://${HOST}/?${q}`)],
    ['bad-scheme', wrap(`sts.us-east-1.amazonaws.com/?${q}`)],
    ['bad-host', wrap(`https://sts.us-east-1.amazonaws.com.evil.example/?${q}`)],
    ['bad-host', wrap(`https://${HOST}:443/?${q}`)],
    ['bad-host', wrap(`https://localhost/?${q}`)],
    ['bad-host', wrap(`https:opaque?${q}`)],
    ['bad-path', wrap(`https://${HOST}/x?${q}`)],
    ['bad-path', wrap(`https://${HOST}?${q}`)],
    ['malformed-query', urlWith(`${q}&a;b=c`)],
    ['malformed-query', urlWith(`${q}&x=%zz`)],
    ['duplicate-param', urlWith(`${q}&action=GetCallerIdentity`)],
    ['non-whitelisted-param', urlWith(`${q}&X-Amz-Foo=1`)],
    ['multi-value-param', urlWith(`${q}&X-Amz-Date=20260301T100000Z`)],
    ['bad-action', urlWith(q.replace('Action=GetCallerIdentity', 'Action=AssumeRole'))],
    ['bad-action', urlWith(q.replace('Action=GetCallerIdentity&', ''))],
    ['missing-x-k8s-aws-id', urlWith(q.replace('host%3Bx-k8s-aws-id', 'host'))],
    ['bad-expires', urlWith(q.replace('X-Amz-Expires=60', 'X-Amz-Expires=901'))],
    ['bad-expires', urlWith(q.replace('X-Amz-Expires=60', 'X-Amz-Expires=-1'))],
    ['bad-expires', urlWith(q.replace('X-Amz-Expires=60', 'X-Amz-Expires=abc'))],
    ['bad-expires', urlWith(q.replace('X-Amz-Expires=60&', ''))],
    ['missing-date', urlWith(q.replace(/X-Amz-Date=[^&]*&/, ''))],
    ['bad-date', urlWith(q.replace('X-Amz-Date=20260301T100000Z', 'X-Amz-Date=20260230T100000Z'))],
    ['bad-date', urlWith(q.replace('X-Amz-Date=20260301T100000Z', 'X-Amz-Date=2026-03-01T10%3A00%3A00Z'))],
    ['expired', good({date: new Date('2026-03-01T09:49:59Z')})],
  ]
  it.each(cases)('%s', (reason, token) => {
    const r = check(token)
    expect(r.valid).toBe(false)
    expect(r.reason).toBe(reason)
    expect(r.message.length).toBeGreaterThan(0)
  })

  it('covers every format keyword', () => {
    const covered = new Set(cases.map(([r]) => r))
    for (const r of TOKEN_REASONS) if (r !== 'bad-signature' && r !== 'sts-rejected') expect(covered, r).toContain(r)
  })

  it('accepts a good token and decodes its fields', () => {
    const r = publicCheck(check(good()))
    expect(r).toEqual({
      accessKeyId: AKID,
      clusterId: 'prod',
      expiresAt: '2026-03-01T10:15:00Z',
      message: expect.stringContaining('10m00s left'),
      reason: null,
      region: 'us-east-1',
      signedAt: '2026-03-01T10:00:00Z',
      stsHost: HOST,
      valid: true,
    })
  })

  it('fills in what it could decode before the failing check', () => {
    const r = check(good({date: new Date('2026-03-01T09:00:00Z')}))
    expect(r).toMatchObject({accessKeyId: AKID, reason: 'expired', region: 'us-east-1', signedAt: '2026-03-01T09:00:00Z', stsHost: HOST})
    const early = check('nope')
    expect(early.accessKeyId).toBeUndefined()
    expect(early.signedAt).toBeUndefined()
  })

  it('accepts a session token, lower-case parameter names and an upper-case scheme as Go does', () => {
    expect(check(good({sessionToken: 'FwoGZXIvYXdzE//+=='})).valid).toBe(true)
    expect(check(urlWith(goodQuery().replace('Action=', 'action='))).valid).toBe(true)
    expect(check(wrap(`HTTPS://${HOST}/?${goodQuery()}`)).valid).toBe(true)
  })
})

describe('lifetime: 15 minutes from X-Amz-Date whatever X-Amz-Expires says (--at)', () => {
  for (const expires of [0, 60, 900]) {
    it(`X-Amz-Expires=${expires}`, () => {
      const t = good({expires})
      expect(check(t, new Date('2026-03-01T10:00:59Z')).valid).toBe(true)
      expect(check(t, new Date('2026-03-01T10:14:59Z')).valid).toBe(true)
      expect(check(t, new Date('2026-03-01T10:15:00Z')).valid).toBe(true)
      const late = check(t, new Date('2026-03-01T10:15:01Z'))
      expect(late.reason).toBe('expired')
      expect(late.expiresAt).toBe('2026-03-01T10:15:00Z')
    })
  }
  it('a token evaluated before it was signed is not expired (future dates are left to STS)', () => {
    expect(check(good(), new Date('2026-03-01T09:00:00Z')).valid).toBe(true)
  })
})

describe('STS hosts per partition', () => {
  const regional: Record<string, [string, string, string | undefined]> = {
    aws: ['us-west-2', 'amazonaws.com', 'api.aws'],
    'aws-cn': ['cn-north-1', 'amazonaws.com.cn', 'api.amazonwebservices.com.cn'],
    'aws-us-gov': ['us-gov-west-1', 'amazonaws.com', 'api.aws'],
    'aws-iso': ['us-iso-east-1', 'c2s.ic.gov', undefined],
    'aws-iso-b': ['us-isob-east-1', 'sc2s.sgov.gov', undefined],
    'aws-iso-e': ['eu-isoe-west-1', 'cloud.adc-e.uk', undefined],
    'aws-iso-f': ['us-isof-south-1', 'csp.hci.ic.gov', undefined],
    'aws-eusc': ['eusc-de-east-1', 'amazonaws.eu', 'api.amazonwebservices.eu'],
  }
  it('has all eight partitions', () => expect(Object.keys(regional).sort()).toEqual([...PARTITIONS].sort()))

  for (const p of PARTITIONS) {
    const [region, domain, dual] = regional[p]!
    it(`${p}: regional${dual ? ' and dual-stack' : ''} hosts, global only in aws`, () => {
      expect(checkStsHost(`sts.${region}.${domain}`, p)).toMatchObject({ok: true, region})
      expect(checkStsHost(`sts.${region}.${domain}`)).toMatchObject({ok: true, partition: p})
      if (dual) expect(checkStsHost(`sts.${region}.${dual}`, p).ok).toBe(true)
      else expect(checkStsHost(`sts.${region}.api.aws`, p).ok).toBe(false)
      expect(checkStsHost('sts.amazonaws.com', p).ok).toBe(p === 'aws')
      expect(checkStsHost(`sts.${region}.${domain}.evil.example`, p).ok).toBe(false)
      // a token for this partition's host is rejected by a server of another partition with another domain
      const other = p === 'aws-cn' ? 'aws' : 'aws-cn'
      expect(checkStsHost(`sts.${region}.${domain}`, other).ok).toBe(false)
    })
  }

  it('FIPS hosts as the SDK resolves them (GovCloud FIPS is the plain host)', () => {
    expect(checkStsHost('sts-fips.us-east-1.amazonaws.com', 'aws').ok).toBe(true)
    expect(checkStsHost('sts-fips.us-east-1.api.aws', 'aws').ok).toBe(true)
    expect(checkStsHost('sts-fips.us-gov-west-1.amazonaws.com', 'aws-us-gov').ok).toBe(false)
    expect(checkStsHost('sts-fips.us-gov-west-1.api.aws', 'aws-us-gov').ok).toBe(true)
  })

  it('rejects malformed regions and foreign domains', () => {
    expect(checkStsHost('sts.us_east_1.amazonaws.com').ok).toBe(false)
    expect(checkStsHost('sts.cn-north-1.amazonaws.com').ok).toBe(false)
    expect(checkStsHost('sts.us-east-1.amazonaws.com.cn').ok).toBe(false)
    expect(checkStsHost('iam.us-east-1.amazonaws.com').ok).toBe(false)
    expect(checkStsHost('sts.com').ok).toBe(false)
    expect(checkStsHost('').ok).toBe(false)
  })

  it('a whole token with a China host verifies; the global host reports region global', () => {
    const cn = good({host: 'sts.cn-north-1.amazonaws.com.cn', region: 'cn-north-1'})
    expect(check(cn)).toMatchObject({region: 'cn-north-1', valid: true})
    const g = inspectToken(good({host: 'sts.amazonaws.com'}), {now: NOW, partition: 'aws'})
    expect(g).toMatchObject({region: 'us-east-1', stsHost: 'sts.amazonaws.com', valid: true})
    expect(inspectToken(good({host: 'sts.amazonaws.com'}), {now: NOW, partition: 'aws-us-gov'}).reason).toBe('bad-host')
  })
})

describe('signature (injected SigV4)', () => {
  const verify = async (token: string, clusterId: string, secret = SECRET) => {
    const r = inspectToken(token, {clusterId, now: NOW})
    const outcome = await checkSignature(r.decoded!, clusterId, signatureRecomputer({accessKeyId: AKID, secretAccessKey: secret}))
    return withSignature(publicCheck(r), outcome, clusterId)
  }
  it('matches the cluster it was minted for, bad-signature for another cluster or an altered token', async () => {
    expect(await verify(good(), 'prod')).toMatchObject({reason: null, valid: true})
    expect(await verify(good(), 'staging')).toMatchObject({reason: 'bad-signature', valid: false})
    expect(await verify(good(), 'prod', 'another-secret')).toMatchObject({reason: 'bad-signature'})
    const altered = urlWith(goodQuery().replace('X-Amz-Expires=60', 'X-Amz-Expires=61'))
    expect(await verify(altered, 'prod')).toMatchObject({reason: 'bad-signature'})
  })
  it('with a session token', async () => {
    const t = good({sessionToken: 'FwoGZXIvYXdzE//+=='})
    expect(await verify(t, 'prod')).toMatchObject({valid: true})
  })
  it('cannot check with another key id: not a failure of the token', async () => {
    const r = inspectToken(good(), {clusterId: 'prod', now: NOW})
    const outcome = await checkSignature(r.decoded!, 'prod', signatureRecomputer({accessKeyId: 'AKIAOTHER', secretAccessKey: SECRET}))
    expect(outcome.checked).toBe(false)
    expect(withSignature(publicCheck(r), outcome, 'prod')).toMatchObject({message: expect.stringContaining('signature not checked'), valid: true})
    const none = await checkSignature(r.decoded!, 'prod', signatureRecomputer(undefined))
    expect(none).toMatchObject({checked: false, note: 'no local AWS credentials'})
  })
})

describe('minting (adapter) against the independent SigV4', () => {
  it('presignToken yields the AWS CLI query, in its order, and the independent signature', async () => {
    const t = await presignToken({accessKeyId: AKID, secretAccessKey: SECRET}, 'prod', {host: HOST, region: 'us-east-1'}, SIGNED)
    expect(t).toBe(good())
    expect(independentSignatureMatches(t, 'prod', SECRET)).toBe(true)
    expect(independentSignatureMatches(t, 'other', SECRET)).toBe(false)
    const s = await presignToken({accessKeyId: AKID, secretAccessKey: SECRET, sessionToken: 'tok/+='}, 'prod', {host: HOST, region: 'us-east-1'}, SIGNED)
    expect([...tokenUrl(s).searchParams.keys()]).toEqual([
      'Action', 'Version', 'X-Amz-Algorithm', 'X-Amz-Credential', 'X-Amz-Date', 'X-Amz-Expires', 'X-Amz-SignedHeaders', 'X-Amz-Security-Token', 'X-Amz-Signature',
    ])
    expect(independentSignatureMatches(s, 'prod', SECRET)).toBe(true)
  })
  it('signing target like AWS CLI v1: regional by default, global for legacy regions or no region', () => {
    expect(stsSigningTarget('eu-west-1')).toEqual({host: 'sts.eu-west-1.amazonaws.com', region: 'eu-west-1'})
    expect(stsSigningTarget('eu-west-1', 'legacy')).toEqual({host: 'sts.amazonaws.com', region: 'us-east-1'})
    expect(stsSigningTarget('af-south-1', 'legacy')).toEqual({host: 'sts.af-south-1.amazonaws.com', region: 'af-south-1'})
    expect(stsSigningTarget(undefined)).toEqual({host: 'sts.amazonaws.com', region: 'us-east-1'})
    expect(stsSigningTarget('cn-north-1')).toEqual({host: 'sts.cn-north-1.amazonaws.com.cn', region: 'cn-north-1'})
  })
})

describe('ExecCredential', () => {
  it('expires 14 minutes after signing; apiVersion from KUBERNETES_EXEC_INFO', () => {
    expect(buildExecCredential('k8s-aws-v1.x', SIGNED)).toEqual({
      apiVersion: 'client.authentication.k8s.io/v1beta1',
      kind: 'ExecCredential',
      spec: {},
      status: {expirationTimestamp: '2026-03-01T10:14:00Z', token: 'k8s-aws-v1.x'},
    })
    expect(execCredentialApiVersion(undefined).apiVersion).toBe('client.authentication.k8s.io/v1beta1')
    const info = JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1', kind: 'ExecCredential', spec: {interactive: false}})
    expect(execCredentialApiVersion(info)).toEqual({apiVersion: 'client.authentication.k8s.io/v1'})
    expect(execCredentialApiVersion('{bad').warning).toMatch(/cannot parse/)
    expect(execCredentialApiVersion('{"apiVersion":"x/v9"}')).toMatchObject({apiVersion: 'client.authentication.k8s.io/v1beta1', warning: expect.any(String)})
  })
  it('a cached token is reused until a minute before expirationTimestamp', () => {
    expect(cachedTokenUsable(SIGNED, new Date('2026-03-01T10:12:59Z'))).toBe(true)
    expect(cachedTokenUsable(SIGNED, new Date('2026-03-01T10:13:00Z'))).toBe(false)
  })
})

describe('redaction', () => {
  it('never shows the whole token, signature or secret', () => {
    const t = good()
    const r = redactToken(t)
    expect(r).toBe(`k8s-aws-v1.${t.slice(11, 15)}…[${t.length} chars]`)
    expect(r.length).toBeLessThan(40)
    expect(redactSecret(SECRET)).toBe('wJal…[40 chars]')
    expect(redactSecret('short')).toBe('…[5 chars]')
  })
  it('no check message carries the signature or the security token', () => {
    const sig = tokenUrl(good()).searchParams.get('X-Amz-Signature')!
    for (const t of [good(), good({date: new Date('2026-03-01T09:00:00Z')}), urlWith(`${goodQuery()}&X-Amz-Foo=1`)]) {
      const msg = JSON.stringify(publicCheck(check(t)))
      expect(msg).not.toContain(sig)
      expect(msg).not.toContain(t.slice(11))
    }
  })
})

describe('STS and config helpers', () => {
  it('parses GetCallerIdentity answers (JSON and XML) and errors', () => {
    const json = '{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"123456789012","Arn":"arn:aws:iam::123456789012:user/a","UserId":"AIDA"},"ResponseMetadata":{"RequestId":"x"}}}'
    expect(parseCallerIdentityResponse(json)).toEqual({account: '123456789012', arn: 'arn:aws:iam::123456789012:user/a', userId: 'AIDA'})
    const xml = '<GetCallerIdentityResponse><GetCallerIdentityResult><UserId>AKIA</UserId><Account>123456789012</Account><Arn>arn:aws:sts::123456789012:user/moto</Arn></GetCallerIdentityResult></GetCallerIdentityResponse>'
    expect(parseCallerIdentityResponse(xml)?.arn).toBe('arn:aws:sts::123456789012:user/moto')
    expect(parseCallerIdentityResponse('<ListAllMyBucketsResult/>')).toBeUndefined()
    expect(parseStsError('{"Error":{"Code":"SignatureDoesNotMatch","Message":"m"}}')).toEqual({code: 'SignatureDoesNotMatch', message: 'm'})
    expect(parseStsError('<ErrorResponse><Error><Code>ExpiredToken</Code><Message>gone</Message></Error></ErrorResponse>')).toEqual({code: 'ExpiredToken', message: 'gone'})
    expect(replayTarget('https://sts.us-east-1.amazonaws.com/?A=1', 'http://127.0.0.1:5000/')).toBe('http://127.0.0.1:5000/?A=1')
  })
  it('reads a profile section of ~/.aws/config', () => {
    const text = '[default]\nregion = eu-west-1\n[profile dev]\nregion=us-west-2\nsts_regional_endpoints = legacy\n  nested = x\n'
    expect(parseProfileSection(text, 'default')).toEqual({region: 'eu-west-1'})
    expect(parseProfileSection(text, 'dev')).toEqual({region: 'us-west-2', sts_regional_endpoints: 'legacy'})
  })
})
