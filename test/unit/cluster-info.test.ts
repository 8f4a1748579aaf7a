/** clusterInfoFromDescribeCluster: the one describe-cluster -> ClusterInfo converter (live adapter and --cluster-json). */
import {describe, expect, it} from 'vitest'

import {clusterInfoFromDescribeCluster, parseClusterArn} from '../../src/core/cluster-info.js'
import {EksauthError, ExitCode} from '../../src/core/errors.js'

/** Shaped like `aws eks describe-cluster --name prod --output json` (trimmed). */
const CLI_OUTPUT = {
  cluster: {
    accessConfig: {authenticationMode: 'API_AND_CONFIG_MAP', bootstrapClusterCreatorAdminPermissions: false},
    arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/prod',
    certificateAuthority: {data: 'LS0tLS1CRUdJTi...'},
    createdAt: '2024-05-01T10:00:00.000000+00:00',
    endpoint: 'https://ABC.gr7.eu-west-1.eks.amazonaws.com',
    identity: {oidc: {issuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC'}},
    logging: {
      clusterLogging: [
        {enabled: true, types: ['api', 'audit', 'authenticator']},
        {enabled: false, types: ['controllerManager', 'scheduler']},
      ],
    },
    name: 'prod',
    resourcesVpcConfig: {endpointPrivateAccess: true, endpointPublicAccess: false, publicAccessCidrs: ['0.0.0.0/0'], subnetIds: ['subnet-1']},
    status: 'ACTIVE',
    version: '1.31',
  },
}

const code = (f: () => unknown): number | undefined => {
  try {
    f()
  } catch (error) {
    return error instanceof EksauthError ? error.exit : -1
  }
  return undefined
}

describe('clusterInfoFromDescribeCluster', () => {
  it('reads the AWS CLI output', () => {
    expect(clusterInfoFromDescribeCluster(CLI_OUTPUT)).toEqual({
      accountId: '111122223333',
      arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/prod',
      authenticationMode: 'API_AND_CONFIG_MAP',
      bootstrapClusterCreatorAdminPermissions: false,
      enabledLogTypes: ['api', 'audit', 'authenticator'],
      endpointPrivateAccess: true,
      endpointPublicAccess: false,
      name: 'prod',
      oidcIssuer: 'https://oidc.eks.eu-west-1.amazonaws.com/id/ABC',
      publicAccessCidrs: ['0.0.0.0/0'],
    })
  })

  it('accepts the bare cluster object and the JSON text', () => {
    const expected = clusterInfoFromDescribeCluster(CLI_OUTPUT)
    expect(clusterInfoFromDescribeCluster(CLI_OUTPUT.cluster)).toEqual(expected)
    expect(clusterInfoFromDescribeCluster(JSON.stringify(CLI_OUTPUT, null, 2))).toEqual(expected)
  })

  it('leaves what the input does not say undefined (no accessConfig: moto, old CLI output)', () => {
    const info = clusterInfoFromDescribeCluster({cluster: {arn: 'arn:aws:eks:us-east-1:111122223333:cluster/dev'}})
    expect(info).toEqual({accountId: '111122223333', arn: 'arn:aws:eks:us-east-1:111122223333:cluster/dev', name: 'dev'})
    expect(clusterInfoFromDescribeCluster({cluster: {logging: {clusterLogging: [{enabled: false, types: ['api']}]}, name: 'x'}}).enabledLogTypes).toEqual([])
    expect(clusterInfoFromDescribeCluster({cluster: {accessConfig: {}, name: 'x'}}).authenticationMode).toBeUndefined()
  })

  it('each authentication mode', () => {
    for (const mode of ['CONFIG_MAP', 'API_AND_CONFIG_MAP', 'API'] as const) {
      expect(clusterInfoFromDescribeCluster({cluster: {accessConfig: {authenticationMode: mode}, name: 'x'}}).authenticationMode).toBe(mode)
    }
  })

  it('rejects what is not describe-cluster output with BAD_INPUT', () => {
    expect(code(() => clusterInfoFromDescribeCluster({clusters: ['prod', 'dev']}))).toBe(ExitCode.BAD_INPUT)
    expect(code(() => clusterInfoFromDescribeCluster('{not json'))).toBe(ExitCode.BAD_INPUT)
    expect(code(() => clusterInfoFromDescribeCluster([]))).toBe(ExitCode.BAD_INPUT)
    expect(code(() => clusterInfoFromDescribeCluster({cluster: {status: 'ACTIVE'}}))).toBe(ExitCode.BAD_INPUT)
    expect(code(() => clusterInfoFromDescribeCluster({cluster: {arn: 'arn:aws:iam::111122223333:role/x', name: 'x'}}))).toBe(ExitCode.BAD_INPUT)
    expect(code(() => clusterInfoFromDescribeCluster({cluster: {accessConfig: {authenticationMode: 'api'}, name: 'x'}}))).toBe(ExitCode.BAD_INPUT)
    expect(() => clusterInfoFromDescribeCluster({clusters: ['prod']}, 'prod.json')).toThrow(/prod\.json is list-clusters output.*describe-cluster/)
  })
})

describe('parseClusterArn', () => {
  it('splits a cluster ARN, in every partition', () => {
    expect(parseClusterArn('arn:aws-cn:eks:cn-north-1:111122223333:cluster/prod')).toEqual({accountId: '111122223333', name: 'prod', partition: 'aws-cn', region: 'cn-north-1'})
    expect(parseClusterArn('prod')).toBeUndefined()
  })
})
