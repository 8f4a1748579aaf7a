/**
 * The three patch formats the API server accepts for a ConfigMap: JSON merge patch (RFC 7386), strategic merge patch
 * (for a ConfigMap, whose fields are all maps or scalars, it merges exactly like a merge patch) and JSON Patch
 * (RFC 6902). Errors are plain `PatchError`s; the server turns them into the apiserver's statuses.
 */

export class PatchError extends Error {
  /** 400 for a malformed patch document, 422 for a patch that does not apply (failed test, missing path) */
  constructor(
    message: string,
    readonly code: 400 | 422,
  ) {
    super(message)
  }
}

type Json = null | boolean | number | string | Json[] | {[k: string]: Json}

const isObject = (v: unknown): v is Record<string, Json> => typeof v === 'object' && v !== null && !Array.isArray(v)
const clone = <T>(v: T): T => (v === undefined ? v : (JSON.parse(JSON.stringify(v)) as T))

export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return clone(patch)
  const out: Record<string, Json> = isObject(target) ? clone(target) : {}
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k]
    else out[k] = mergePatch(out[k], v) as Json
  }
  return out
}

/** Strategic merge for a ConfigMap: the same as a merge patch, except `$patch`/`$retainKeys` directives are refused. */
export function strategicMergePatch(target: unknown, patch: unknown): unknown {
  const walk = (p: unknown): void => {
    if (!isObject(p)) return
    for (const [k, v] of Object.entries(p)) {
      if (k.startsWith('$')) throw new PatchError(`unsupported strategic merge directive ${k} on a ConfigMap`, 422)
      walk(v)
    }
  }
  walk(patch)
  return mergePatch(target, patch)
}

interface Op {
  op: string
  path: string
  value?: unknown
  from?: string
}

function pointer(path: string): string[] {
  if (path === '') return []
  if (!path.startsWith('/')) throw new PatchError(`invalid JSON pointer ${JSON.stringify(path)}`, 400)
  return path
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
}

function parentOf(doc: unknown, tokens: string[], path: string): {parent: Record<string, unknown> | unknown[]; key: string} {
  let cur: unknown = doc
  for (const t of tokens.slice(0, -1)) {
    if (Array.isArray(cur)) cur = cur[Number(t)]
    else if (isObject(cur)) cur = cur[t]
    else cur = undefined
    if (cur === undefined) throw new PatchError(`doc is missing path: ${path}: missing value`, 422)
  }
  if (!Array.isArray(cur) && !isObject(cur)) throw new PatchError(`doc is missing path: ${path}: missing value`, 422)
  return {parent: cur, key: tokens[tokens.length - 1] ?? ''}
}

function get(doc: unknown, path: string): unknown {
  let cur: unknown = doc
  for (const t of pointer(path)) {
    if (Array.isArray(cur)) cur = cur[Number(t)]
    else if (isObject(cur)) cur = Object.prototype.hasOwnProperty.call(cur, t) ? cur[t] : undefined
    else cur = undefined
    if (cur === undefined) return undefined
  }
  return cur
}

const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, val: unknown) =>
    isObject(val) ? Object.fromEntries(Object.entries(val).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : val,
  )

export function jsonPatch(target: unknown, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw new PatchError('json: cannot unmarshal object into Go value of type jsonpatch.Patch', 400)
  let doc: unknown = clone(target)
  const add = (path: string, value: unknown): void => {
    const tokens = pointer(path)
    if (tokens.length === 0) {
      doc = clone(value)
      return
    }
    const {parent, key} = parentOf(doc, tokens, path)
    if (Array.isArray(parent)) {
      const i = key === '-' ? parent.length : Number(key)
      if (!Number.isInteger(i) || i < 0 || i > parent.length) throw new PatchError(`Unable to access invalid index: ${key}`, 422)
      parent.splice(i, 0, clone(value))
    } else parent[key] = clone(value)
  }
  const remove = (path: string): unknown => {
    const tokens = pointer(path)
    const {parent, key} = parentOf(doc, tokens, path)
    if (Array.isArray(parent)) {
      const i = Number(key)
      if (!Number.isInteger(i) || i < 0 || i >= parent.length) throw new PatchError(`Unable to remove nonexistent key: ${key}: missing value`, 422)
      return parent.splice(i, 1)[0]
    }
    if (!Object.prototype.hasOwnProperty.call(parent, key)) {
      throw new PatchError(`Unable to remove nonexistent key: ${key}: missing value`, 422)
    }
    const old = parent[key]
    delete parent[key]
    return old
  }
  for (const raw of patch as unknown[]) {
    if (!isObject(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new PatchError('json: invalid JSON Patch operation', 400)
    }
    const op = raw as unknown as Op
    switch (op.op) {
      case 'add':
        add(op.path, op.value)
        break
      case 'remove':
        remove(op.path)
        break
      case 'replace':
        if (get(doc, op.path) === undefined) throw new PatchError(`replace operation does not apply: doc is missing key: ${op.path}: missing value`, 422)
        remove(op.path)
        add(op.path, op.value)
        break
      case 'test':
        if (canonical(get(doc, op.path)) !== canonical(op.value)) {
          throw new PatchError(`testing value ${op.path} failed: test failed`, 422)
        }
        break
      case 'move': {
        if (typeof op.from !== 'string') throw new PatchError('move operation missing from', 400)
        const v = remove(op.from)
        add(op.path, v)
        break
      }
      case 'copy': {
        if (typeof op.from !== 'string') throw new PatchError('copy operation missing from', 400)
        const v = get(doc, op.from)
        if (v === undefined) throw new PatchError(`copy operation does not apply: doc is missing from path: ${op.from}: missing value`, 422)
        add(op.path, v)
        break
      }
      default:
        throw new PatchError(`Unexpected kind: ${op.op}`, 400)
    }
  }
  return doc
}
