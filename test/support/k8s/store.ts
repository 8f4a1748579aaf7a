/**
 * The fake API server's storage: one global resourceVersion counter (like etcd's revision), objects per resource,
 * the optimistic-concurrency rules of the real server, and ConfigMap validation.
 */
import {randomUUID} from 'node:crypto'

import {CONFIGMAPS, NAMESPACES, type ResourceDef, STORED, apiVersionOf} from './resources.js'
import {ApiError, alreadyExists, badRequest, conflict, invalid, notFound} from './status.js'

export interface ObjectMeta {
  name: string
  namespace?: string
  uid?: string
  resourceVersion?: string
  creationTimestamp?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
  [k: string]: unknown
}

export interface KObject {
  apiVersion?: string
  kind?: string
  metadata: ObjectMeta
  [k: string]: unknown
}

export const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

export const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, val: unknown) =>
    isObject(val) ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : val,
  )

const key = (ns: string | undefined, name: string): string => `${ns ?? ''}/${name}`

export interface WriteOptions {
  dryRun?: boolean
}

export class Store {
  private rv = 1
  private readonly objects = new Map<ResourceDef, Map<string, KObject>>(STORED.map((r) => [r, new Map()]))

  constructor() {
    for (const ns of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) this.ensureNamespace(ns)
  }

  /** The newest resourceVersion handed out (what a list answers with). */
  currentResourceVersion(): string {
    return String(this.rv)
  }

  private table(r: ResourceDef): Map<string, KObject> {
    const t = this.objects.get(r)
    if (!t) throw new Error(`not a stored resource: ${r.resource}`)
    return t
  }

  ensureNamespace(name: string): void {
    if (!this.table(NAMESPACES).has(key(undefined, name))) {
      this.create(NAMESPACES, {metadata: {name}, spec: {finalizers: ['kubernetes']}, status: {phase: 'Active'}})
    }
  }

  namespaceExists(name: string): boolean {
    return this.table(NAMESPACES).has(key(undefined, name))
  }

  get(r: ResourceDef, ns: string | undefined, name: string): KObject | undefined {
    const o = this.table(r).get(key(r.namespaced ? ns : undefined, name))
    return o && clone(o)
  }

  /** Every object of the resource (in one namespace when given), in namespace/name order, as the real list is. */
  list(r: ResourceDef, ns?: string): KObject[] {
    return [...this.table(r).values()]
      .filter((o) => ns === undefined || o.metadata.namespace === ns)
      .sort((a, b) => (key(a.metadata.namespace, a.metadata.name) < key(b.metadata.namespace, b.metadata.name) ? -1 : 1))
      .map(clone)
  }

  private stamp(r: ResourceDef, obj: KObject): KObject {
    const out = clone(obj)
    out.apiVersion = apiVersionOf(r)
    out.kind = r.kind
    return out
  }

  create(r: ResourceDef, input: KObject, opts: WriteOptions = {}): KObject {
    const obj = this.stamp(r, input)
    const ns = r.namespaced ? obj.metadata.namespace : undefined
    if (r.namespaced && (!ns || !this.namespaceExists(ns))) {
      throw notFound({group: '', resource: 'namespaces'}, ns ?? '')
    }
    if (!r.namespaced) delete obj.metadata.namespace
    if (obj.metadata.resourceVersion) {
      // the real server refuses a create that carries a resourceVersion
      throw badRequest('resourceVersion should not be set on objects to be created')
    }
    validate(r, obj, undefined)
    const k = key(ns, obj.metadata.name)
    if (this.table(r).has(k)) throw alreadyExists({group: r.group, resource: r.resource}, obj.metadata.name)
    obj.metadata.uid = randomUUID()
    obj.metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z')
    if (opts.dryRun) return obj
    obj.metadata.resourceVersion = String(++this.rv)
    this.table(r).set(k, obj)
    return clone(obj)
  }

  /**
   * Replace. `metadata.resourceVersion`, when set, must equal the stored one (409 Conflict otherwise); unset means an
   * unconditional update. A write that changes nothing keeps the old resourceVersion, as etcd3 storage does.
   */
  update(r: ResourceDef, input: KObject, opts: WriteOptions = {}): KObject {
    const obj = this.stamp(r, input)
    const ns = r.namespaced ? obj.metadata.namespace : undefined
    const k = key(ns, obj.metadata.name)
    const old = this.table(r).get(k)
    const ref = {group: r.group, resource: r.resource}
    if (!old) throw notFound(ref, obj.metadata.name)
    const precondition = obj.metadata.resourceVersion
    if (precondition !== undefined && precondition !== '' && precondition !== old.metadata.resourceVersion) {
      throw conflict(ref, obj.metadata.name)
    }
    if (obj.metadata.uid && obj.metadata.uid !== old.metadata.uid) {
      throw new ApiError({
        ...conflict(ref, obj.metadata.name).body,
        message: `Operation cannot be fulfilled on ${r.group ? `${r.resource}.${r.group}` : r.resource} "${obj.metadata.name}": Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${old.metadata.uid}`,
      })
    }
    validate(r, obj, old)
    obj.metadata.uid = old.metadata.uid
    obj.metadata.creationTimestamp = old.metadata.creationTimestamp
    obj.metadata.resourceVersion = old.metadata.resourceVersion
    if (!r.namespaced) delete obj.metadata.namespace
    delete obj.metadata.managedFields
    if (canonical(obj) === canonical({...old, metadata: {...old.metadata, managedFields: undefined}})) return clone(old)
    if (opts.dryRun) return obj
    obj.metadata.resourceVersion = String(++this.rv)
    this.table(r).set(k, obj)
    return clone(obj)
  }

