import {describe, expect, it} from 'vitest'

import {EksauthError, ExitCode} from '../../../src/core/errors.js'
import {covers, globMatch, intersects, tokenize} from '../../../src/core/workload/glob.js'
import {caught} from '../../support/errors.js'
import {
  actionMatches,
  type ConditionClause,
  evaluateClause,
  issuerToOidcProviderArn,
  oidcProviderArnToIssuer,
  parseEksIssuer,
  parseTrustPolicy,
  sameIssuer,
} from '../../../src/core/workload/trust-policy.js'

const PROD = 'oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE'
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${PROD}`
const IRSA = {
  Statement: [
    {
      Action: 'sts:AssumeRoleWithWebIdentity',
      Condition: {StringEquals: {[`${PROD}:aud`]: 'sts.amazonaws.com', [`${PROD}:sub`]: 'system:serviceaccount:payments:s3-reader'}},
      Effect: 'Allow',
      Principal: {Federated: PROVIDER},
    },
  ],
  Version: '2012-10-17',
}

const badInput = (f: () => unknown): EksauthError => caught(EksauthError, f)

describe('parseTrustPolicy', () => {
  it('reads an object, a JSON string, a URL-encoded string (as GetRole returns it) and a double-encoded one alike', () => {
    const json = JSON.stringify(IRSA)
    const a = parseTrustPolicy(IRSA)
    expect(parseTrustPolicy(json)).toEqual(a)
    expect(parseTrustPolicy(encodeURIComponent(json))).toEqual(a)
    expect(parseTrustPolicy(encodeURIComponent(encodeURIComponent(json)))).toEqual(a)
    expect(a.version).toBe('2012-10-17')
    expect(a.statements[0]).toMatchObject({actions: ['sts:AssumeRoleWithWebIdentity'], effect: 'Allow', index: 0})
    expect(a.statements[0]!.principal!.federated).toEqual([PROVIDER])
    expect(a.statements[0]!.conditions.map((c) => c.keyLower)).toEqual([`${PROD.toLowerCase()}:aud`, `${PROD.toLowerCase()}:sub`])
  })

  it('accepts Statement as a single object, Principal as "*", a list, or {AWS|Service|Federated} with string or list', () => {
    const p = parseTrustPolicy({
      Statement: {Action: ['sts:AssumeRole', 'sts:TagSession'], Effect: 'Allow', Principal: {AWS: ['arn:aws:iam::444455556666:root', '*'], Service: 'pods.eks.amazonaws.com'}},
    })
    expect(p.statements).toHaveLength(1)
    expect(p.statements[0]!.principal).toMatchObject({aws: ['arn:aws:iam::444455556666:root'], service: ['pods.eks.amazonaws.com'], wildcard: true})
    expect(parseTrustPolicy({Statement: [{Action: 'sts:*', Effect: 'Allow', Principal: '*'}]}).statements[0]!.principal!.wildcard).toBe(true)
    const list = parseTrustPolicy({Statement: [{Action: '*', Effect: 'Deny', Principal: [PROVIDER, 'ec2.amazonaws.com', 'arn:aws:iam::111122223333:role/x']}]})
    expect(list.statements[0]!.principal).toMatchObject({aws: ['arn:aws:iam::111122223333:role/x'], federated: [PROVIDER], service: ['ec2.amazonaws.com']})
  })

  it('splits ForAnyValue:/ForAllValues: qualifiers and IfExists, and flags operators it does not evaluate', () => {
    const p = parseTrustPolicy({
      Statement: [
        {
          Action: 'sts:AssumeRoleWithWebIdentity',
          Condition: {
            'ForAllValues:StringLikeIfExists': {k1: ['a*', 'b']},
            'ForAnyValue:StringEquals': {k2: 'x'},
            NumericLessThan: {k3: 3},
            stringnotequals: {k4: true},
          },
          Effect: 'Allow',
          Principal: {Federated: PROVIDER},
        },
      ],
    })
    const [c1, c2, c3, c4] = p.statements[0]!.conditions
    expect(c1).toMatchObject({base: 'StringLike', ifExists: true, negated: false, qualifier: 'ForAllValues', supported: true, values: ['a*', 'b']})
    expect(c2).toMatchObject({base: 'StringEquals', qualifier: 'ForAnyValue'})
    expect(c3).toMatchObject({base: 'NumericLessThan', supported: false, values: ['3']})
    expect(c4).toMatchObject({base: 'StringNotEquals', negated: true, supported: true, values: ['true']})
  })

  it.each([
    ['not JSON', 'this is not json', /neither JSON nor URL-encoded JSON/],
    ['no Statement', {Version: '2012-10-17'}, /has no Statement/],
    ['a bad Effect', {Statement: [{Action: 'sts:AssumeRole', Effect: 'allow', Principal: '*'}]}, /Effect must be "Allow" or "Deny"/],
    ['no Principal', {Statement: [{Action: 'sts:AssumeRole', Effect: 'Allow'}]}, /has no Principal/],
    ['no Action', {Statement: [{Effect: 'Allow', Principal: '*'}]}, /has no Action/],
    ['a Condition that is not an object', {Statement: [{Action: 'x', Condition: 'x', Effect: 'Allow', Principal: '*'}]}, /Condition must be an object/],
  ])('rejects %s with BAD_INPUT and a one-line fix', (_, input, msg) => {
    const e = badInput(() => parseTrustPolicy(input, 'role x'))
    expect(e.exit).toBe(ExitCode.BAD_INPUT)
    expect(e.message).toMatch(msg)
    expect(e.message).not.toContain('\n')
  })
})

describe('actions', () => {
  it('matches actions case-insensitively with wildcards, and honours NotAction', () => {
    expect(actionMatches({actions: ['sts:*']}, 'sts:AssumeRoleWithWebIdentity')).toBe(true)
    expect(actionMatches({actions: ['STS:assumerolewithwebidentity']}, 'sts:AssumeRoleWithWebIdentity')).toBe(true)
    expect(actionMatches({actions: ['sts:AssumeRole*']}, 'sts:AssumeRoleWithWebIdentity')).toBe(true)
    expect(actionMatches({actions: ['sts:AssumeRole']}, 'sts:AssumeRoleWithWebIdentity')).toBe(false)
    expect(actionMatches({notActions: ['sts:AssumeRole']}, 'sts:AssumeRoleWithWebIdentity')).toBe(true)
    expect(actionMatches({notActions: ['sts:*']}, 'sts:AssumeRoleWithWebIdentity')).toBe(false)
  })
})

describe('OIDC provider ARN <-> issuer', () => {
  it.each([
    ['https://oidc.eks.us-west-2.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789', '111122223333', 'aws'],
    ['https://oidc.eks.us-gov-west-1.amazonaws.com/id/ABCDEF0123456789ABCDEF0123456789', '111122223333', 'aws-us-gov'],
    ['https://oidc.eks.cn-north-1.amazonaws.com.cn/id/ABCDEF0123456789ABCDEF0123456789', '111122223333', 'aws-cn'],
    ['https://oidc.eks.us-iso-east-1.c2s.ic.gov/id/ABCDEF0123456789ABCDEF0123456789', '111122223333', 'aws-iso'],
    ['https://oidc.eks.us-isob-east-1.sc2s.sgov.gov/id/ABCDEF0123456789ABCDEF0123456789', '111122223333', 'aws-iso-b'],
    ['https://oidc.eks.eu-isoe-west-1.cloud.adc-e.uk/id/ABCDEF0123456789ABCDEF0123456789', '111122223333', 'aws-iso-e'],
    ['https://oidc.eks.us-isof-south-1.csp.hci.ic.gov/id/ABCDEF0123456789ABCDEF0123456789', '111122223333', 'aws-iso-f'],
  ])('%s round-trips (%s, %s)', (issuer, acct, partition) => {
    expect(parseEksIssuer(issuer)?.partition).toBe(partition)
    const arn = issuerToOidcProviderArn(issuer, acct)
    expect(arn).toBe(`arn:${partition}:iam::${acct}:oidc-provider/${issuer.slice('https://'.length)}`)
    expect(oidcProviderArnToIssuer(arn)).toBe(issuer)
  })
  it('knows non-EKS issuers are not clusters, and compares issuers ignoring scheme, trailing slash and case', () => {
    expect(parseEksIssuer('https://token.actions.githubusercontent.com')).toBeUndefined()
    expect(oidcProviderArnToIssuer('arn:aws:iam::111122223333:role/x')).toBeUndefined()
    expect(sameIssuer(`https://${PROD}/`, PROD.toLowerCase())).toBe(true)
    expect(sameIssuer(`https://${PROD}`, 'https://oidc.eks.us-west-2.amazonaws.com/id/OTHER')).toBe(false)
  })
})

