/** The Kubernetes adapter: the only production code that touches @kubernetes/client-node (always lazily). */
export {ClusterAwsAuthStore, FIELD_MANAGER, type AwsAuthLocation} from './aws-auth-store.js'
export {Cluster, type ClusterOptions, type K8sStatus, type Operation} from './cluster.js'
export {
  loadKubeconfig,
  type AuthKind,
  type ExecPluginInfo,
  type KubeconfigDescription,
  type KubeconfigSelection,
  type LoadedKubeconfig,
} from './kubeconfig.js'
export {ClusterRbacReader, type ClusterRbacObjects, type K8sObject} from './rbac-reader.js'
export {selfSubjectReview, type ClusterIdentity} from './self-review.js'
