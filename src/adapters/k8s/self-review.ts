/** Who the cluster thinks the caller is: SelfSubjectReview (authentication.k8s.io/v1, GA in Kubernetes 1.28). */
import {EksauthError, ExitCode} from '../../core/errors.js'
import type {Cluster} from './cluster.js'

export interface ClusterIdentity {
  username: string
  uid?: string
  groups: string[]
  extra: Record<string, string[]>
}

export async function selfSubjectReview(cluster: Cluster): Promise<ClusterIdentity> {
  const api = await cluster.authentication()
  const review = await cluster.call(
    {verb: 'create', resource: 'selfsubjectreviews', group: 'authentication.k8s.io'},
    () => api.createSelfSubjectReview({body: {apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview'}}),
    (code) =>
      code === 404
        ? new EksauthError(`${cluster.describe()} does not serve SelfSubjectReview (authentication.k8s.io/v1 needs Kubernetes 1.28 or later)`, {
            code: 'E_K8S_NO_SELF_REVIEW',
            exit: ExitCode.UNAVAILABLE,
          })
        : undefined,
  )
  const info = review.status?.userInfo
  return {
    username: info?.username ?? '',
    ...(info?.uid ? {uid: info.uid} : {}),
    groups: [...(info?.groups ?? [])],
    extra: Object.fromEntries(Object.entries(info?.extra ?? {}).map(([k, v]) => [k, [...v]])),
  }
}
