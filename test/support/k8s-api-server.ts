/**
 * The project's own Kubernetes API server for tests (see test/support/k8s/server.ts). Import from here:
 *
 *   const srv = await startApiServer({users: {'tok-alice': {username: 'alice', groups: ['system:masters']}}})
 *   const kubeconfig = srv.kubeconfig()
 *   ...
 *   await srv.stop()
 */
export {startApiServer} from './k8s/server.js'
export type {
  ApiServer,
  ApiServerOptions,
  AuthzAttributes,
  Authorizer,
  ConfigMapSeed,
  LoggedRequest,
  RbacSeed,
  TestUser,
  UserInfo,
} from './k8s/server.js'
export {Faults, type DropPoint, type Match, type RequestInfo} from './k8s/faults.js'
export {writeExecPlugin, type ContextSpec, type ExecSpec, type KubeconfigOptions} from './k8s/kubeconfig.js'
export type {KObject} from './k8s/store.js'
export {requireOpenssl} from './k8s/tls.js'
export {apiRequest, kubectl, requireKubectl, type KubectlResult, type RawResponse} from './k8s/client.js'