describe('conditions, IAM semantics', () => {
  const c = (over: Partial<ConditionClause>): ConditionClause => ({
    base: 'StringEquals',
    ifExists: false,
    key: 'k',
    keyLower: 'k',
    negated: false,
    operator: 'StringEquals',
    supported: true,
    values: ['v'],
    ...over,
  })
  const none = new Map<string, string[]>()
  const v = new Map([['k', ['v']]])
  it('missing key: positive false, negated true, IfExists true, ForAnyValue false, ForAllValues true', () => {
    expect(evaluateClause(c({}), none)).toBe(false)
    expect(evaluateClause(c({base: 'StringNotEquals', negated: true}), none)).toBe(true)
    expect(evaluateClause(c({ifExists: true}), none)).toBe(true)
    expect(evaluateClause(c({qualifier: 'ForAnyValue'}), none)).toBe(false)
    expect(evaluateClause(c({qualifier: 'ForAllValues'}), none)).toBe(true)
  })
  it('present key: equality, ignore-case, negation, Null', () => {
    expect(evaluateClause(c({}), v)).toBe(true)
    expect(evaluateClause(c({values: ['V']}), v)).toBe(false)
    expect(evaluateClause(c({base: 'StringEqualsIgnoreCase', values: ['V']}), v)).toBe(true)
    expect(evaluateClause(c({base: 'StringNotEquals', negated: true}), v)).toBe(false)
    expect(evaluateClause(c({base: 'Null', values: ['true']}), v)).toBe(false)
    expect(evaluateClause(c({base: 'Null', values: ['true']}), none)).toBe(true)
  })
  it('multi-valued keys: ForAnyValue needs one match, ForAllValues needs all', () => {
    const ctx = new Map([['k', ['a', 'b']]])
    expect(evaluateClause(c({qualifier: 'ForAnyValue', values: ['a']}), ctx)).toBe(true)
    expect(evaluateClause(c({qualifier: 'ForAllValues', values: ['a']}), ctx)).toBe(false)
    expect(evaluateClause(c({qualifier: 'ForAllValues', values: ['a', 'b', 'c']}), ctx)).toBe(true)
  })
})

