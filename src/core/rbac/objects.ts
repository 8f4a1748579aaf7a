/**
 * Typed RBAC objects (Role, ClusterRole, RoleBinding, ClusterRoleBinding) read from plain manifest objects:
 * multi-document YAML, JSON, `kind: List` / `*List` (nested too), and `kubectl get ... -o yaml|json` output (server
 * fields such as managedFields, resourceVersion and status are ignored). Pure: the caller reads the files.
 */
import {Composer, isMap, isScalar, isSeq, LineCounter, Parser, type Node as YamlNode} from 'yaml'

import {badInput} from '../errors.js'

export const RBAC_GROUP = 'rbac.authorization.k8s.io'

/** One rule of a Role or ClusterRole. Lists are always present (empty when the manifest omits them). */
export interface PolicyRule {
  verbs: string[]
  apiGroups: string[]
  resources: string[]
  resourceNames: string[]
  nonResourceURLs: string[]
}

export type SubjectKind = 'User' | 'Group' | 'ServiceAccount'

export interface Subject {
  /** User, Group or ServiceAccount; any other kind is kept but matches nobody */
  kind: string
  name: string
  /** ServiceAccount only; when absent the binding's namespace is used (RoleBinding only) */
  namespace?: string
}

export interface RoleRef {
  kind: 'Role' | 'ClusterRole' | string
  name: string
}

export interface LabelSelectorRequirement {
  key: string
  /** In, NotIn, Exists, DoesNotExist; anything else makes the selector match nothing */
  operator: string
  values: string[]
}

export interface LabelSelector {
  matchLabels: Record<string, string>
  matchExpressions: LabelSelectorRequirement[]
}

export interface AggregationRule {
  /** `null` entries (a selector that is not an object) match nothing */
  clusterRoleSelectors: (LabelSelector | null)[]
}

/** Where an object came from: manifest objects carry file and line; synthetic ones say what made them. */
export type ObjectOrigin = 'manifest' | 'default' | 'eks-access-policy'

export interface SourceRef {
  /** a file path, `<stdin>`, or a description such as `built-in default` */
  file: string
  /** 1-based line of the object in the file */
  line?: number
}

interface ObjectBase {
  name: string
  labels: Record<string, string>
  origin: ObjectOrigin
  source?: SourceRef
}

export interface Role extends ObjectBase {
  kind: 'Role'
  namespace: string
  rules: PolicyRule[]
}

export interface ClusterRole extends ObjectBase {
  kind: 'ClusterRole'
  rules: PolicyRule[]
  aggregationRule?: AggregationRule
}

export interface RoleBinding extends ObjectBase {
  kind: 'RoleBinding'
  /**
   * The binding's namespace. Bindings synthesised for an EKS access policy may carry a glob here (`dev-*`, as EKS
   * allows in access scopes); those are marked with `namespaceGlob`. Manifest bindings never are.
   */
  namespace: string
  namespaceGlob?: boolean
  subjects: Subject[]
  roleRef: RoleRef
}

export interface ClusterRoleBinding extends ObjectBase {
  kind: 'ClusterRoleBinding'
  subjects: Subject[]
  roleRef: RoleRef
}

export type RbacObject = Role | ClusterRole | RoleBinding | ClusterRoleBinding

export interface RbacObjects {
  roles: Role[]
  clusterRoles: ClusterRole[]
  roleBindings: RoleBinding[]
  clusterRoleBindings: ClusterRoleBinding[]
}

export interface LoadProblem {
  message: string
  source?: SourceRef
  kind?: string
  name?: string
  namespace?: string
}

export interface LoadResult extends RbacObjects {
  /** objects that are not RBAC objects (ConfigMaps, Deployments, ...): counted, otherwise ignored */
  other: number
  /** RBAC objects that could not be used (no name, no roleRef, ...); they are left out of the result */
  errors: LoadProblem[]
  /** objects that were used, with a remark (no namespace: `default` assumed; duplicate: the later one wins) */
  warnings: LoadProblem[]
}

