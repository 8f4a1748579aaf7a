/**
 * Live inputs of audit --workload-identity (issue #8 item 3): IAM ListRoles pages with URL-encoded trust policies and
 * the cluster's Pod Identity associations, with aws-sdk-client-mock (moto has no Pod Identity API). No moto here.
 */
import {DescribePodIdentityAssociationCommand, EKSClient, ListPodIdentityAssociationsCommand} from '@aws-sdk/client-eks'
import {IAMClient, ListRolesCommand} from '@aws-sdk/client-iam'
import {mockClient} from 'aws-sdk-client-mock'
import {afterAll, beforeEach, describe, expect, it} from 'vitest'

import {resetAwsClients} from '../../src/adapters/aws/clients.js'
import {loadWorkloadLive} from '../../src/adapters/aws/workload.js'
import {auditWorkloadIdentity} from '../../src/core/workload/rules.js'

const eks = mockClient(EKSClient)
const iam = mockClient(IAMClient)
const OPTS = {credentials: {accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'not-a-secret'}, region: 'eu-west-1'}
const ISSUER = 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC123'
const PROVIDER = 'arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/ABC123'
const CLUSTER = {accountId: '111122223333', arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/prod', name: 'prod', oidcIssuer: ISSUER}
const enc = (o: unknown) => encodeURIComponent(JSON.stringify(o))
const irsa = (sub: string) =>
  enc({Statement: [{Action: 'sts:AssumeRoleWithWebIdentity', Condition: {StringLike: {'oidc.eks.eu-west-1.amazonaws.com/id/ABC123:sub': sub}}, Effect: 'Allow', Principal: {Federated: PROVIDER}}], Version: '2012-10-17'})

beforeEach(() => {
  eks.reset()
  iam.reset()
  resetAwsClients()
})
afterAll(() => {
  eks.restore()
  iam.restore()
})

describe('loadWorkloadLive', () => {
  it('pages ListRoles, decodes trust policies, describes every Pod Identity association; the rules then fire', async () => {
    iam
      .on(ListRolesCommand)
      .resolvesOnce({IsTruncated: true, Marker: 'm1', Roles: [{Arn: 'arn:aws:iam::111122223333:role/everything', AssumeRolePolicyDocument: irsa('system:serviceaccount:*'), CreateDate: new Date(), Path: '/', RoleId: 'AROA1', RoleName: 'everything'}]})
      .resolvesOnce({IsTruncated: false, Roles: [{Arn: 'arn:aws:iam::111122223333:role/web', AssumeRolePolicyDocument: irsa('system:serviceaccount:web:api'), CreateDate: new Date(), Path: '/', RoleId: 'AROA2', RoleName: 'web'}]})
    eks.on(ListPodIdentityAssociationsCommand, {clusterName: 'prod'}).resolves({associations: [{associationId: 'a-1', clusterName: 'prod', namespace: 'web', serviceAccount: 'api'}]})
    eks.on(DescribePodIdentityAssociationCommand, {associationId: 'a-1'}).resolves({
      association: {associationId: 'a-1', clusterName: 'prod', namespace: 'web', roleArn: 'arn:aws:iam::111122223333:role/web', serviceAccount: 'api'},
    })
    const {input, notes} = await loadWorkloadLive(CLUSTER, OPTS)
    expect(notes).toEqual([])
    expect(input.roles.map((r) => r.name)).toEqual(['everything', 'web'])
    expect(input.clusters).toEqual([{accountId: '111122223333', arn: CLUSTER.arn, issuer: ISSUER, name: 'prod'}])
    expect(input.podIdentityAssociations).toMatchObject([{associationId: 'a-1', namespace: 'web', roleArn: 'arn:aws:iam::111122223333:role/web', serviceAccount: 'api'}])
    const ids = auditWorkloadIdentity(input).map((f) => `${f.ruleId} ${f.subject.kind === 'iam-role' ? f.subject.name : ''}`)
    expect(ids).toContain('WI002 everything')
    expect(ids.some((x) => x.endsWith(' web') && x.startsWith('WI002'))).toBe(false)
  })
  it('a role whose trust policy cannot be read is skipped with a note, not a crash', async () => {
    iam.on(ListRolesCommand).resolves({Roles: [{Arn: 'arn:aws:iam::111122223333:role/odd', AssumeRolePolicyDocument: '%7Bnot-json', CreateDate: new Date(), Path: '/', RoleId: 'AROA3', RoleName: 'odd'}]})
    eks.on(ListPodIdentityAssociationsCommand).resolves({associations: []})
    const {input, notes} = await loadWorkloadLive(CLUSTER, OPTS)
    expect(input.roles).toEqual([])
    expect(notes[0]).toMatch(/^role odd skipped: /)
  })
  it('AccessDenied on ListRoles is NOT_AUTHORIZED naming the action', async () => {
    iam.on(ListRolesCommand).rejects(Object.assign(new Error('User is not authorized to perform: iam:ListRoles'), {$fault: 'client', $metadata: {httpStatusCode: 403}, name: 'AccessDenied'}))
    await expect(loadWorkloadLive(CLUSTER, OPTS)).rejects.toMatchObject({exit: 6, message: expect.stringContaining('iam:ListRoles')})
  })
})