describe('IAM globs', () => {
  it('* matches any run (also empty and across ":"), ? exactly one character, ${*} a literal star', () => {
    expect(globMatch('system:serviceaccount:*', 'system:serviceaccount:a:b')).toBe(true)
    expect(globMatch('system:serviceaccount:team-?:api', 'system:serviceaccount:team-a:api')).toBe(true)
    expect(globMatch('system:serviceaccount:team-?:api', 'system:serviceaccount:team-ab:api')).toBe(false)
    expect(globMatch('a*b*c', 'abc')).toBe(true)
    expect(globMatch('a*b*c', 'axxbyyc')).toBe(true)
    expect(globMatch('a*b*c', 'axxbyy')).toBe(false)
    expect(globMatch('a${*}', 'a*')).toBe(true)
    expect(globMatch('a${*}', 'ab')).toBe(false)
    expect(globMatch('ABC', 'abc')).toBe(false)
  })
  it('intersects and covers compare patterns with each other', () => {
    const t = (s: string) => tokenize(s, true)
    expect(intersects(t('system:serviceaccount:*:reporting'), t('system:serviceaccount:kube-system:?*'))).toBe(true)
    expect(intersects(t('system:serviceaccount:web:*'), t('system:serviceaccount:kube-system:?*'))).toBe(false)
    expect(covers(t('system:serviceaccount:*'), t('system:serviceaccount:?*:?*'))).toBe(true)
    expect(covers(t('system:serviceaccount:*:*'), t('system:serviceaccount:?*:?*'))).toBe(true)
    expect(covers(t('system:serviceaccount:a*'), t('system:serviceaccount:?*:?*'))).toBe(false)
    expect(covers(t('*'), t('anything?*'))).toBe(true)
  })
})
