/**
 * SdkEksAccess with aws-sdk-client-mock (moto has no accessConfig and no access entries; ecosystem.md finding 8).
 * No moto in this file.
 */
import {
  AccessDeniedException,
  DescribeAccessEntryCommand,
  DescribeClusterCommand,
  EKSClient,
  InvalidRequestException,
  ListAccessEntriesCommand,
  ListAssociatedAccessPoliciesCommand,
  ResourceNotFoundException,
} from '@aws-sdk/client-eks'
import {mockClient} from 'aws-sdk-client-mock'
import {afterAll, beforeEach, describe, expect, it} from 'vitest'

import {SdkEksAccess} from '../../src/adapters/aws/eks-access.js'
import {EksauthError, ExitCode} from '../../src/core/errors.js'

const eks = mockClient(EKSClient)
const OPTS = {credentials: {accessKeyId: 'AKIAIOSFODNN7EXAMPLE', secretAccessKey: 'not-a-secret'}, region: 'eu-west-1'}
const ACCT = '111122223333'
const arn = (r: string) => `arn:aws:iam::${ACCT}:role/${r}`
const meta = {$metadata: {httpStatusCode: 400}}

beforeEach(() => eks.reset())
afterAll(() => eks.restore())

describe('cluster()', () => {
  it('reads accessConfig, endpoint access, CIDRs, logs, OIDC and the account', async () => {
    eks.on(DescribeClusterCommand, {name: 'prod'}).resolves({
      cluster: {
        accessConfig: {authenticationMode: 'API_AND_CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: true},
        arn: `arn:aws:eks:eu-west-1:${ACCT}:cluster/prod`,
        identity: {oidc: {issuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC'}},
        logging: {clusterLogging: [{enabled: true, types: ['audit']}, {enabled: false, types: ['api']}]},
        name: 'prod',
        resourcesVpcConfig: {endpointPrivateAccess: false, endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0']},
      },
    })
    const access = new SdkEksAccess('prod', OPTS)
    expect(await access.cluster()).toEqual({
      accountId: ACCT,
      arn: `arn:aws:eks:eu-west-1:${ACCT}:cluster/prod`,
      authenticationMode: 'API_AND_CONFIG_MAP',
      bootstrapClusterCreatorAdminPermissions: true,
      enabledLogTypes: ['audit'],
      endpointPrivateAccess: false,
      endpointPublicAccess: true,
      name: 'prod',
      oidcIssuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC',
      publicAccessCidrs: ['0.0.0.0/0'],
    })
    expect(access.stats().calls).toBe(1)
  })

  it('API mode', async () => {
    eks.on(DescribeClusterCommand).resolves({cluster: {accessConfig: {authenticationMode: 'API'}, name: 'x'}})
    expect((await new SdkEksAccess('x', OPTS).cluster()).authenticationMode).toBe('API')
  })

  it('a missing cluster is NOT_FOUND naming the region; AccessDenied is NOT_AUTHORIZED naming the action', async () => {
    eks.on(DescribeClusterCommand, {name: 'nope'}).rejects(new ResourceNotFoundException({...meta, message: 'No cluster found for name: nope.'}))
    const e1 = (await new SdkEksAccess('nope', OPTS).cluster().catch((e: unknown) => e)) as EksauthError
    expect(e1.exit).toBe(ExitCode.NOT_FOUND)
    expect(e1.message).toMatch(/nope was not found in eu-west-1/)
    eks.on(DescribeClusterCommand, {name: 'secret'}).rejects(new AccessDeniedException({...meta, message: 'User: arn:aws:iam::111122223333:user/x is not authorized to perform: eks:DescribeCluster'}))
    const e2 = (await new SdkEksAccess('secret', OPTS).cluster().catch((e: unknown) => e)) as EksauthError
    expect(e2).toBeInstanceOf(EksauthError)
    expect(e2.exit).toBe(ExitCode.NOT_AUTHORIZED)
    expect(e2.message).toMatch(/^eks:DescribeCluster \(cluster secret\) was denied/)
    expect(e2.suggestions[0]).toMatch(/eks:DescribeCluster/)
  })

  it('a cluster ARN gives the name and the region', async () => {
    eks.on(DescribeClusterCommand, {name: 'prod'}).resolves({cluster: {name: 'prod'}})
    const access = new SdkEksAccess(`arn:aws:eks:ap-south-1:${ACCT}:cluster/prod`, {credentials: OPTS.credentials})
    expect(access.clusterName).toBe('prod')
    expect((await access.cluster()).name).toBe('prod')
    expect(await eks.call(0).thisValue.config.region()).toBe('ap-south-1')
  })

  it('no region at all is BAD_INPUT with the fix', async () => {
    const e = (await new SdkEksAccess('prod', {credentials: OPTS.credentials, env: {AWS_CONFIG_FILE: '/nonexistent/config'}}).cluster().catch((x: unknown) => x)) as EksauthError
    expect(e.exit).toBe(ExitCode.BAD_INPUT)
    expect(e.suggestions.join(' ')).toMatch(/--region/)
  })
})

describe('accessEntries()', () => {
  it('pages ListAccessEntries and ListAssociatedAccessPolicies, describes each principal, at most 4 at a time', async () => {
    const principals = Array.from({length: 12}, (_, i) => arn(`r${String(i).padStart(2, '0')}`))
    // the paginator reuses one input object, so record the token as each call is made
    const listTokens: (string | undefined)[] = []
    const listPages = [
      {accessEntries: principals.slice(0, 5), nextToken: 't1'},
      {accessEntries: principals.slice(5, 10), nextToken: 't2'},
      {accessEntries: principals.slice(10)},
    ]
    eks.on(ListAccessEntriesCommand, {clusterName: 'prod'}).callsFake((input: {nextToken?: string}) => {
      listTokens.push(input.nextToken)
      return listPages[listTokens.length - 1]
    })
    const policyTokens: (string | undefined)[] = []
    let inFlight = 0
    let maxInFlight = 0
    eks.on(DescribeAccessEntryCommand).callsFake(async (input: {principalArn: string}) => {
      inFlight++
      maxInFlight = Math.max(maxInFlight, inFlight)
      await new Promise((r) => setTimeout(r, 5))
      inFlight--
      if (input.principalArn === arn('r03')) throw new ResourceNotFoundException({...meta, message: 'gone'})
      return {
        accessEntry: {
          createdAt: new Date('2025-01-02T03:04:05Z'),
          kubernetesGroups: input.principalArn === arn('r00') ? ['viewers'] : undefined,
          principalArn: input.principalArn,
          type: 'STANDARD',
          username: input.principalArn === arn('r00') ? 'admin:{{SessionName}}' : undefined,
        },
      }
    })
    eks.on(ListAssociatedAccessPoliciesCommand).resolves({associatedAccessPolicies: []})
    eks.on(ListAssociatedAccessPoliciesCommand, {principalArn: arn('r00')}).callsFake((input: {nextToken?: string}) => {
      policyTokens.push(input.nextToken)
      return input.nextToken === 'p1'
        ? {
            associatedAccessPolicies: [
              {accessScope: {namespaces: ['dev', 'qa'], type: 'namespace'}, policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy'},
            ],
          }
        : {
            associatedAccessPolicies: [{accessScope: {type: 'cluster'}, policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'}],
            nextToken: 'p1',
          }
    })

    const access = new SdkEksAccess('prod', OPTS)
    const entries = await access.accessEntries()
    expect(entries.map((e) => e.principalArn)).toEqual(principals.filter((p) => p !== arn('r03')))
    expect(entries[0]).toEqual({
      accessPolicies: [
        {accessScope: {type: 'cluster'}, policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy'},
        {accessScope: {namespaces: ['dev', 'qa'], type: 'namespace'}, policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy'},
      ],
      createdAt: '2025-01-02T03:04:05.000Z',
      kubernetesGroups: ['viewers'],
      principalArn: arn('r00'),
      type: 'STANDARD',
      username: 'admin:{{SessionName}}',
    })
    expect(entries[1]).toEqual({accessPolicies: [], createdAt: '2025-01-02T03:04:05.000Z', kubernetesGroups: [], principalArn: arn('r01'), type: 'STANDARD'})
    expect(maxInFlight).toBeLessThanOrEqual(4)
    expect(maxInFlight).toBeGreaterThan(1)
    // the paginators passed the tokens on
    expect(listTokens).toEqual([undefined, 't1', 't2'])
    expect(policyTokens).toEqual([undefined, 'p1'])
    // 3 list pages + 12 describes + 11 principals' policies (r00 has 2 pages)
    expect(access.stats().byAction).toEqual({'eks:DescribeAccessEntry': 12, 'eks:ListAccessEntries': 3, 'eks:ListAssociatedAccessPolicies': 12})
  })

  it('a CONFIG_MAP cluster has no access entries', async () => {
    eks.on(ListAccessEntriesCommand).rejects(
      new InvalidRequestException({...meta, message: "The cluster's authentication mode must be set to one of [API, API_AND_CONFIG_MAP] to perform this operation."}),
    )
    expect(await new SdkEksAccess('old', OPTS).accessEntries()).toEqual([])
  })

  it('AccessDenied on ListAccessEntries is NOT_AUTHORIZED naming eks:ListAccessEntries', async () => {
    eks.on(ListAccessEntriesCommand).rejects(new AccessDeniedException({...meta, message: 'not authorized to perform: eks:ListAccessEntries'}))
    const e = (await new SdkEksAccess('prod', OPTS).accessEntries().catch((x: unknown) => x)) as EksauthError
    expect(e.exit).toBe(ExitCode.NOT_AUTHORIZED)
    expect(e.message).toMatch(/eks:ListAccessEntries/)
  })

  it('throttling that outlasted the retries is UNAVAILABLE', async () => {
    eks.on(ListAccessEntriesCommand).resolves({accessEntries: [arn('a')]})
    const throttled = Object.assign(new Error('Rate exceeded'), {$fault: 'client', $metadata: {attempts: 5, httpStatusCode: 429}, name: 'ThrottlingException'})
    eks.on(DescribeAccessEntryCommand).rejects(throttled)
    const e = (await new SdkEksAccess('prod', OPTS).accessEntries().catch((x: unknown) => x)) as EksauthError
    expect(e.exit).toBe(ExitCode.UNAVAILABLE)
    expect(e.message).toMatch(/eks:DescribeAccessEntry .*throttling/)
  })
})
