import {describe, expect, it} from 'vitest'

import {assumableBy, canAssume, describeSubject, trustedOidcProviders} from '../../../src/core/workload/irsa.js'

const ACCT = '111122223333'
const PROD = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'
const STG = 'oidc.eks.eu-west-1.amazonaws.com/id/5C1F2A7B0E9D4C3B8A6F1E2D3C4B5A69'
const prod = {accountId: ACCT, issuer: `https://${PROD}`, name: 'prod'}
const staging = {accountId: ACCT, issuer: `https://${STG}`, name: 'staging'}
const provider = (h: string) => `arn:aws:iam::${ACCT}:oidc-provider/${h}`
const allow = (condition?: Record<string, unknown>, h = PROD, extra: Record<string, unknown> = {}) => ({
  Action: 'sts:AssumeRoleWithWebIdentity',
  Effect: 'Allow',
  Principal: {Federated: provider(h)},
  ...(condition ? {Condition: condition} : {}),
  ...extra,
})
const doc = (...Statement: unknown[]) => ({Statement, Version: '2012-10-17'})
const AUD = {[`${PROD}:aud`]: 'sts.amazonaws.com'}

describe('assumableBy', () => {
  it('an exact sub and aud: trusted, one subject, aud ok', () => {
    const t = assumableBy(doc(allow({StringEquals: {...AUD, [`${PROD}:sub`]: 'system:serviceaccount:payments:s3-reader'}})), prod)
    expect(t).toMatchObject({any: false, audOk: true, trusted: true})
    expect(t.subjects).toEqual([
      expect.objectContaining({crossNamespace: false, match: 'equals', name: 's3-reader', namespace: 'payments', pattern: 'system:serviceaccount:payments:s3-reader'}),
    ])
  })

  it('no sub condition: any service account', () => {
    const t = assumableBy(doc(allow({StringEquals: AUD})), prod)
    expect(t).toMatchObject({any: true, trusted: true})
    expect(t.statements[0]).toMatchObject({subConstrained: false})
  })

  it('a different cluster (issuer) is not trusted', () => {
    expect(assumableBy(doc(allow({StringEquals: AUD})), staging).trusted).toBe(false)
  })

  it('a missing Condition and a wrong aud are reported on the statement', () => {
    expect(assumableBy(doc(allow()), prod).statements[0]!.aud).toMatchObject({allowsSts: true, constrained: false})
    const wrong = assumableBy(doc(allow({StringEquals: {[`${PROD}:aud`]: 'https://kubernetes.default.svc'}})), prod)
    expect(wrong.audOk).toBe(false)
    expect(wrong.statements[0]!.aud).toMatchObject({allowsOthers: true, allowsSts: false, constrained: true})
  })

  it('condition keys match case-insensitively, as IAM does', () => {
    const t = assumableBy(doc(allow({StringEquals: {[`${PROD.toLowerCase()}:SUB`]: 'system:serviceaccount:a:b', [`${PROD.toUpperCase()}:aud`]: 'sts.amazonaws.com'}})), prod)
    expect(t).toMatchObject({any: false, audOk: true})
    expect(t.subjects.map((s) => s.pattern)).toEqual(['system:serviceaccount:a:b'])
  })

  it('StringLike: wildcards across namespaces vs within one, covering all', () => {
    const like = (sub: string) => assumableBy(doc(allow({StringEquals: AUD, StringLike: {[`${PROD}:sub`]: sub}})), prod)
    expect(like('system:serviceaccount:*:reporting').subjects[0]).toMatchObject({coversAll: false, crossNamespace: true, includesKubeSystem: true})
    expect(like('system:serviceaccount:team-a:*').subjects[0]).toMatchObject({crossNamespace: false, includesDefault: true, namespace: 'team-a'})
    expect(like('system:serviceaccount:*')).toMatchObject({any: true})
    expect(like('*')).toMatchObject({any: true})
    expect(like('system:serviceaccount:team-?:api').subjects[0]).toMatchObject({crossNamespace: true})
  })

  it('a literal * under StringEquals is no wildcard', () => {
    const s = describeSubject('system:serviceaccount:*:x', 'equals', 0)
    expect(s).toMatchObject({coversAll: false, crossNamespace: false, matchesNoServiceAccount: false})
  })

  it('ForAnyValue:StringEquals lists several service accounts', () => {
    const t = assumableBy(doc(allow({'ForAnyValue:StringEquals': {[`${PROD}:sub`]: ['system:serviceaccount:analytics:spark', 'system:serviceaccount:analytics:trino']}, StringEquals: AUD})), prod)
    expect(t.subjects.map((s) => s.name)).toEqual(['spark', 'trino'])
    expect(t.any).toBe(false)
  })

  it('a Deny with StringNotLike narrows an open Allow to the exception', () => {
    const t = assumableBy(
      doc(allow({StringEquals: AUD}), {
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {StringNotLike: {[`${PROD}:sub`]: 'system:serviceaccount:jobs:*'}},
        Effect: 'Deny',
        Principal: {Federated: provider(PROD)},
      }),
      prod,
    )
    expect(t.any).toBe(false)
    expect(t.denyStatements).toEqual([1])
    expect(t.subjects).toEqual([expect.objectContaining({namespace: 'jobs', pattern: 'system:serviceaccount:jobs:*', source: 'deny-exception'})])
  })

  it('a Deny without sub condition removes everyone', () => {
    const t = assumableBy(doc(allow({StringEquals: AUD}), {Action: 'sts:*', Effect: 'Deny', Principal: '*'}), prod)
    expect(t).toMatchObject({any: false, deniedAll: true, subjects: [], trusted: true})
  })

  it('Principal "*" trusts every provider; conditions on another issuer make the statement dead for this cluster', () => {
    const star = {Action: 'sts:AssumeRoleWithWebIdentity', Effect: 'Allow', Principal: '*'}
    expect(assumableBy(doc(star), prod)).toMatchObject({any: true, trusted: true})
    const other = {...star, Condition: {StringEquals: {[`${STG}:sub`]: 'system:serviceaccount:a:b'}}}
    expect(assumableBy(doc(other), prod).trusted).toBe(false)
    expect(assumableBy(doc(other), staging).trusted).toBe(true)
  })

  it('trustedOidcProviders lists Allow web-identity providers with their statements', () => {
    const p = trustedOidcProviders(doc(allow(undefined, PROD), allow(undefined, STG), {Action: 'sts:AssumeRole', Effect: 'Allow', Principal: {Service: 'pods.eks.amazonaws.com'}}))
    expect(p.map((x) => [x.issuer, x.statements])).toEqual([
      [`https://${PROD}`, [0]],
      [`https://${STG}`, [1]],
    ])
  })
})

