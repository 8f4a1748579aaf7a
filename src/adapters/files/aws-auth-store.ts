/**
 * aws-auth in a manifest on disk (GitOps mode): the same read -> edit -> conditional write as the cluster, where the
 * condition is "the file is still byte-identical to what was read". A write splices each changed data value back into
 * the file text (a block literal keeps its header and indentation, and its unchanged lines keep their bytes); every
 * other byte of the file stays. The write is atomic: a temporary file in the same directory, renamed over the original,
 * with the original's mode.
 */
import {randomBytes} from 'node:crypto'
import {chmodSync, closeSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeFileSync} from 'node:fs'
import {basename, dirname, join} from 'node:path'

import {isMap, isScalar, parseAllDocuments, type Document, type Node as YamlNode, type Pair, type YAMLMap} from 'yaml'

import {readAwsAuthFile} from '../../core/aws-auth/configmap.js'
import {badInput, EksauthError, ExitCode} from '../../core/errors.js'
import {type AwsAuthSnapshot, type AwsAuthStore, type AwsAuthWriteOptions, ConflictError} from '../../core/ports.js'
import {readInputFile} from './read.js'

type Ranged = {range?: [number, number, number] | null}
const rangeOf = (n: unknown): [number, number, number] | undefined => (n as Ranged | null | undefined)?.range ?? undefined
const lineStart = (text: string, pos: number): number => text.lastIndexOf('\n', pos - 1) + 1
function lineEndAfter(text: string, contentEnd: number): number {
  if (contentEnd > 0 && text[contentEnd - 1] === '\n') return contentEnd
  const nl = text.indexOf('\n', contentEnd)
  return nl === -1 ? text.length : nl + 1
}

interface Splice {
  start: number
  end: number
  text: string
}

/** A new block literal for `value` (header included, no trailing newline after the last content line). */
function renderBlock(value: string, indent: number): string | undefined {
  // leading spaces would need an indentation indicator, and trailing blank lines a keep indicator: JSON instead
  if (value === '' || /^[ \t\n]/.test(value) || value.endsWith('\n\n')) return undefined
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u0008\u000b-\u001f\u007f\ufeff\u0085\u2028\u2029]/.test(value)) return undefined
  const chomp = value.endsWith('\n') ? '' : '-'
  const body = chomp === '' ? value.slice(0, -1) : value
  const pad = ' '.repeat(indent)
  return `|${chomp}\n${body.split('\n').map((l) => (l === '' ? '' : pad + l)).join('\n')}`
}

/**
 * The new text of an existing block literal: its unchanged leading and trailing lines are kept byte for byte (even
 * whitespace-only lines), only the lines in between are rendered. undefined when the source does not line up.
 */
function spliceBlock(source: string, oldValue: string, newValue: string): string | undefined {
  const nl = source.indexOf('\n')
  if (nl === -1) return undefined
  const header = source.slice(0, nl)
  if (header.trim() !== '|' || !oldValue.endsWith('\n') || oldValue.endsWith('\n\n')) return undefined
  if (!newValue.endsWith('\n') || newValue.endsWith('\n\n') || /^[ \t\n]/.test(newValue) || /[\r]/.test(newValue)) return undefined
  const srcLines = source.slice(nl + 1).split('\n')
  const oldLines = oldValue.split('\n')
  if (srcLines.length !== oldLines.length) return undefined
  const first = srcLines.find((l) => l.trim() !== '') ?? ''
  const indent = first.length - first.trimStart().length
  if (indent === 0) return undefined
  for (let i = 0; i < srcLines.length; i++) {
    const ok = oldLines[i] === '' ? srcLines[i]!.trim() === '' : srcLines[i]!.slice(indent) === oldLines[i]
    if (!ok) return undefined
  }
  const newLines = newValue.split('\n')
  let p = 0
  while (p < oldLines.length && p < newLines.length && oldLines[p] === newLines[p]) p++
  let q = 0
  while (q < oldLines.length - p && q < newLines.length - p && oldLines[oldLines.length - 1 - q] === newLines[newLines.length - 1 - q]) q++
  const pad = ' '.repeat(indent)
  const middle = newLines.slice(p, newLines.length - q).map((l) => (l === '' ? '' : pad + l))
  return `${header}\n${[...srcLines.slice(0, p), ...middle, ...srcLines.slice(srcLines.length - q)].join('\n')}`
}