/** One object found in manifest text, with where it starts. */
export interface ManifestDoc {
  object: unknown
  source: string
  /** 1-based line where the object starts */
  line: number
}

export const emptyRbacObjects = (): RbacObjects => ({clusterRoleBindings: [], clusterRoles: [], roleBindings: [], roles: []})

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])

const stringMap = (v: unknown): Record<string, string> => {
  const out: Record<string, string> = {}
  if (!isRecord(v)) return out
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val
  return out
}

const RBAC_KINDS = new Set(['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'])

/**
 * A `*List` wrapper: `kind: List` (kubectl) or a typed list such as `ClusterRoleList` (the raw API). Typed-list items
 * have no kind/apiVersion of their own; they inherit them from the list.
 */
function listInfo(v: Record<string, unknown>): {itemKind?: string; apiVersion?: string} | undefined {
  const kind = typeof v.kind === 'string' ? v.kind : ''
  if (!Array.isArray(v.items) || !kind.endsWith('List')) return undefined
  const itemKind = kind === 'List' ? undefined : kind.slice(0, -'List'.length)
  return {apiVersion: typeof v.apiVersion === 'string' ? v.apiVersion : undefined, itemKind}
}

function inheritKind(item: unknown, info: {itemKind?: string; apiVersion?: string}): unknown {
  if (!isRecord(item) || !info.itemKind || typeof item.kind === 'string') return item
  return {...item, apiVersion: item.apiVersion ?? info.apiVersion, kind: info.itemKind}
}

/** Flattens Lists (nested too) and top-level arrays into the objects they hold, in document order. */
export function flattenManifestObjects(value: unknown): unknown[] {
  const out: unknown[] = []
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(visit)
      return
    }
    if (isRecord(v)) {
      const info = listInfo(v)
      if (info) {
        for (const item of v.items as unknown[]) visit(inheritKind(item, info))
        return
      }
    }
    if (v !== null && v !== undefined) out.push(v)
  }
  visit(value)
  return out
}

function parseRule(v: unknown): PolicyRule {
  const r = isRecord(v) ? v : {}
  return {
    apiGroups: strings(r.apiGroups),
    nonResourceURLs: strings(r.nonResourceURLs),
    resourceNames: strings(r.resourceNames),
    resources: strings(r.resources),
    verbs: strings(r.verbs),
  }
}

function parseSelector(v: unknown): LabelSelector | null {
  if (!isRecord(v)) return null
  const matchExpressions = Array.isArray(v.matchExpressions)
    ? v.matchExpressions.filter(isRecord).map((e) => ({
        key: String(e.key ?? ''),
        operator: String(e.operator ?? ''),
        values: strings(e.values),
      }))
    : []
  return {matchExpressions, matchLabels: stringMap(v.matchLabels)}
}

function parseSubjects(v: unknown): Subject[] {
  if (!Array.isArray(v)) return []
  return v.filter(isRecord).map((s) => {
    const subject: Subject = {kind: String(s.kind ?? ''), name: String(s.name ?? '')}
    if (typeof s.namespace === 'string' && s.namespace !== '') subject.namespace = s.namespace
    return subject
  })
}

/** The identity of an object for duplicate detection and lookups: `Kind/namespace/name`. */
export const objectKey = (o: {kind: string; name: string; namespace?: string}): string =>
  `${o.kind}/${o.namespace ?? ''}/${o.name}`

/**
 * Sort plain objects (from YAML or JSON documents) into RBAC objects. Lists are unwrapped; non-RBAC objects are
 * counted in `other`; unusable RBAC objects go to `errors`. `sources[i]` says where `docs[i]` came from (all objects a
 * List in `docs[i]` holds get that source). A later object with the same kind, namespace and name replaces an earlier
 * one (as `kubectl apply` would), with a warning.
 */