describe('canAssume', () => {
  const policy = doc(
    allow({StringEquals: AUD, StringLike: {[`${PROD}:sub`]: ['system:serviceaccount:team-?:api', 'system:serviceaccount:batch:job-*']}}, PROD, {Sid: 'Apps'}),
    {
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {StringEquals: {[`${PROD}:sub`]: 'system:serviceaccount:batch:job-admin'}},
      Effect: 'Deny',
      Principal: {Federated: provider(PROD)},
      Sid: 'NotAdmin',
    },
  )
  it.each([
    ['team-a', 'api', true],
    ['team-b', 'api', true],
    ['team-ab', 'api', false],
    ['team-a', 'web', false],
    ['batch', 'job-7', true],
    ['batch', 'job-', true],
    ['batch', 'job-admin', false],
  ])('StringLike globs: %s/%s -> %s', (ns, sa, allowed) => {
    expect(canAssume(policy, prod, ns, sa).allowed).toBe(allowed)
  })

  it('Deny overrides Allow and says which statement', () => {
    const r = canAssume(policy, prod, 'batch', 'job-admin')
    expect(r).toMatchObject({allowed: false, deniedBy: 1})
    expect(r.reason).toContain('Deny statement 1 (NotAdmin)')
  })

  it('names the granting statement, and explains a refusal', () => {
    expect(canAssume(policy, prod, 'team-a', 'api')).toMatchObject({allowed: true, statement: 0})
    expect(canAssume(policy, prod, 'team-a', 'web').reason).toMatch(/conditions do not admit system:serviceaccount:team-a:web/)
    expect(canAssume(policy, staging, 'team-a', 'api').reason).toMatch(/no Allow statement trusts/)
  })

  it('checks the audience (sts.amazonaws.com by default)', () => {
    expect(canAssume(policy, prod, 'team-a', 'api', {audience: 'vault'}).allowed).toBe(false)
  })

  it('reads URL-encoded policies and case-insensitive keys', () => {
    const enc = encodeURIComponent(JSON.stringify(doc(allow({StringEquals: {[`${PROD.toLowerCase()}:sub`]: 'system:serviceaccount:payments:ledger'}}))))
    expect(canAssume(enc, prod, 'payments', 'ledger').allowed).toBe(true)
    expect(canAssume(enc, prod, 'payments', 'other').allowed).toBe(false)
  })

  it('ForAnyValue and StringEqualsIgnoreCase', () => {
    const p = doc(allow({'ForAnyValue:StringEqualsIgnoreCase': {[`${PROD}:sub`]: ['SYSTEM:SERVICEACCOUNT:A:B', 'system:serviceaccount:c:d']}}))
    expect(canAssume(p, prod, 'a', 'b').allowed).toBe(true)
    expect(canAssume(p, prod, 'c', 'd').allowed).toBe(true)
    expect(canAssume(p, prod, 'a', 'c').allowed).toBe(false)
  })

  it('keys it cannot know offline are assumed satisfiable in Allow and reported', () => {
    const p = doc(allow({IpAddress: {'aws:SourceIp': '10.0.0.0/8'}, StringEquals: {[`${PROD}:sub`]: 'system:serviceaccount:a:b'}}))
    const r = canAssume(p, prod, 'a', 'b')
    expect(r).toMatchObject({allowed: true, assumedKeys: ['aws:SourceIp']})
  })
})
