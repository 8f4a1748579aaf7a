/**
 * EksAccess over the EKS API for one cluster: DescribeCluster -> ClusterInfo (through the same converter as the
 * offline --cluster-json input), and the cluster's access entries with their associated access policies.
 */
import type {AccessEntry as SdkAccessEntry, AssociatedAccessPolicy, EKSClient} from '@aws-sdk/client-eks'
import pLimit from 'p-limit'

import {clusterInfoFromDescribeCluster, parseClusterArn} from '../../core/cluster-info.js'
import {EksauthError, ExitCode} from '../../core/errors.js'
import type {AccessEntry, AccessPolicyAssociation, ClusterInfo, EksAccess} from '../../core/ports.js'
import {type AwsClientOptions, awsError, classifyAwsError, eksClient} from './clients.js'

export interface SdkEksAccessOptions extends AwsClientOptions {
  /** parallel DescribeAccessEntry + ListAssociatedAccessPolicies per principal (default 4) */
  concurrency?: number
  /** a prebuilt client (tests) */
  client?: EKSClient
}

export class SdkEksAccess implements EksAccess {
  readonly clusterName: string
  private readonly opts: SdkEksAccessOptions
  private readonly counts: Record<string, number> = {}
  private client?: Promise<EKSClient>

  /** `cluster` is a name, or a cluster ARN (whose region then wins over --region / AWS_REGION). */
  constructor(cluster: string, opts: SdkEksAccessOptions = {}) {
    const arn = cluster.startsWith('arn:') ? parseClusterArn(cluster) : undefined
    this.clusterName = arn?.name ?? cluster
    this.opts = arn?.region ? {...opts, region: arn.region} : opts
  }

  stats(): {calls: number; byAction: Record<string, number>} {
    return {byAction: {...this.counts}, calls: Object.values(this.counts).reduce((a, b) => a + b, 0)}
  }

  async cluster(): Promise<ClusterInfo> {
    const eks = await this.eks()
    const {DescribeClusterCommand} = await import('@aws-sdk/client-eks')
    this.count('eks:DescribeCluster')
    try {
      const res = await eks.send(new DescribeClusterCommand({name: this.clusterName}))
      return clusterInfoFromDescribeCluster({cluster: res.cluster ?? {}}, `eks:DescribeCluster ${this.clusterName}`)
    } catch (error) {
      throw this.error(error, 'eks:DescribeCluster')
    }
  }

  /**
   * ListAccessEntries (every page), then per principal DescribeAccessEntry and ListAssociatedAccessPolicies (every
   * page), `concurrency` principals at a time. A cluster in CONFIG_MAP mode has no access entries: []. An entry
   * deleted between the listing and its description is left out. Sorted by principal ARN.
   */
  async accessEntries(): Promise<AccessEntry[]> {
    const eks = await this.eks()
    const sdk = await import('@aws-sdk/client-eks')
    const clusterName = this.clusterName
    const principals: string[] = []
    try {
      for await (const page of sdk.paginateListAccessEntries({client: eks, pageSize: 100}, {clusterName})) {
        this.count('eks:ListAccessEntries')
        principals.push(...(page.accessEntries ?? []))
      }
    } catch (error) {
      this.count('eks:ListAccessEntries')
      if (isConfigMapOnly(error)) return []
      throw this.error(error, 'eks:ListAccessEntries')
    }

    const limit = pLimit(this.opts.concurrency ?? 4)
    const entries = await Promise.all(
      [...new Set(principals)].map((principalArn) =>
        limit(async (): Promise<AccessEntry | undefined> => {
          let entry: SdkAccessEntry | undefined
          this.count('eks:DescribeAccessEntry')
          try {
            entry = (await eks.send(new sdk.DescribeAccessEntryCommand({clusterName, principalArn}))).accessEntry
          } catch (error) {
            if (classifyAwsError(error) === 'not-found') return undefined
            throw this.error(error, 'eks:DescribeAccessEntry', principalArn)
          }
          const policies: AccessPolicyAssociation[] = []
          try {
            for await (const page of sdk.paginateListAssociatedAccessPolicies({client: eks, pageSize: 100}, {clusterName, principalArn})) {
              this.count('eks:ListAssociatedAccessPolicies')
              for (const p of page.associatedAccessPolicies ?? []) {
                const a = association(p)
                if (a) policies.push(a)
              }
            }
          } catch (error) {
            this.count('eks:ListAssociatedAccessPolicies')
            if (classifyAwsError(error) === 'not-found') return undefined
            throw this.error(error, 'eks:ListAssociatedAccessPolicies', principalArn)
          }
          const out: AccessEntry = {
            accessPolicies: policies,
            kubernetesGroups: entry?.kubernetesGroups ?? [],
            principalArn: entry?.principalArn ?? principalArn,
          }
          if (entry?.username) out.username = entry.username
          if (entry?.type) out.type = entry.type
          if (entry?.createdAt) out.createdAt = new Date(entry.createdAt).toISOString()
          return out
        }),
      ),
    )
    return entries.filter((e): e is AccessEntry => e !== undefined).sort((a, b) => (a.principalArn < b.principalArn ? -1 : a.principalArn > b.principalArn ? 1 : 0))
  }

  // -------------------------------------------------------------------------------------------------------------

  private eks(): Promise<EKSClient> {
    this.client ??= this.opts.client ? Promise.resolve(this.opts.client) : eksClient(this.opts)
    return this.client
  }

  private count(action: string): void {
    this.counts[action] = (this.counts[action] ?? 0) + 1
  }

  private error(error: unknown, action: string, principal?: string): EksauthError {
    const resource = principal ? `cluster ${this.clusterName}, principal ${principal}` : `cluster ${this.clusterName}`
    const mapped = awsError(error, {action, env: this.opts.env, profile: this.opts.profile, resource})
    if (mapped.exit === ExitCode.NOT_FOUND && !principal) {
      const region = this.opts.region ?? this.opts.env?.AWS_REGION ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION
      return new EksauthError(`EKS cluster ${this.clusterName} was not found${region ? ` in ${region}` : ''} (${action})`, {
        code: 'E_CLUSTER_NOT_FOUND',
        details: mapped.details,
        exit: ExitCode.NOT_FOUND,
        suggestions: ['check the name with `aws eks list-clusters`, and the region (--region) and account (--profile)'],
      })
    }
    return mapped
  }
}

/** InvalidRequestException "...authentication mode must be set to one of [API, API_AND_CONFIG_MAP]..." */
function isConfigMapOnly(error: unknown): boolean {
  const e = error as {name?: string; message?: string}
  return e?.name === 'InvalidRequestException' && /authentication ?mode/i.test(String(e.message ?? ''))
}

function association(p: AssociatedAccessPolicy): AccessPolicyAssociation | undefined {
  if (!p.policyArn) return undefined
  const type = p.accessScope?.type === 'namespace' ? 'namespace' : 'cluster'
  return {
    accessScope: type === 'namespace' ? {namespaces: [...(p.accessScope?.namespaces ?? [])], type} : {type},
    policyArn: p.policyArn,
  }
}