export function loadRbacObjects(docs: unknown[], sources?: (SourceRef | undefined)[]): LoadResult {
  const result: LoadResult = {...emptyRbacObjects(), errors: [], other: 0, warnings: []}
  const byKey = new Map<string, {list: RbacObject[]; index: number; source?: SourceRef}>()

  const add = (obj: RbacObject, list: RbacObject[]): void => {
    const key = objectKey(obj)
    const previous = byKey.get(key)
    if (previous) {
      const where = previous.source ? ` (first at ${describeSource(previous.source)})` : ''
      result.warnings.push({
        kind: obj.kind,
        message: `${obj.kind} ${displayName(obj)} appears more than once${where}: the later one is used`,
        name: obj.name,
        namespace: 'namespace' in obj ? obj.namespace : undefined,
        source: obj.source,
      })
      previous.list[previous.index] = obj
      byKey.set(key, {...previous, source: obj.source})
      return
    }
    byKey.set(key, {index: list.length, list, source: obj.source})
    list.push(obj)
  }

  docs.forEach((doc, i) => {
    const source = sources?.[i]
    for (const value of flattenManifestObjects(doc)) {
      if (!isRecord(value)) {
        result.errors.push({message: `not a Kubernetes object: ${typeof value} ${JSON.stringify(value).slice(0, 60)}`, source})
        continue
      }
      const kind = typeof value.kind === 'string' ? value.kind : ''
      const apiVersion = typeof value.apiVersion === 'string' ? value.apiVersion : ''
      if (!RBAC_KINDS.has(kind) || (apiVersion !== '' && !apiVersion.startsWith(`${RBAC_GROUP}/`))) {
        result.other++
        continue
      }
      const parsed = parseRbacObject(value, kind, source, result)
      if (!parsed) continue
      switch (parsed.kind) {
        case 'Role': {
          add(parsed, result.roles)
          break
        }
        case 'ClusterRole': {
          add(parsed, result.clusterRoles)
          break
        }
        case 'RoleBinding': {
          add(parsed, result.roleBindings)
          break
        }
        case 'ClusterRoleBinding': {
          add(parsed, result.clusterRoleBindings)
          break
        }
      }
    }
  })
  return result
}

/** `loadRbacObjects` for what `parseManifestText` returns: every object keeps its file and line. */
export function loadManifestDocs(docs: ManifestDoc[]): LoadResult {
  return loadRbacObjects(
    docs.map((d) => d.object),
    docs.map((d) => ({file: d.source, line: d.line})),
  )
}

export const describeSource = (s: SourceRef): string => (s.line ? `${s.file}:${s.line}` : s.file)

export const displayName = (o: {name: string; namespace?: string}): string =>
  o.namespace === undefined ? `"${o.name}"` : `"${o.namespace}/${o.name}"`

function parseRbacObject(
  value: Record<string, unknown>,
  kind: string,
  source: SourceRef | undefined,
  result: LoadResult,
): RbacObject | undefined {
  const meta = isRecord(value.metadata) ? value.metadata : {}
  const name = typeof meta.name === 'string' ? meta.name : ''
  const labels = stringMap(meta.labels)
  const namespaced = kind === 'Role' || kind === 'RoleBinding'
  const problem = (message: string): undefined => {
    result.errors.push({kind, message, name: name || undefined, source})
    return undefined
  }
  if (!name) return problem(`${kind} without metadata.name: ignored`)
  let namespace = typeof meta.namespace === 'string' ? meta.namespace : ''
  if (namespaced && namespace === '') {
    namespace = 'default'
    result.warnings.push({
      kind,
      message: `${kind} "${name}" has no metadata.namespace: assuming "default" (kubectl would use the context's namespace)`,
      name,
      namespace,
      source,
    })
  }
  const base = {labels, name, origin: 'manifest' as const, ...(source ? {source} : {})}
  const rules = Array.isArray(value.rules) ? value.rules.map(parseRule) : []
  switch (kind) {
    case 'Role': {
      return {...base, kind: 'Role', namespace, rules}
    }
    case 'ClusterRole': {
      const role: ClusterRole = {...base, kind: 'ClusterRole', rules}
      if (isRecord(value.aggregationRule)) {
        const selectors = value.aggregationRule.clusterRoleSelectors
        role.aggregationRule = {clusterRoleSelectors: Array.isArray(selectors) ? selectors.map(parseSelector) : []}
      }
      return role
    }
    default: {
      const ref = isRecord(value.roleRef) ? value.roleRef : undefined
      const refKind = typeof ref?.kind === 'string' ? ref.kind : ''
      const refName = typeof ref?.name === 'string' ? ref.name : ''
      const shown = namespaced ? `"${namespace}/${name}"` : `"${name}"`
      if (!refKind || !refName) return problem(`${kind} ${shown} has no roleRef kind and name: ignored`)
      if (refKind !== 'ClusterRole' && !(namespaced && refKind === 'Role')) {
        return problem(`${kind} ${shown} refers to a ${refKind}: a ${kind} can only refer to ${namespaced ? 'a Role or ' : ''}a ClusterRole`)
      }
      const subjects = parseSubjects(value.subjects)
      const roleRef = {kind: refKind, name: refName}
      return kind === 'RoleBinding'
        ? {...base, kind: 'RoleBinding', namespace, roleRef, subjects}
        : {...base, kind: 'ClusterRoleBinding', roleRef, subjects}
    }
  }
}

