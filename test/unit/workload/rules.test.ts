import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {EksauthError} from '../../../src/core/errors.js'
import type {Finding} from '../../../src/core/workload/finding.js'
import {type IamRoleRecord, parseAuthorizationDetails, parseDescribeCluster, parsePodIdentityAssociations} from '../../../src/core/workload/inventory.js'
import {auditWorkloadIdentity, parseServiceAccount, serviceAccountRoles, WI_RULES} from '../../../src/core/workload/rules.js'
import {parseTrustPolicy} from '../../../src/core/workload/trust-policy.js'

const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'workload')
const text = (f: string) => readFileSync(join(FIX, f), 'utf8')
const roles = parseAuthorizationDetails(text('authorization-details.json'), 'authorization-details.json')
const prod = parseDescribeCluster(text('describe-cluster.json'))
const staging = parseDescribeCluster(text('describe-cluster-staging.json'))
const partner = parseDescribeCluster(text('describe-cluster-partner.json'))
const associations = parsePodIdentityAssociations(text('pod-identity-associations.json'))

const all = auditWorkloadIdentity({
  clusters: [prod, staging, partner],
  knownClusterIssuers: [prod.issuer, staging.issuer, partner.issuer],
  podIdentityAssociations: associations,
  roles,
})
const of = (name: string, rule?: string, fs: Finding[] = all) => fs.filter((f) => f.subject.name === name && (!rule || f.ruleId === rule))

const ACCT = '111122223333'
const PROD = prod.issuer.slice('https://'.length)
const role = (name: string, Statement: unknown[]): IamRoleRecord => ({
  accountId: ACCT,
  arn: `arn:aws:iam::${ACCT}:role/${name}`,
  name,
  trustPolicy: parseTrustPolicy({Statement, Version: '2012-10-17'}),
})
const irsa = (cond: Record<string, unknown>) => ({
  Action: 'sts:AssumeRoleWithWebIdentity',
  Condition: cond,
  Effect: 'Allow',
  Principal: {Federated: `arn:aws:iam::${ACCT}:oidc-provider/${PROD}`},
})
const audit = (r: IamRoleRecord) => auditWorkloadIdentity({clusters: [prod], roles: [r]})

describe('clean roles produce no finding', () => {
  it.each(['payments-s3-reader', 'analytics-foranyvalue', 'payments-ledger-encoded', 'checkout-pod-identity', 'github-actions-deploy', 'eks-node-role', 'team-a-any-sa'])(
    '%s',
    (name) => {
      expect(of(name)).toEqual([])
    },
  )
})

