/** Opens kube-system/aws-auth on the cluster of the kubeconfig (k8s adapter, loaded only when used). */
import type {OpenedStore} from './edit-session.js'

export async function openClusterStore(flags: {kubeconfig?: string; context?: string}, onRetry?: (message: string) => void): Promise<OpenedStore> {
  const {ClusterAwsAuthStore} = await import('../adapters/k8s/aws-auth-store.js')
  const store = await ClusterAwsAuthStore.open({context: flags.context, kubeconfig: flags.kubeconfig, onRetry})
  const d = store.cluster.description
  return {cluster: d.clusterName || d.cluster, context: d.context, store}
}
