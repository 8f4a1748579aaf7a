/**
 * Reads every ClusterRole, ClusterRoleBinding, Role and RoleBinding of the cluster, page by page (limit + continue),
 * as plain JSON objects with apiVersion and kind filled in, ready for core/rbac's loadRbacObjects.
 */
import {Cluster, type ClusterOptions, type Operation} from './cluster.js'

const RBAC_GROUP = 'rbac.authorization.k8s.io'
const API_VERSION = `${RBAC_GROUP}/v1`

/** A Kubernetes object as JSON (timestamps as strings, no client-node classes). */
export interface K8sObject {
  apiVersion: string
  kind: string
  metadata: {name: string; namespace?: string; [k: string]: unknown}
  [k: string]: unknown
}

export interface ClusterRbacObjects {
  clusterRoles: K8sObject[]
  clusterRoleBindings: K8sObject[]
  roles: K8sObject[]
  roleBindings: K8sObject[]
}

interface Page {
  items: unknown[]
  metadata?: {_continue?: string}
}

type Lister = (params: {limit: number; _continue?: string}) => Promise<Page>

export class ClusterRbacReader {
  readonly cluster: Cluster
  private readonly pageSize: number

  constructor(cluster: Cluster, opts: {pageSize?: number} = {}) {
    this.cluster = cluster
    this.pageSize = opts.pageSize ?? 500
  }

  static async open(opts: ClusterOptions & {pageSize?: number} = {}): Promise<ClusterRbacReader> {
    return new ClusterRbacReader(await Cluster.connect(opts), opts)
  }

  async clusterRoles(): Promise<K8sObject[]> {
    const api = await this.cluster.rbac()
    return this.listAll('ClusterRole', {verb: 'list', resource: 'clusterroles', group: RBAC_GROUP}, (p) => api.listClusterRole(p))
  }

  async clusterRoleBindings(): Promise<K8sObject[]> {
    const api = await this.cluster.rbac()
    return this.listAll('ClusterRoleBinding', {verb: 'list', resource: 'clusterrolebindings', group: RBAC_GROUP}, (p) =>
      api.listClusterRoleBinding(p),
    )
  }

  /** Roles of one namespace, or of all namespaces when none is given. */
  async roles(namespace?: string): Promise<K8sObject[]> {
    const api = await this.cluster.rbac()
    const op: Operation = {verb: 'list', resource: 'roles', group: RBAC_GROUP, ...(namespace ? {namespace} : {allNamespaces: true})}
    return this.listAll('Role', op, (p) => (namespace ? api.listNamespacedRole({...p, namespace}) : api.listRoleForAllNamespaces(p)))
  }

  async roleBindings(namespace?: string): Promise<K8sObject[]> {
    const api = await this.cluster.rbac()
    const op: Operation = {verb: 'list', resource: 'rolebindings', group: RBAC_GROUP, ...(namespace ? {namespace} : {allNamespaces: true})}
    return this.listAll('RoleBinding', op, (p) =>
      namespace ? api.listNamespacedRoleBinding({...p, namespace}) : api.listRoleBindingForAllNamespaces(p),
    )
  }

  /** All four kinds, read concurrently. */
  async all(): Promise<ClusterRbacObjects> {
    const [clusterRoles, clusterRoleBindings, roles, roleBindings] = await Promise.all([
      this.clusterRoles(),
      this.clusterRoleBindings(),
      this.roles(),
      this.roleBindings(),
    ])
    return {clusterRoles, clusterRoleBindings, roles, roleBindings}
  }

  private async listAll(kind: string, op: Operation, list: Lister): Promise<K8sObject[]> {
    for (let restart = 0; ; restart++) {
      const out: K8sObject[] = []
      let cont: string | undefined
      let expired = false
      do {
        const token = cont
        const page = await this.cluster.call<Page | undefined>(
          op,
          () => list({limit: this.pageSize, ...(token ? {_continue: token} : {})}),
          // 410 Gone: the continue token expired (the list took too long); start over once
          (code) => (code === 410 && token && restart === 0 ? {value: undefined} : undefined),
        )
        if (!page) {
          expired = true
          break
        }
        for (const item of page.items) out.push(toPlain(item, kind))
        cont = page.metadata?._continue || undefined
      } while (cont)
      if (!expired) return out
    }
  }
}

/** client-node model instance -> the JSON the API server sent (Dates become RFC 3339 strings). */
export function toPlain(item: unknown, kind: string): K8sObject {
  const obj = JSON.parse(JSON.stringify(item)) as K8sObject
  return {...obj, apiVersion: API_VERSION, kind}
}