describe('finding shape', () => {
  it('every finding has the shared shape, a catalogue entry and a location in the inventory', () => {
    expect(all.length).toBeGreaterThan(0)
    for (const f of all) {
      expect(Object.keys(WI_RULES)).toContain(f.ruleId)
      expect(f.subject.kind).toBe('iam-role')
      expect(f.subject.arn).toMatch(/^arn:aws:iam::\d{12}:role\//)
      expect(f.title).toBe(WI_RULES[f.ruleId]!.title)
      expect(f.fix.length).toBeGreaterThan(20)
      expect(f.rationale.length).toBeGreaterThan(20)
      expect(f.location?.file).toBe('authorization-details.json')
      expect(f.location?.path).toMatch(/^RoleDetailList\[\d+\]\.AssumeRolePolicyDocument/)
    }
  })
})

describe('WI001 no sub condition', () => {
  it('fires (critical) for a trust with only aud', () => {
    const [f] = of('irsa-no-sub', 'WI001')
    expect(f).toMatchObject({location: {path: 'RoleDetailList[1].AssumeRolePolicyDocument.Statement[0]'}, severity: 'critical'})
    expect(f!.message).toContain('any service account of cluster prod')
  })
  it('fires for Principal "*" with web identity and no condition, and for an unknown cluster "of any cluster using that provider"', () => {
    const star = role('star', [{Action: 'sts:AssumeRoleWithWebIdentity', Effect: 'Allow', Principal: '*'}])
    expect(audit(star).filter((f) => f.ruleId === 'WI001')).toHaveLength(1)
    const unknown = auditWorkloadIdentity({clusters: [], roles: [role('u', [irsa({StringEquals: {[`${PROD}:aud`]: 'sts.amazonaws.com'}})])]})
    expect(unknown.find((f) => f.ruleId === 'WI001')!.message).toContain(`any cluster using the OIDC provider ${PROD}`)
  })
  it('does not fire when sub is pinned, or when a Deny StringNotEquals narrows it', () => {
    expect(of('payments-s3-reader', 'WI001')).toEqual([])
    const narrowed = role('narrowed', [
      irsa({StringEquals: {[`${PROD}:aud`]: 'sts.amazonaws.com'}}),
      {Action: 'sts:AssumeRoleWithWebIdentity', Condition: {StringNotEquals: {[`${PROD}:sub`]: 'system:serviceaccount:jobs:runner'}}, Effect: 'Deny', Principal: '*'},
    ])
    expect(audit(narrowed)).toEqual([])
  })
})

describe('WI002 wildcard sub across namespaces', () => {
  it('fires high for system:serviceaccount:*:reporting, critical for system:serviceaccount:*', () => {
    expect(of('reporting-wildcard-ns', 'WI002')[0]).toMatchObject({evidence: {coversAll: false, includesKubeSystem: true}, severity: 'high'})
    expect(of('ci-everything', 'WI002')[0]).toMatchObject({evidence: {coversAll: true}, severity: 'critical'})
  })
  it('fires for ? in the namespace', () => {
    const r = role('q', [irsa({StringEquals: {[`${PROD}:aud`]: 'sts.amazonaws.com'}, StringLike: {[`${PROD}:sub`]: 'system:serviceaccount:team-?:api'}})])
    expect(audit(r).map((f) => f.ruleId)).toEqual(['WI002'])
  })
  it('does not fire for a wildcard within one namespace', () => {
    expect(of('team-a-any-sa', 'WI002')).toEqual([])
  })
})

describe('WI003 aud', () => {
  it('fires low when aud is missing, medium when it is wrong', () => {
    expect(of('orders-no-aud', 'WI003')[0]).toMatchObject({evidence: {missing: [0]}, severity: 'low'})
    const [w] = of('orders-wrong-aud', 'WI003')
    expect(w).toMatchObject({severity: 'medium'})
    expect(w!.message).toContain('https://kubernetes.default.svc')
  })
  it('fires medium when aud also accepts other audiences', () => {
    const r = role('x', [irsa({StringEquals: {[`${PROD}:sub`]: 'system:serviceaccount:a:b'}, StringLike: {[`${PROD}:aud`]: '*'}})])
    expect(audit(r).map((f) => [f.ruleId, f.severity])).toEqual([['WI003', 'medium']])
  })
  it('does not fire for aud pinned to sts.amazonaws.com (also with a case-different key)', () => {
    expect(of('payments-s3-reader', 'WI003')).toEqual([])
    expect(of('payments-ledger-encoded', 'WI003')).toEqual([])
  })
})

describe('WI004 unknown cluster or another account', () => {
  it('fires for a deleted cluster only when the existing clusters are known', () => {
    expect(of('legacy-deleted-cluster', 'WI004')[0]).toMatchObject({evidence: {reasons: ['unknown-cluster']}, severity: 'medium'})
    const without = auditWorkloadIdentity({clusters: [prod], roles})
    expect(of('legacy-deleted-cluster', 'WI004', without)).toEqual([])
  })
  it('fires for a cluster of another account, and for a provider ARN of another account', () => {
    expect(of('partner-cluster-trust', 'WI004')[0]).toMatchObject({evidence: {clusterName: 'partner-ingest', reasons: ['cluster-in-other-account']}})
    const r = role('p', [{...irsa({StringEquals: {[`${PROD}:sub`]: 'system:serviceaccount:a:b', [`${PROD}:aud`]: 'sts.amazonaws.com'}}), Principal: {Federated: `arn:aws:iam::444455556666:oidc-provider/${PROD}`}}])
    expect(audit(r)).toEqual([expect.objectContaining({evidence: expect.objectContaining({reasons: ['provider-in-other-account']}), ruleId: 'WI004', severity: 'low'})])
  })
  it('does not fire for the own-account provider of a known cluster', () => {
    expect(of('payments-s3-reader', 'WI004')).toEqual([])
    expect(of('shared-across-clusters', 'WI004')).toEqual([])
  })
})

describe('WI005 kube-system or default service accounts', () => {
  it('fires high for kube-system:*, medium for web:default, low for one named kube-system add-on', () => {
    expect(of('kube-system-wildcard', 'WI005')[0]).toMatchObject({severity: 'high'})
    expect(of('web-default-sa', 'WI005')[0]).toMatchObject({severity: 'medium'})
    expect(of('AmazonEKS_EBS_CSI_DriverRole', 'WI005')[0]).toMatchObject({evidence: {kubeSystem: ['system:serviceaccount:kube-system:ebs-csi-controller-sa']}, severity: 'low'})
  })
  it('does not fire when a Deny removes the default service account, nor for named service accounts elsewhere', () => {
    expect(of('team-a-any-sa', 'WI005')).toEqual([])
    expect(of('payments-s3-reader', 'WI005')).toEqual([])
  })
})

describe('WI006 several clusters', () => {
  it('fires for a role trusted by prod and staging', () => {
    const [f] = of('shared-across-clusters', 'WI006')
    expect(f).toMatchObject({evidence: {statements: [0, 1]}, severity: 'medium'})
    expect(f!.message).toContain('prod, staging')
  })
  it('does not fire for one cluster, nor count GitHub Actions as a cluster', () => {
    expect(all.filter((f) => f.ruleId === 'WI006').map((f) => f.subject.name)).toEqual(['shared-across-clusters'])
    const gh = role('gh', [
      irsa({StringEquals: {[`${PROD}:sub`]: 'system:serviceaccount:a:b', [`${PROD}:aud`]: 'sts.amazonaws.com'}}),
      {Action: 'sts:AssumeRoleWithWebIdentity', Condition: {StringEquals: {'token.actions.githubusercontent.com:sub': 'repo:o/r:ref:refs/heads/main'}}, Effect: 'Allow', Principal: {Federated: `arn:aws:iam::${ACCT}:oidc-provider/token.actions.githubusercontent.com`}},
    ])
    expect(audit(gh)).toEqual([])
  })
})

describe('WI007 Pod Identity roles trusted broadly', () => {
  it('fires for an associated role that also trusts another account root', () => {
    const [f] = of('billing-pod-identity-broad', 'WI007')
    expect(f).toMatchObject({evidence: {broad: [{reason: 'other-account-root', statement: 1}]}, severity: 'high'})
    expect(f!.message).toContain('prod:billing/invoicer')
  })
  it('fires critical for Principal "*" and high for an open IRSA statement on an associated role', () => {
    const pods = {Action: ['sts:AssumeRole', 'sts:TagSession'], Effect: 'Allow', Principal: {Service: 'pods.eks.amazonaws.com'}}
    const assoc = [{clusterName: 'prod', namespace: 'n', roleArn: `arn:aws:iam::${ACCT}:role/r`, serviceAccount: 's'}]
    const star = auditWorkloadIdentity({clusters: [prod], podIdentityAssociations: assoc, roles: [role('r', [pods, {Action: 'sts:AssumeRole', Effect: 'Allow', Principal: {AWS: '*'}}])]})
    expect(star.find((f) => f.ruleId === 'WI007')).toMatchObject({severity: 'critical'})
    const open = auditWorkloadIdentity({clusters: [prod], podIdentityAssociations: assoc, roles: [role('r', [pods, irsa({StringEquals: {[`${PROD}:aud`]: 'sts.amazonaws.com'}})])]})
    expect(open.find((f) => f.ruleId === 'WI007')).toMatchObject({evidence: {broad: [{reason: 'any-service-account', statement: 1}]}, severity: 'high'})
  })
  it('does not fire for a Pod Identity-only trust, nor for a broad role without association', () => {
    expect(of('checkout-pod-identity', 'WI007')).toEqual([])
    const none = auditWorkloadIdentity({clusters: [prod], roles: roles.filter((r) => r.name === 'billing-pod-identity-broad')})
    expect(none).toEqual([])
  })
})

describe('serviceAccountRoles (simulate --service-account)', () => {
  it('lists IRSA roles with the granting statement, and Pod Identity roles', () => {
    expect(serviceAccountRoles(roles, prod, 'payments/s3-reader', associations)).toEqual([
      expect.objectContaining({roleArn: 'arn:aws:iam::111122223333:role/payments-s3-reader', statement: 0, via: 'irsa'}),
      expect.objectContaining({roleName: 'irsa-no-sub', via: 'irsa'}),
      expect.objectContaining({roleName: 'ci-everything', via: 'irsa'}),
    ])
    expect(serviceAccountRoles(roles, prod, 'checkout/checkout-api', associations)).toEqual([
      expect.objectContaining({roleName: 'irsa-no-sub'}),
      expect.objectContaining({roleName: 'ci-everything'}),
      expect.objectContaining({associationId: 'a-1x2y3z4w5v6u7t8s9', roleName: 'checkout-pod-identity', trustsPodIdentity: true, via: 'pod-identity'}),
    ])
  })
  it('honours Deny, the cluster, globs and URL-encoded policies', () => {
    const names = (sa: string, c = prod) => serviceAccountRoles(roles, c, sa, associations).map((r) => r.roleName)
    expect(names('team-a/default')).not.toContain('team-a-any-sa')
    expect(names('team-a/worker')).toContain('team-a-any-sa')
    expect(names('payments/ledger')).toContain('payments-ledger-encoded')
    expect(names('system:serviceaccount:metrics:exporter', staging)).toEqual(['shared-across-clusters'])
    expect(names('checkout/checkout-api', staging)).toEqual([])
  })
  it('parses NS/SA and rejects anything else with BAD_INPUT', () => {
    expect(parseServiceAccount('kube-system/aws-node')).toEqual({name: 'aws-node', namespace: 'kube-system'})
    expect(() => parseServiceAccount('aws-node')).toThrow(EksauthError)
  })
})
