/**
 * Reads `--manifests PATH` values: files, or directories searched recursively for *.yaml, *.yml and *.json (sorted, so
 * results do not depend on the file system's order). `-` reads stdin. The text goes to parseManifestText; turning the
 * objects into RBAC objects is the core's job (loadManifestDocs).
 */
import {readdirSync, readFileSync, realpathSync, statSync} from 'node:fs'
import {join} from 'node:path'

import {badInput} from '../../core/errors.js'
import {type ManifestDoc, parseManifestText} from '../../core/rbac/objects.js'

/** A generous cap: a full RBAC dump of a large cluster (tens of thousands of bindings) is tens of MiB. */
export const MAX_MANIFEST_BYTES = 256 * 1024 * 1024

const MANIFEST_EXT = /\.(ya?ml|json)$/i

export interface ManifestRead {
  docs: ManifestDoc[]
  /** every file read, in the order read */
  files: string[]
}

const fail = (path: string, error: unknown): never => {
  const code = (error as NodeJS.ErrnoException).code
  const why =
    code === 'ENOENT'
      ? 'no such file or directory'
      : code === 'EACCES' || code === 'EPERM'
        ? 'permission denied'
        : (error as Error).message
  throw badInput(`cannot read manifests from ${path}: ${why}`, 'E_FILE')
}

function readText(path: string): string {
  if (path === '-') return readFileSync(0, 'utf8')
  let size: number
  try {
    size = statSync(path).size
  } catch (error) {
    return fail(path, error)
  }
  if (size > MAX_MANIFEST_BYTES) throw badInput(`${path} is ${(size / 1024 / 1024).toFixed(0)} MiB: too large for a manifest file`, 'E_FILE')
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    return fail(path, error)
  }
}

/** Files under a directory, recursively, sorted by path; symlinked directories are followed once. */
function manifestFilesUnder(dir: string, seen: Set<string>): string[] {
  let real: string
  try {
    real = realpathSync(dir)
  } catch (error) {
    return fail(dir, error)
  }
  if (seen.has(real)) return []
  seen.add(real)
  let names: string[]
  try {
    names = readdirSync(dir).sort()
  } catch (error) {
    return fail(dir, error)
  }
  const out: string[] = []
  for (const name of names) {
    const path = join(dir, name)
    let st
    try {
      st = statSync(path)
    } catch (error) {
      // a dangling symlink or a file removed meanwhile: not a manifest we were asked for by name
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue
      return fail(path, error)
    }
    if (st.isDirectory()) out.push(...manifestFilesUnder(path, seen))
    else if (st.isFile() && MANIFEST_EXT.test(name)) out.push(path)
  }
  return out
}

/** Which files the paths stand for: a file as given (whatever its extension), a directory's manifests. */
export function manifestFiles(paths: string[]): string[] {
  const files: string[] = []
  const seen = new Set<string>()
  for (const path of paths) {
    if (path === '-') {
      files.push(path)
      continue
    }
    let isDir: boolean
    try {
      isDir = statSync(path).isDirectory()
    } catch (error) {
      return fail(path, error)
    }
    if (!isDir) {
      files.push(path)
      continue
    }
    const found = manifestFilesUnder(path, seen)
    if (found.length === 0) throw badInput(`${path} holds no *.yaml, *.yml or *.json files`, 'E_FILE')
    files.push(...found)
  }
  return files
}

/** Read and parse every manifest the paths stand for. Throws EksauthError BAD_INPUT naming the path on any failure. */
export function readManifests(paths: string[]): ManifestRead {
  const files = manifestFiles(paths)
  const docs: ManifestDoc[] = []
  for (const file of files) docs.push(...parseManifestText(readText(file), file === '-' ? '<stdin>' : file))
  return {docs, files}
}
