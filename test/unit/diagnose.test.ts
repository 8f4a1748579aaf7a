/** Every whoami diagnosis, reached from the fixtures under test/fixtures/whoami/ (offline files + live evidence). */
import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {gatherOffline, parsePluginArgs, regionFromServer, type WhoamiSources} from '../../src/adapters/whoami-evidence.js'
import {CAUSES, diagnose, type WhoamiEvidence} from '../../src/core/identity/diagnose.js'
import {requestFromFlags} from '../../src/core/simulate.js'

const DIR = join(import.meta.dirname, '..', 'fixtures', 'whoami')
const FAKE_KEYS = {AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY'}

interface Case {
  name: string
  verdict: string
  cause: string
  args: string[]
  evidence?: Partial<WhoamiEvidence>
}

/** The few whoami flags the fixtures use -> WhoamiSources (paths relative to the fixture directory). */
export function sourcesFromArgs(args: string[]): WhoamiSources {
  const s: WhoamiSources = {env: FAKE_KEYS, offline: true}
  const req: Record<string, string> = {}
  for (let i = 0; i < args.length; i += 2) {
    const [k, v] = [args[i]!, args[i + 1]!]
    const file = join(DIR, v)
    switch (k) {
      case '--arn': s.arn = v; break
      case '--user-id': s.userId = v; break
      case '--aws-auth': s.awsAuth = file; break
      case '--access-entries': s.accessEntries = file; break
      case '--manifests': s.manifests = [file]; break
      case '--auth-mode': s.authMode = v as WhoamiSources['authMode']; break
      case '--token': s.token = v.startsWith('@') ? readFileSync(join(DIR, v.slice(1)), 'utf8').trim() : v; break
      case '--cluster-id': s.clusterId = v; break
      case '--at': s.at = new Date(v); break
      case '--verb': req.verb = v; break
      case '--resource': req.resource = v; break
      case '-n': req.namespace = v; break
      default: throw new Error(`fixture flag ${k} not handled`)
    }
  }
  const r = requestFromFlags(req)
  if (r) s.request = r
  return s
}

const load = (f: string): Case[] => JSON.parse(readFileSync(join(DIR, f), 'utf8')) as Case[]
const offlineCases = load('cases.json')
const liveCases = load('live-cases.json')

async function run(c: Case) {
  const base = await gatherOffline(sourcesFromArgs(c.args))
  if (c.evidence?.caller === undefined && c.evidence) delete (base as Partial<WhoamiEvidence>).caller
  return diagnose({...base, ...c.evidence} as WhoamiEvidence)
}

describe('every cause is reached by a fixture', () => {
  it('covers the whole keyword list', () => {
    const reached = new Set([...offlineCases, ...liveCases].map((c) => c.cause))
    expect([...CAUSES].filter((c) => !reached.has(c))).toEqual([])
  })
})

describe.each([...offlineCases.map((c) => ['offline', c] as const), ...liveCases.map((c) => ['live', c] as const)])('%s: %s', (_kind, c) => {
  it(`${c.name} -> ${c.verdict} (${c.cause})`, async () => {
    const r = await run(c)
    expect({cause: r.cause, verdict: r.verdict}).toEqual({cause: c.cause, verdict: c.verdict})
    // one sentence that says what to change
    expect(r.sentence).toMatch(/^[A-Za-z].*[.]$/s)
    expect(r.sentence.split(/(?<=\.)\s+(?=[A-Z])/).length).toBe(1)
    expect(r.sentence).toMatch(/:/)
    expect(r.sentence).not.toContain('\n')
    // steps in pipeline order, every one with a status
    expect(r.steps.map((s) => s.step)).toEqual([
      'kubeconfig', 'exec-plugin', 'credentials', 'token', 'sts-identity', 'canonical-arn', 'auth-mode', 'access-entry', 'aws-auth', 'rbac', 'self-subject-review',
    ])
    // the result is plain JSON
    expect(JSON.parse(JSON.stringify(r))).toEqual(r)
  })
})

describe('sentences name what to change', () => {
  const byCause = async (cause: string) => run([...offlineCases, ...liveCases].find((c) => c.cause === cause)!)
  it.each([
    ['not-mapped', /arn:aws:iam::111122223333:role\/Stranger is mapped nowhere.*add one/],
    ['path-in-role-arn', /role\/teams\/Platform.*remove the path/],
    ['sts-arn-entry', /write the role ARN arn:aws:iam::111122223333:role\/Deployer/],
    ['case-mismatch', /role\/devops.*only in letter case and still matches/],
    ['different-principal', /user\/Admin, a different principal.*kind \(role vs user\)/],
    ['shadowed-duplicate', /mapRoles entry 5 \(line \d+\).*shadowed by the later entry 8.*viewers/],
    ['section-dropped', /mapRoles failed to parse.*fix the YAML/],
    ['mode-api-ignores-aws-auth', /authentication mode is API.*create an access entry/],
    ['access-entry-overrides-aws-auth', /groups auditors instead of system:masters/],
    ['template-error', /SessionName did not contain an instance id/],
    ['malformed-user-id', /Malformed UserID "AROAEXAMPLE".*pass --user-id/],
    ['wrong-account', /account 444455556666.*account 111122223333 \(every mapping of the cluster\)/],
    ['rbac-denied', /kubectl create rolebinding reader-delete-pods --clusterrole=edit --group=readers -n app|kubectl create rolebinding reader-delete-pods --clusterrole=edit --user=reader -n app/],
    ['token-expired', /expired at 2026-01-15T10:15:00Z/],
    ['clock-skew', /clock/],
    ['token-wrong-cluster', /another cluster name than "staging"/],
    ['token-invalid', /bad-prefix/],
    ['credentials-missing', /aws configure --profile prod-admin/],
    ['credentials-expired', /aws sso login --profile sso-dev/],
    ['wrong-profile', /AWS_PROFILE in the kubeconfig exec env to prod-reader/],
    ['server-rejected', /API server rejects/],
  ])('%s', async (cause, re) => {
    expect((await byCause(cause)).sentence).toMatch(re)
  })
})

describe('details', () => {
  it('missing evidence is a skip with why, never a crash', () => {
    const r = diagnose({mode: 'live', now: new Date().toISOString()})
    expect(r.verdict).toBe('unknown')
    expect(r.steps.every((s) => s.status === 'skip')).toBe(true)
    expect(r.steps.find((s) => s.step === 'sts-identity')!.detail).toMatch(/--arn/)
  })
  it('mode unknown is stated, with the assumption', async () => {
    const r = await run(offlineCases[0]!)
    expect(r.steps.find((s) => s.step === 'auth-mode')).toMatchObject({status: 'skip', detail: expect.stringMatching(/assuming CONFIG_MAP/)})
  })
  it('the token step never carries the presigned URL', async () => {
    const r = await run(offlineCases.find((c) => c.cause === 'token-wrong-cluster')!)
    const text = JSON.stringify(r)
    expect(text).not.toMatch(/X-Amz-Signature|https:\/\/sts/)
  })
  it('precedence: credentials before token before mapping', async () => {
    const r = await run({...liveCases[0]!, evidence: {...liveCases[0]!.evidence, token: {source: 'flag', check: {valid: false, reason: 'expired', message: 'expired'}}}})
    expect(r.cause).toBe('credentials-missing')
  })
  it('parses exec plugin args like aws eks get-token and eksauth token', () => {
    expect(parsePluginArgs('aws', ['--region', 'eu-west-1', 'eks', 'get-token', '--cluster-name', 'prod', '--role-arn', 'arn:aws:iam::1:role/X'], {AWS_PROFILE: 'p'}, {})).toMatchObject({
      clusterName: 'prod', kind: 'aws-eks-get-token', profile: 'p', region: 'eu-west-1', roleArn: 'arn:aws:iam::1:role/X',
    })
    expect(parsePluginArgs('/usr/local/bin/eksauth', ['token', '--cluster-name=prod', '--profile', 'q'], {}, {AWS_PROFILE: 'shell'})).toMatchObject({
      clusterName: 'prod', kind: 'eksauth-token', profile: 'q', shellProfile: 'shell',
    })
    expect(parsePluginArgs('kubelogin', ['get-token'], {}, {}).kind).toBe('other')
    expect(regionFromServer('https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com')).toBe('eu-west-1')
    expect(regionFromServer('https://127.0.0.1:6443')).toBeUndefined()
  })
})
