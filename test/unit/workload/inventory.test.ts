import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {EksauthError, ExitCode} from '../../../src/core/errors.js'
import {parseAuthorizationDetails, parseClusters, parseDescribeCluster, parsePodIdentityAssociations} from '../../../src/core/workload/inventory.js'
import {caught} from '../../support/errors.js'

const FIX = join(import.meta.dirname, '..', '..', 'fixtures', 'workload')
const text = (f: string) => readFileSync(join(FIX, f), 'utf8')
const fail = (f: () => unknown): EksauthError => caught(EksauthError, f)

describe('IAM inventory', () => {
  it('reads RoleDetailList (including the URL-encoded document) and ignores the rest', () => {
    const roles = parseAuthorizationDetails(text('authorization-details.json'), 'auth.json')
    expect(roles).toHaveLength(19)
    expect(roles[0]).toMatchObject({accountId: '111122223333', arn: 'arn:aws:iam::111122223333:role/payments-s3-reader', location: {file: 'auth.json', path: 'RoleDetailList[0]'}, name: 'payments-s3-reader', path: '/'})
    const enc = roles.find((r) => r.name === 'payments-ledger-encoded')!
    expect(enc.trustPolicy.statements[0]!.conditions).toHaveLength(2)
  })
  it('also reads list-roles {Roles} and get-role {Role}', () => {
    const doc = JSON.parse(text('authorization-details.json')) as {RoleDetailList: unknown[]}
    expect(parseAuthorizationDetails({Roles: doc.RoleDetailList.slice(0, 2)})).toHaveLength(2)
    expect(parseAuthorizationDetails({Role: doc.RoleDetailList[0]})[0]!.name).toBe('payments-s3-reader')
  })
  it.each([
    ['not JSON', '{oops', /is not JSON/],
    ['empty', '  ', /is empty/],
    ['users only', {UserDetailList: []}, /--filter Role/],
    ['something else', {foo: 1}, /get-account-authorization-details/],
    ['a role without Arn', {RoleDetailList: [{RoleName: 'x'}]}, /has no Arn/],
    ['a user ARN', {RoleDetailList: [{Arn: 'arn:aws:iam::111122223333:user/x', AssumeRolePolicyDocument: {}}]}, /not an IAM role ARN/],
    ['no trust policy', {RoleDetailList: [{Arn: 'arn:aws:iam::111122223333:role/x'}]}, /has no AssumeRolePolicyDocument/],
    ['a broken trust policy', {RoleDetailList: [{Arn: 'arn:aws:iam::111122223333:role/x', AssumeRolePolicyDocument: '%7Bnope'}]}, /RoleDetailList\[0\] \(x\) AssumeRolePolicyDocument is neither JSON/],
  ])('rejects %s with BAD_INPUT', (_, input, msg) => {
    const e = fail(() => parseAuthorizationDetails(input, 'auth.json'))
    expect(e.exit).toBe(ExitCode.BAD_INPUT)
    expect(e.message).toMatch(msg)
    expect(e.message).not.toContain('\n')
  })
})

describe('clusters', () => {
  it('reads describe-cluster into name, arn, account, region and issuer', () => {
    expect(parseDescribeCluster(text('describe-cluster.json'))).toEqual({
      accountId: '111122223333',
      arn: 'arn:aws:eks:us-west-2:111122223333:cluster/prod',
      issuer: 'https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE',
      name: 'prod',
      partition: 'aws',
      region: 'us-west-2',
    })
  })
  it('reads several, and rejects list-clusters output or a cluster without issuer', () => {
    const two = [JSON.parse(text('describe-cluster.json')), JSON.parse(text('describe-cluster-staging.json'))]
    expect(parseClusters(two).map((c) => c.name)).toEqual(['prod', 'staging'])
    expect(fail(() => parseClusters({clusters: ['prod']})).message).toMatch(/list-clusters output/)
    expect(fail(() => parseDescribeCluster({cluster: {arn: 'arn:aws:eks:us-west-2:111122223333:cluster/x', name: 'x'}})).message).toMatch(/identity\.oidc\.issuer/)
    expect(fail(() => parseDescribeCluster({cluster: {name: 'x'}})).exit).toBe(ExitCode.BAD_INPUT)
  })
})

describe('pod identity associations', () => {
  it('reads describe output (array of {association}) and list output ({associations}, no roleArn)', () => {
    const d = parsePodIdentityAssociations(text('pod-identity-associations.json'))
    expect(d[0]).toMatchObject({associationId: 'a-1x2y3z4w5v6u7t8s9', clusterName: 'prod', namespace: 'checkout', roleArn: 'arn:aws:iam::111122223333:role/checkout-pod-identity', serviceAccount: 'checkout-api'})
    const l = parsePodIdentityAssociations(text('list-pod-identity-associations.json'))
    expect(l).toHaveLength(1)
    expect(l[0]!.roleArn).toBeUndefined()
    expect(parsePodIdentityAssociations({association: {namespace: 'a', serviceAccount: 'b'}})).toEqual([{namespace: 'a', serviceAccount: 'b'}])
  })
  it('rejects other JSON with BAD_INPUT', () => {
    expect(fail(() => parsePodIdentityAssociations({foo: 1})).message).toMatch(/describe-pod-identity-association/)
    expect(fail(() => parsePodIdentityAssociations({associations: [{clusterName: 'x'}]})).message).toMatch(/no namespace\/serviceAccount/)
  })
})