  delete(r: ResourceDef, ns: string | undefined, name: string, opts: WriteOptions = {}): KObject {
    const k = key(r.namespaced ? ns : undefined, name)
    const old = this.table(r).get(k)
    if (!old) throw notFound({group: r.group, resource: r.resource}, name)
    if (!opts.dryRun) {
      this.table(r).delete(k)
      ++this.rv
    }
    return clone(old)
  }

  /** Create or replace without preconditions (test seeding and the "other writer" hooks). */
  upsert(r: ResourceDef, input: KObject): KObject {
    const ns = r.namespaced ? input.metadata.namespace : undefined
    if (ns) this.ensureNamespace(ns)
    const exists = this.table(r).has(key(ns, input.metadata.name))
    const obj = clone(input)
    delete obj.metadata.resourceVersion
    return exists ? this.update(r, obj) : this.create(r, {...obj, metadata: {...obj.metadata, uid: undefined} as ObjectMeta})
  }
}

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/
const MAX_CONFIGMAP_BYTES = 1024 * 1024

function validate(r: ResourceDef, obj: KObject, old: KObject | undefined): void {
  const name = obj.metadata.name
  const causes: Array<{field: string; message: string; reason?: string}> = []
  if (!DNS1123_SUBDOMAIN.test(name) || name.length > 253) {
    causes.push({
      field: 'metadata.name',
      message: `Invalid value: ${JSON.stringify(name)}: a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')`,
    })
  }
  if (r === CONFIGMAPS) {
    const data = (obj.data ?? {}) as Record<string, string>
    const binary = (obj.binaryData ?? {}) as Record<string, string>
    let size = 0
    for (const [field, map] of [['data', data], ['binaryData', binary]] as const) {
      for (const [k, v] of Object.entries(map)) {
        size += k.length + v.length
        if (!CONFIG_KEY.test(k) || k.length > 253) {
          causes.push({
            field: `${field}[${k}]`,
            message: `Invalid value: ${JSON.stringify(k)}: a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')`,
          })
        }
        if (field === 'binaryData' && Object.prototype.hasOwnProperty.call(data, k)) {
          causes.push({field: `data[${k}]`, message: `Invalid value: ${JSON.stringify(k)}: duplicate of key present in binaryData`})
        }
      }
    }
    if (size > MAX_CONFIGMAP_BYTES) {
      causes.push({field: '[]', message: `Too long: must have at most ${MAX_CONFIGMAP_BYTES} bytes`, reason: 'FieldValueTooLong'})
    }
    if (old && old.immutable === true) {
      if (obj.immutable !== true) {
        causes.push({field: 'immutable', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden'})
      }
      if (canonical(obj.data ?? {}) !== canonical(old.data ?? {})) {
        causes.push({field: 'data', message: 'Forbidden: field is immutable when `immutable` is set', reason: 'FieldValueForbidden'})
      }
    }
  }
  if (causes.length > 0) throw invalid(r.kind, r.group, name, causes)
}

/**
 * Type-checks a decoded request body the way the apiserver's decoder does (400 BadRequest, before any validation):
 * ConfigMap data and binaryData values must be strings, labels and annotations string maps.
 */
export function decodeCheck(r: ResourceDef, body: unknown): KObject {
  const gvk = `${r.kind} in version "${r.version}" cannot be handled as a ${r.kind}`
  const goType = (v: unknown): string =>
    v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v === 'object' ? 'object' : typeof v === 'boolean' ? 'bool' : typeof v
  if (!isObject(body)) throw badRequest(`${gvk}: json: cannot unmarshal ${goType(body)} into Go value of type struct`)
  if (body.kind !== undefined && body.kind !== r.kind) {
    throw badRequest(`${gvk}: the kind in the data (${String(body.kind)}) does not match the expected kind (${r.kind})`)
  }
  if (body.apiVersion !== undefined && body.apiVersion !== apiVersionOf(r)) {
    throw badRequest(`the API version in the data (${String(body.apiVersion)}) does not match the expected API version (${apiVersionOf(r)})`)
  }
  const meta = body.metadata
  if (meta !== undefined && !isObject(meta)) throw badRequest(`${gvk}: json: cannot unmarshal ${goType(meta)} into Go struct field ${r.kind}.metadata of type v1.ObjectMeta`)
  const stringMap = (v: unknown, field: string, struct: string): void => {
    if (v === undefined || v === null) return
    if (!isObject(v)) throw badRequest(`${gvk}: json: cannot unmarshal ${goType(v)} into Go struct field ${struct}.${field} of type map[string]string`)
    for (const x of Object.values(v)) {
      if (typeof x !== 'string' && x !== null) {
        throw badRequest(`${gvk}: json: cannot unmarshal ${goType(x)} into Go struct field ${struct}.${field} of type string`)
      }
    }
  }
  if (meta) {
    stringMap(meta.labels, 'metadata.labels', r.kind)
    stringMap(meta.annotations, 'metadata.annotations', r.kind)
  }
  if (r === CONFIGMAPS) {
    stringMap(body.data, 'data', 'ConfigMap')
    stringMap(body.binaryData, 'binaryData', 'ConfigMap')
    if (body.immutable !== undefined && body.immutable !== null && typeof body.immutable !== 'boolean') {
      throw badRequest(`${gvk}: json: cannot unmarshal ${goType(body.immutable)} into Go struct field ConfigMap.immutable of type bool`)
    }
  }
  const obj = clone(body) as KObject
  obj.metadata = (obj.metadata ?? {}) as ObjectMeta
  // null values in string maps are decoded as "" by Go; drop empty maps the way the typed object does
  for (const f of ['data', 'binaryData'] as const) {
    if (obj[f] === null) delete obj[f]
  }
  return obj
}
