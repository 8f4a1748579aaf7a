/**
 * Finds kube-system/aws-auth in file text: a manifest, `kubectl get cm aws-auth -o yaml|json` output, a `List`, or a
 * multi-document file. Pure: the caller reads the file.
 */
import {isMap, isScalar, LineCounter, parseAllDocuments, type Document, type Node as YamlNode} from 'yaml'

import {badInput} from '../errors.js'

export interface DataValueLocation {
  /** 1-based line where the value's content starts (the line after `|` for block scalars) */
  line: number
  /** block scalars keep their lines: entry line = line + line-within-value - 1; other styles are one logical line */
  block: boolean
  /** character offsets of the whole value node (including a `|` header) in the file text */
  start: number
  end: number
  /** yaml scalar style: BLOCK_LITERAL, BLOCK_FOLDED, PLAIN, QUOTE_DOUBLE, QUOTE_SINGLE */
  style: string
  /** column (0-based) of the key this value belongs to */
  keyIndent: number
}

export interface ConfigMapFile {
  data: Record<string, string>
  locations: Record<string, DataValueLocation>
  resourceVersion?: string
  namespace?: string
  format: 'json' | 'yaml'
  /** which YAML document of the file holds it, and its path inside (['items', 3] for a List) */
  documentIndex: number
  path: (number | string)[]
  /** remarks about the file itself (e.g. "no namespace: EKS reads kube-system/aws-auth") */
  notes: string[]
}

const NAME = 'aws-auth'
const NAMESPACE = 'kube-system'

