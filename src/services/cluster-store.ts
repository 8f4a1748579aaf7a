/** Opens kube-system/aws-auth on the cluster of the kubeconfig (k8s adapter, loaded only when used). */
import {EksauthError, ExitCode} from '../core/errors.js'
import type {OpenedStore} from './edit-session.js'

export async function openClusterStore(_flags: {kubeconfig?: string; context?: string}): Promise<OpenedStore> {
  throw new EksauthError('editing the live cluster is not available in this build yet: pass --file PATH', {code: 'E_NO_CLUSTER', exit: ExitCode.UNAVAILABLE})
}
