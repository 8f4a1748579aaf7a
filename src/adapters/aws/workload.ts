/**
 * Live inputs of the workload-identity audit: every IAM role with its trust policy (ListRoles pages; the documents
 * come URL-encoded), and the cluster's Pod Identity associations (ListPodIdentityAssociations, then Describe for the
 * role of each, since the list has none).
 */
import pLimit from 'p-limit'

import type {ClusterInfo} from '../../core/ports.js'
import {type IamRoleRecord, parsePodIdentityAssociations, roleFromIam} from '../../core/workload/inventory.js'
import type {WorkloadAuditInput} from '../../core/workload/rules.js'
import {type AwsClientOptions, awsError, eksClient, iamClient} from './clients.js'

export async function loadWorkloadLive(cluster: ClusterInfo, opts: AwsClientOptions): Promise<{input: WorkloadAuditInput; notes: string[]}> {
  const notes: string[] = []
  const {paginateListRoles} = await import('@aws-sdk/client-iam')
  const iam = await iamClient(opts)
  const roles: IamRoleRecord[] = []
  try {
    for await (const page of paginateListRoles({client: iam, pageSize: 1000}, {})) {
      for (const r of page.Roles ?? []) {
        try {
          roles.push(roleFromIam(r, `IAM role ${r.RoleName ?? ''}`, undefined, r.Arn))
        } catch (error) {
          notes.push(`role ${r.RoleName ?? '?'} skipped: ${(error as Error).message}`)
        }
      }
    }
  } catch (error) {
    throw awsError(error, {action: 'iam:ListRoles', env: opts.env, profile: opts.profile})
  }
  const {DescribePodIdentityAssociationCommand, paginateListPodIdentityAssociations} = await import('@aws-sdk/client-eks')
  const eks = await eksClient(opts)
  const ids: string[] = []
  try {
    for await (const page of paginateListPodIdentityAssociations({client: eks}, {clusterName: cluster.name})) {
      for (const a of page.associations ?? []) if (a.associationId) ids.push(a.associationId)
    }
  } catch (error) {
    throw awsError(error, {action: 'eks:ListPodIdentityAssociations', env: opts.env, profile: opts.profile, resource: cluster.name})
  }
  const limit = pLimit(4)
  const described = await Promise.all(
    ids.map((associationId) =>
      limit(async () => {
        try {
          return (await eks.send(new DescribePodIdentityAssociationCommand({associationId, clusterName: cluster.name}))).association
        } catch (error) {
          throw awsError(error, {action: 'eks:DescribePodIdentityAssociation', env: opts.env, profile: opts.profile, resource: associationId})
        }
      }),
    ),
  )
  const podIdentityAssociations = parsePodIdentityAssociations(
    described.filter(Boolean).map((a) => ({association: a})),
    `Pod Identity associations of ${cluster.name}`,
  )
  if (!cluster.oidcIssuer) notes.push(`cluster ${cluster.name} reports no OIDC issuer: IRSA trust cannot be evaluated for it`)
  return {
    input: {
      clusters: cluster.oidcIssuer ? [{accountId: cluster.accountId, arn: cluster.arn, issuer: cluster.oidcIssuer, name: cluster.name}] : [],
      podIdentityAssociations,
      roles,
    },
    notes,
  }
}