interface Candidate {
  obj: Record<string, unknown>
  documentIndex: number
  path: (number | string)[]
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function collect(value: unknown, documentIndex: number, path: (number | string)[], out: Candidate[], seen: string[]): void {
  if (!isRecord(value)) return
  const kind = typeof value.kind === 'string' ? value.kind : ''
  if (Array.isArray(value.items) && (kind === 'List' || kind.endsWith('List') || kind === '')) {
    value.items.forEach((item, i) => collect(item, documentIndex, [...path, 'items', i], out, seen))
    return
  }
  const meta = isRecord(value.metadata) ? value.metadata : {}
  if (kind === '' && meta.name === undefined) return
  seen.push(`${kind || '(no kind)'} ${String(meta.namespace ?? '')}${meta.namespace ? '/' : ''}${String(meta.name ?? '(no name)')}`)
  if (kind === 'ConfigMap' && meta.name === NAME) out.push({documentIndex, obj: value, path})
}

const describeType = (v: unknown): string =>
  Array.isArray(v) ? 'a list' : v === null ? 'null' : typeof v === 'object' ? 'a mapping' : `a ${typeof v}`

/** Reads the aws-auth ConfigMap out of `text`; throws EksauthError (BAD_INPUT) with the fix when it cannot. */
export function readAwsAuthFile(text: string, source: string): ConfigMapFile {
  if (text.includes('\u0000')) throw badInput(`${source} is a binary file, not YAML or JSON: pass the aws-auth ConfigMap manifest`)
  if (text.trim() === '') throw badInput(`${source} is empty: pass the aws-auth ConfigMap (kubectl get cm aws-auth -n kube-system -o yaml > FILE)`)
  const lineCounter = new LineCounter()
  const docs = parseAllDocuments(text, {lineCounter, logLevel: 'error', uniqueKeys: false}) as Document[] | {errors: unknown[]}
  if (!Array.isArray(docs)) throw badInput(`${source} is not YAML or JSON`)
  for (const doc of docs) {
    const err = doc.errors[0]
    if (err) {
      const where = err.linePos ? ` at line ${err.linePos[0].line}` : ''
      throw badInput(`${source} is not valid YAML${where}: ${err.message.split('\n')[0]}`, 'E_BAD_YAML')
    }
  }
  const candidates: Candidate[] = []
  const seen: string[] = []
  docs.forEach((doc, i) => collect(doc.toJS({maxAliasCount: 1000}), i, [], candidates, seen))
  const inKubeSystem = candidates.filter((c) => {
    const ns = (c.obj.metadata as Record<string, unknown>).namespace
    return ns === undefined || ns === null || ns === '' || ns === NAMESPACE
  })
  if (inKubeSystem.length === 0) {
    if (candidates.length > 0) {
      const ns = String((candidates[0]!.obj.metadata as Record<string, unknown>).namespace)
      throw badInput(
        `${source} holds ConfigMap aws-auth in namespace '${ns}', but EKS only reads kube-system/aws-auth (C1): set metadata.namespace: kube-system`,
      )
    }
    const found = seen.length > 0 ? ` (found: ${seen.slice(0, 5).join(', ')}${seen.length > 5 ? ', ...' : ''})` : ' (it holds no Kubernetes object)'
    throw badInput(
      `${source} has no ConfigMap named aws-auth${found}: pass \`kubectl get configmap aws-auth -n kube-system -o yaml\` output`,
      'E_NOT_AWS_AUTH',
    )
  }
  if (inKubeSystem.length > 1) {
    throw badInput(`${source} holds ${inKubeSystem.length} aws-auth ConfigMaps: keep one per file`)
  }
  const found = inKubeSystem[0]!
  const meta = found.obj.metadata as Record<string, unknown>
  const notes: string[] = []
  if (meta.namespace === undefined || meta.namespace === null || meta.namespace === '') {
    notes.push('the manifest has no metadata.namespace; EKS reads it only as kube-system/aws-auth')
  }
  const rawData = found.obj.data
  if (rawData !== undefined && rawData !== null && !isRecord(rawData)) {
    throw badInput(`data in ${source} is ${describeType(rawData)}, not a mapping of strings: the API server would reject this ConfigMap`)
  }
  const data: Record<string, string> = {}
  for (const [key, value] of Object.entries(rawData ?? {})) {
    if (typeof value !== 'string') {
      throw badInput(
        `data.${key} in ${source} is ${describeType(value)}, not a string: the API server rejects this ConfigMap (C6); write "${key}: |" and indent the YAML under it`,
        'E_NON_STRING_DATA',
      )
    }
    data[key] = value
  }
  const doc = docs[found.documentIndex]!
  const locations: Record<string, DataValueLocation> = {}
  const dataNode = doc.getIn([...found.path, 'data'], true) as YamlNode | undefined
  if (isMap(dataNode)) {
    for (const pair of dataNode.items) {
      if (!isScalar(pair.key) || !isScalar(pair.value)) continue
      const key = String(pair.key.value)
      const range = pair.value.range
      const keyRange = pair.key.range
      if (!range || !keyRange) continue
      const style = String(pair.value.type ?? 'PLAIN')
      const block = style === 'BLOCK_LITERAL' || style === 'BLOCK_FOLDED'
      const startLine = lineCounter.linePos(range[0]).line
      locations[key] = {
        block,
        end: range[1],
        keyIndent: lineCounter.linePos(keyRange[0]).col - 1,
        line: block ? startLine + 1 : startLine,
        start: range[0],
        style,
      }
    }
  }
  const resourceVersion = typeof meta.resourceVersion === 'string' && meta.resourceVersion !== '' ? meta.resourceVersion : undefined
  return {
    data,
    documentIndex: found.documentIndex,
    format: text.trimStart().startsWith('{') ? 'json' : 'yaml',
    locations,
    namespace: typeof meta.namespace === 'string' ? meta.namespace : undefined,
    notes,
    path: found.path,
    resourceVersion,
  }
}

/** 1-based file line of a line inside a data value (1-based), when known. */
export function fileLine(loc: DataValueLocation | undefined, lineInValue: number | undefined): number | undefined {
  if (!loc) return undefined
  if (!loc.block || lineInValue === undefined) return loc.line
  return loc.line + lineInValue - 1
}
