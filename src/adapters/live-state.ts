/**
 * Fills the audit model from a live cluster and AWS: aws-auth and RBAC through the kubeconfig context, cluster
 * configuration and access entries through EKS, principal existence through IAM. A source that cannot be read
 * becomes a note and stays absent (its rules are "not checked"); only an unreachable cluster is an error.
 */
import type {AuditInput} from '../core/audit/context.js'
import {analyseAwsAuth} from '../core/aws-auth/diagnostics.js'
import {canonicalize} from '../core/arn.js'
import {EksauthError} from '../core/errors.js'
import {addPrincipal, emptyInventory} from '../core/iam-inventory.js'
import {aggregateClusterRoles} from '../core/rbac/aggregate.js'
import {withDefaults} from '../core/rbac/defaults.js'
import {loadRbacObjects, type RbacObjects} from '../core/rbac/objects.js'
import type {WorkloadAuditInput} from '../core/workload/rules.js'
import type {LoadedRbac} from './offline-state.js'

export interface LiveOptions {
  kubeconfig?: string
  context?: string
  /** EKS cluster name (else taken from the kubeconfig: the cluster ARN or the exec plugin's --cluster-name) */
  clusterName?: string
  profile?: string
  region?: string
  /** skip IAM existence checks */
  iam?: boolean
  /** also read IAM role trust policies and Pod Identity associations (audit --workload-identity) */
  workload?: boolean
  progress?: (message: string) => void
}

const why = (error: unknown): string => (error instanceof Error ? error.message : String(error))

export async function loadLiveState(opts: LiveOptions): Promise<{input: AuditInput; rbac?: LoadedRbac; notes: string[]; workload?: WorkloadAuditInput}> {
  const progress = opts.progress ?? (() => {})
  const notes: string[] = []
  const input: AuditInput = {}
  const k8s = await import('./k8s/index.js')
  const cluster = await k8s.Cluster.connect({context: opts.context, kubeconfig: opts.kubeconfig})
  const {description} = cluster
  progress(`reading aws-auth from ${cluster.describe()}`)
  const store = new k8s.ClusterAwsAuthStore(cluster)
  const snap = await store.read()
  if (snap.exists) {
    input.awsAuth = {analysis: analyseAwsAuth(snap.data), source: snap.source}
  } else {
    notes.push(`kube-system/aws-auth does not exist on ${cluster.describe()}`)
    input.awsAuth = {analysis: analyseAwsAuth({}), source: snap.source}
  }
  let rbac: LoadedRbac | undefined
  try {
    progress('listing RBAC objects')
    const reader = new k8s.ClusterRbacReader(cluster)
    const all = await reader.all()
    const loaded = loadRbacObjects([...all.clusterRoles, ...all.clusterRoleBindings, ...all.roles, ...all.roleBindings])
    let objects: RbacObjects = loaded
    const d = withDefaults(objects)
    objects = {...d.objects, clusterRoles: aggregateClusterRoles(d.objects.clusterRoles, {keepStoredWhenNoMatch: true}).clusterRoles}
    rbac = {files: [], notes: loaded.warnings.map((w) => w.message), objects}
  } catch (error) {
    notes.push(`RBAC not checked: ${why(error)}`)
  }

  const clusterName = opts.clusterName ?? description.clusterName
  const aws = {profile: opts.profile ?? description.exec?.env?.AWS_PROFILE, region: opts.region ?? regionOf(description.server, description.cluster)}
  if (clusterName) {
    try {
      progress(`describing EKS cluster ${clusterName}`)
      const {SdkEksAccess} = await import('./aws/eks-access.js')
      const eks = new SdkEksAccess(clusterName, aws)
      input.cluster = await eks.cluster()
      if (input.cluster.authenticationMode && input.cluster.authenticationMode !== 'CONFIG_MAP') {
        progress('listing access entries')
        input.accessEntries = await eks.accessEntries()
      }
    } catch (error) {
      notes.push(`EKS cluster configuration and access entries not checked: ${why(error)}`)
    }
  } else {
    notes.push('EKS cluster name unknown (pass --cluster-name): cluster configuration and access entries not checked')
  }

  let workload: WorkloadAuditInput | undefined
  if (opts.workload) {
    if (input.cluster) {
      try {
        progress('reading IAM role trust policies and Pod Identity associations')
        const {loadWorkloadLive} = await import('./aws/workload.js')
        const w = await loadWorkloadLive(input.cluster, aws)
        workload = w.input
        notes.push(...w.notes)
      } catch (error) {
        notes.push(`workload identity not checked: ${why(error)}`)
      }
    } else {
      notes.push('workload identity not checked: the EKS cluster could not be described')
    }
  }

  if (opts.iam !== false) {
    try {
      progress('checking mapped principals in IAM')
      const {SdkIamDirectory} = await import('./aws/iam-directory.js')
      const {StsCallerIdentity} = await import('./aws/caller.js')
      const me = await new StsCallerIdentity(aws).whoami()
      const arns = [
        ...[...(input.awsAuth?.analysis.view.roleIndex.values() ?? []), ...(input.awsAuth?.analysis.view.userIndex.values() ?? [])].map((e) => e.arn),
        ...(input.accessEntries ?? []).map((e) => e.principalArn),
      ].filter((a) => {
        try {
          return canonicalize(a).accountId === me.account
        } catch {
          return false
        }
      })
      const found = await new SdkIamDirectory({...aws, accountId: me.account}).lookup(arns)
      const inv = emptyInventory()
      inv.accounts.add(me.account)
      let denied = 0
      for (const [arn, info] of found) {
        if (info.status === 'exists') addPrincipal(inv, info.arn ?? arn, info.id)
        if (info.status === 'denied' || info.status === 'error') denied++
      }
      if (denied > 0) notes.push(`IAM could not answer for ${denied} principal(s): dangling-principal checks are incomplete`)
      else input.iam = inv
    } catch (error) {
      if (!(error instanceof EksauthError)) throw error
      notes.push(`IAM existence not checked: ${error.message}`)
    }
  }
  return {input, notes, rbac, workload}
}

/** eu-west-1 from https://XXXX.gr7.eu-west-1.eks.amazonaws.com or an EKS cluster ARN. */
function regionOf(server?: string, cluster?: string): string | undefined {
  const m = server?.match(/\.([a-z]{2}(?:-[a-z]+)+-\d)\.eks\.amazonaws\.com/)
  if (m) return m[1]
  const a = cluster?.match(/^arn:[^:]+:eks:([^:]+):/)
  return a?.[1]
}