/**
 * Parse manifest text (multi-document YAML, or JSON) into the objects it holds, with the 1-based line where each one
 * starts. Lists are unwrapped here so every item keeps its own line. Throws EksauthError BAD_INPUT for text that does
 * not parse, or for a document that is a bare value (plain text parses as a YAML string).
 */
export function parseManifestText(text: string, sourceName: string): ManifestDoc[] {
  const lineCounter = new LineCounter()
  // Compose one document at a time and let its syntax tree go: a dump with tens of thousands of objects would
  // otherwise hold every tree in memory at once.
  const composer = new Composer({})
  const docs = composer.compose(new Parser(lineCounter.addNewLine).parse(text), true)
  const out: ManifestDoc[] = []
  let docIndex = -1
  for (const doc of docs) {
    docIndex++
    const error = doc.errors[0]
    if (error) {
      const line = error.linePos?.[0]?.line ?? lineCounter.linePos(error.pos[0]).line
      throw badInput(
        `${sourceName}:${line}: not valid YAML or JSON: ${error.message.split('\n')[0]}`,
        'E_MANIFEST',
        ['pass Kubernetes manifests (YAML or JSON), e.g. the output of `kubectl get roles,rolebindings,clusterroles,clusterrolebindings -A -o yaml`'],
      )
    }
    const node = doc.contents
    if (node === null || (isScalar(node) && (node.value === null || node.value === undefined))) continue
    const value: unknown = doc.toJS({maxAliasCount: 1000})
    const lineOf = (n: YamlNode | null | undefined, fallback: number): number =>
      n?.range ? lineCounter.linePos(n.range[0]).line : fallback
    const visit = (n: YamlNode | null | undefined, v: unknown, fallbackLine: number): void => {
      const line = lineOf(n, fallbackLine)
      if (Array.isArray(v)) {
        const items = isSeq(n) ? n.items : []
        v.forEach((item, i) => visit(items[i] as YamlNode | undefined, item, line))
        return
      }
      if (isRecord(v)) {
        const info = listInfo(v)
        if (info) {
          const itemsNode = isMap(n) ? n.get('items', true) : undefined
          const items = isSeq(itemsNode) ? itemsNode.items : []
          ;(v.items as unknown[]).forEach((item, i) => visit(items[i] as YamlNode | undefined, inheritKind(item, info), line))
          return
        }
        out.push({line, object: v, source: sourceName})
        return
      }
      if (v === null || v === undefined) return
      throw badInput(
        `${sourceName}:${line}: document ${docIndex + 1} is ${typeof v === 'string' ? 'plain text' : `a ${typeof v}`}, not a YAML or JSON object`,
        'E_MANIFEST',
        ['pass Kubernetes manifests (YAML or JSON), e.g. the output of `kubectl get roles,rolebindings,clusterroles,clusterrolebindings -A -o yaml`'],
      )
    }
    visit(node as YamlNode, value, 1)
  }
  return out
}