const sameData = (a: Record<string, string>, b: Record<string, string>): boolean => {
  const ka = Object.keys(a)
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k])
}

/** The file text with `newData` in place of `oldData`, every other byte kept. Pure; throws when it cannot. */
export function renderAwsAuthFileText(text: string, source: string, newData: Record<string, string>): string {
  const file = readAwsAuthFile(text, source)
  const oldData = file.data
  const docs = parseAllDocuments(text, {logLevel: 'error', uniqueKeys: false}) as Document[]
  const doc = docs[file.documentIndex]!
  const dataNode = doc.getIn([...file.path, 'data'], true) as YamlNode | undefined
  const splices: Splice[] = []
  const keys = new Set([...Object.keys(oldData), ...Object.keys(newData)])
  const pairs = isMap(dataNode) ? (dataNode as YAMLMap).items.filter((p) => isScalar(p.key)) : []
  const pairOf = (k: string): Pair | undefined => pairs.find((p) => String((p.key as {value: unknown}).value) === k) as Pair | undefined
  const flowData = isMap(dataNode) && Boolean((dataNode as YAMLMap).flow)
  const keyIndent = (() => {
    const r = rangeOf(pairs[0]?.key)
    return r ? r[0] - lineStart(text, r[0]) : undefined
  })()

  for (const k of keys) {
    const oldV = oldData[k]
    const newV = newData[k]
    if (oldV === newV) continue
    const loc = file.locations[k]
    if (oldV !== undefined && newV !== undefined) {
      if (!loc) throw badInput(`cannot find data.${k} in ${source} to edit it`)
      let out: string | undefined
      if (loc.style === 'BLOCK_LITERAL') {
        out = spliceBlock(text.slice(loc.start, loc.end), oldV, newV)
        if (out === undefined) {
          const src = text.slice(loc.start, loc.end)
          const firstContent = src.split('\n').slice(1).find((l) => l.trim() !== '') ?? ''
          const indent = Math.max(firstContent.length - firstContent.trimStart().length, loc.keyIndent + 2)
          const rendered = renderBlock(newV, indent)
          // a block literal's range ends after its last newline; keep the line structure the same
          if (rendered !== undefined) out = rendered + (src.endsWith('\n') ? '\n' : '')
        }
      } else if (!flowData && file.format === 'yaml') {
        out = renderBlock(newV, loc.keyIndent + 2)
      }
      splices.push({end: loc.end, start: loc.start, text: out ?? JSON.stringify(newV)})
    } else if (newV !== undefined) {
      // a new key
      if (!isMap(dataNode)) throw badInput(`${source} has no data: mapping to add ${k} to; add \`data: {}\` to the manifest first`)
      const map = dataNode as YAMLMap
      const last = map.items.at(-1)
      if (flowData) {
        const entry = `${JSON.stringify(k)}: ${JSON.stringify(newV)}`
        if (!last) {
          const r = rangeOf(map)!
          splices.push({end: r[1], start: r[0], text: `{${entry}}`})
        } else {
          const at = rangeOf(last.value)?.[1] ?? rangeOf(last.key)![1]
          const kr = rangeOf(last.key)!
          const sep = text.slice(lineStart(text, kr[0]), kr[0])
          splices.push({end: at, start: at, text: /^\s*$/.test(sep) ? `,\n${sep}${entry}` : `, ${entry}`})
        }
      } else {
        if (!last) throw badInput(`${source} has an empty data: mapping; add the key by hand first`)
        const at = lineEndAfter(text, rangeOf(last.value)?.[1] ?? rangeOf(last.key)![1])
        const indent = keyIndent ?? 2
        const block = renderBlock(newV, indent + 2)
        splices.push({end: at, start: at, text: `${at > 0 && text[at - 1] !== '\n' ? '\n' : ''}${' '.repeat(indent)}${k}: ${block ?? JSON.stringify(newV)}\n`})
      }
    } else {
      // a removed key (restore)
      const pair = pairOf(k)
      if (!pair) throw badInput(`cannot find data.${k} in ${source} to remove it`)
      const kr = rangeOf(pair.key)!
      const vEnd = rangeOf(pair.value)?.[1] ?? kr[1]
      if (flowData) {
        const after = text.slice(vEnd).match(/^\s*,/)
        if (after) splices.push({end: vEnd + after[0].length, start: kr[0], text: ''})
        else {
          const before = text.slice(0, kr[0]).match(/,\s*$/)
          splices.push({end: vEnd, start: before ? kr[0] - before[0].length : kr[0], text: ''})
        }
      } else {
        splices.push({end: lineEndAfter(text, vEnd), start: lineStart(text, kr[0]), text: ''})
      }
    }
  }
  let out = text
  for (const s of splices.sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.text + out.slice(s.end)
  let back: Record<string, string>
  try {
    back = readAwsAuthFile(out, source).data
  } catch (error) {
    throw new EksauthError(`cannot write ${source} faithfully (${(error as Error).message}); nothing was written`, {code: 'E_FILE_WRITE', exit: ExitCode.REFUSED})
  }
  if (!sameData(back, newData)) {
    throw new EksauthError(`cannot write ${source} faithfully: the edited file would not read back as the intended data; nothing was written`, {
      code: 'E_FILE_WRITE',
      exit: ExitCode.REFUSED,
    })
  }
  return out
}

const LOCK_STALE_MS = 30_000

export class FileAwsAuthStore implements AwsAuthStore {
  readonly path: string
  /** the text the last write produced (or would have, for a dry run) */
  lastText?: string

  constructor(path: string) {
    if (path === '-') throw badInput('--file - (stdin) cannot be edited: pass a file path (or use --dry-run on a copy)')
    this.path = path
  }

  describe(): string {
    return `file ${this.path}`
  }

  async read(): Promise<AwsAuthSnapshot> {
    const text = readInputFile(this.path, 'aws-auth file')
    const file = readAwsAuthFile(text, this.path)
    const lines: Record<string, number> = {}
    for (const [k, loc] of Object.entries(file.locations)) lines[k] = loc.line
    return {data: file.data, exists: true, lines, resourceVersion: file.resourceVersion, source: this.path, text}
  }

  async write(data: Record<string, string>, base: AwsAuthSnapshot, opts: AwsAuthWriteOptions = {}): Promise<{resourceVersion?: string}> {
    if (base.text === undefined) throw new Error('FileAwsAuthStore.write needs a snapshot read from the file')
    const next = renderAwsAuthFileText(base.text, this.path, data)
    this.lastText = next
    if (opts.dryRun) return {resourceVersion: base.resourceVersion}
    const target = realpathSync(this.path)
    const lock = `${target}.eksauth.lock`
    let fd: number
    try {
      fd = openSync(lock, 'wx', 0o600)
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw badInput(`cannot lock ${this.path}: ${(error as Error).message}`, 'E_FILE')
      try {
        if (Date.now() - statSync(lock).mtimeMs > LOCK_STALE_MS) unlinkSync(lock)
      } catch {
        // gone meanwhile
      }
      throw new ConflictError(`${this.path} is being written by another eksauth (lock ${lock})`)
    }
    const tmp = join(dirname(target), `.${basename(target)}.eksauth-${process.pid}-${randomBytes(4).toString('hex')}.tmp`)
    try {
      const current = readFileSync(target, 'utf8')
      if (current !== base.text) throw new ConflictError(`${this.path} was modified by someone else since it was read`)
      const mode = statSync(target).mode & 0o7777
      writeFileSync(tmp, next, {flag: 'wx', mode})
      chmodSync(tmp, mode)
      renameSync(tmp, target)
    } catch (error) {
      try {
        unlinkSync(tmp)
      } catch {
        // not created
      }
      if (error instanceof ConflictError || error instanceof EksauthError) throw error
      throw badInput(`cannot write ${this.path}: ${(error as Error).message}`, 'E_FILE')
    } finally {
      closeSync(fd)
      try {
        unlinkSync(lock)
      } catch {
        // already gone
      }
    }
    return {resourceVersion: base.resourceVersion}
  }
}
