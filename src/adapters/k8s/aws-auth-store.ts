/**
 * kube-system/aws-auth on a live cluster. The write replaces the whole object as it was read (labels, annotations,
 * binaryData, everything but `data` untouched) and is conditional on the resourceVersion that was read: a 409, an
 * AlreadyExists on create or a ConfigMap deleted meanwhile become ConflictError, so the caller re-reads and re-applies.
 */
import type {V1ConfigMap} from '@kubernetes/client-node'

import {EksauthError, ExitCode} from '../../core/errors.js'
import {type AwsAuthSnapshot, type AwsAuthStore, type AwsAuthWriteOptions, ConflictError} from '../../core/ports.js'
import {Cluster, type ClusterOptions, type Operation} from './cluster.js'

export const FIELD_MANAGER = 'eksauth'

export interface AwsAuthLocation {
  name?: string
  namespace?: string
}

export class ClusterAwsAuthStore implements AwsAuthStore {
  readonly cluster: Cluster
  readonly name: string
  readonly namespace: string
  /** the objects read, by resourceVersion, so a write can send back everything it does not change */
  private readonly seen = new Map<string, V1ConfigMap>()

  constructor(cluster: Cluster, where: AwsAuthLocation = {}) {
    this.cluster = cluster
    this.name = where.name ?? 'aws-auth'
    this.namespace = where.namespace ?? 'kube-system'
  }

  /** Loads the kubeconfig and returns a store for its (selected) context. */
  static async open(opts: ClusterOptions & AwsAuthLocation = {}): Promise<ClusterAwsAuthStore> {
    return new ClusterAwsAuthStore(await Cluster.connect(opts), opts)
  }

  describe(): string {
    return this.cluster.describe()
  }

  private get source(): string {
    return `${this.cluster.description.context}/${this.namespace}/${this.name}`
  }

  private op(verb: string): Operation {
    return {verb, resource: 'configmaps', namespace: this.namespace, ...(verb === 'create' ? {} : {name: this.name})}
  }

  private async fetch(): Promise<V1ConfigMap | undefined> {
    const core = await this.cluster.core()
    return this.cluster.call<V1ConfigMap | undefined>(
      this.op('get'),
      () => core.readNamespacedConfigMap({name: this.name, namespace: this.namespace}),
      (code) => (code === 404 ? {value: undefined} : undefined),
    )
  }

  async read(): Promise<AwsAuthSnapshot> {
    const cm = await this.fetch()
    if (!cm) return {exists: false, data: {}, source: this.source}
    const rv = cm.metadata?.resourceVersion
    if (rv) this.seen.set(rv, cm)
    return {exists: true, data: {...(cm.data ?? {})}, ...(rv ? {resourceVersion: rv} : {}), source: this.source}
  }

  async write(data: Record<string, string>, base: AwsAuthSnapshot, opts: AwsAuthWriteOptions = {}): Promise<{resourceVersion?: string}> {
    const core = await this.cluster.core()
    const dryRun = opts.dryRun ? 'All' : undefined
    if (!base.exists) {
      const body: V1ConfigMap = {apiVersion: 'v1', kind: 'ConfigMap', metadata: {name: this.name, namespace: this.namespace}, data}
      const created = await this.cluster.call(
        this.op('create'),
        () => core.createNamespacedConfigMap({namespace: this.namespace, body, fieldManager: FIELD_MANAGER, ...(dryRun ? {dryRun} : {})}),
        (code, status) =>
          code === 409
            ? new ConflictError(`${this.namespace}/${this.name} was created by someone else since it was read`)
            : code === 404 && status.details?.kind === 'namespaces'
              ? new EksauthError(`namespace ${this.namespace} does not exist on ${this.describe()}`, {code: 'E_K8S_NOT_FOUND', exit: ExitCode.NOT_FOUND})
              : undefined,
      )
      return resourceVersionOf(created)
    }
    if (!base.resourceVersion) {
      throw new EksauthError(`refusing to replace ${this.namespace}/${this.name} without the resourceVersion it was read at`, {
        code: 'E_INTERNAL',
        exit: ExitCode.INTERNAL,
      })
    }
    let current = this.seen.get(base.resourceVersion)
    if (!current) {
      // a snapshot this store did not read: the object must still be at that version
      const fresh = await this.fetch()
      if (!fresh) throw new ConflictError(`${this.namespace}/${this.name} was deleted since it was read`)
      if (fresh.metadata?.resourceVersion !== base.resourceVersion) throw new ConflictError()
      current = fresh
    }
    const metadata = {...current.metadata, name: this.name, namespace: this.namespace, resourceVersion: base.resourceVersion}
    delete metadata.managedFields
    const body: V1ConfigMap = {...current, apiVersion: 'v1', kind: 'ConfigMap', metadata, data}
    const replaced = await this.cluster.call(
      this.op('update'),
      () =>
        core.replaceNamespacedConfigMap({
          name: this.name,
          namespace: this.namespace,
          body,
          fieldManager: FIELD_MANAGER,
          ...(dryRun ? {dryRun} : {}),
        }),
      (code) =>
        code === 409
          ? new ConflictError()
          : code === 404
            ? new ConflictError(`${this.namespace}/${this.name} was deleted since it was read`)
            : undefined,
    )
    const rv = replaced.metadata?.resourceVersion
    if (rv && !dryRun) this.seen.set(rv, replaced)
    return resourceVersionOf(replaced)
  }
}

const resourceVersionOf = (cm: V1ConfigMap): {resourceVersion?: string} =>
  cm.metadata?.resourceVersion ? {resourceVersion: cm.metadata.resourceVersion} : {}
