/**
 * Local backups of aws-auth taken before every live write, and reading them back for `restore`.
 * $XDG_STATE_HOME/eksauth/backups/<cluster-or-context>/<UTC timestamp>-rv<resourceVersion>.json (default
 * ~/.local/state); directories 0700, files 0600 (the ConfigMap names every admin role of the cluster).
 */
import {chmodSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync} from 'node:fs'
import {homedir} from 'node:os'
import {isAbsolute, join} from 'node:path'

import {badInput, EksauthError, ExitCode} from '../core/errors.js'
import type {AwsAuthSnapshot} from '../core/ports.js'

export interface BackupRecord {
  /** ISO 8601 UTC */
  takenAt: string
  /** where it was read from: `context/kube-system/aws-auth` or a file path */
  source: string
  context?: string
  cluster?: string
  /** metadata.resourceVersion of the ConfigMap that was backed up */
  resourceVersion?: string
  /** false when aws-auth did not exist before the write (data is then {}) */
  existed: boolean
  data: Record<string, string>
}

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env.XDG_STATE_HOME
  const base = xdg && isAbsolute(xdg) ? xdg : join(env.HOME && isAbsolute(env.HOME) ? env.HOME : homedir(), '.local', 'state')
  return join(base, 'eksauth')
}

export const backupRoot = (env: NodeJS.ProcessEnv = process.env): string => join(stateDir(env), 'backups')

const safeName = (s: string): string => s.replace(/[^A-Za-z0-9._@-]+/g, '_').replace(/^\.+/, '_').slice(0, 120) || 'default'

function mkdirPrivate(dir: string): void {
  mkdirSync(dir, {mode: 0o700, recursive: true})
  chmodSync(dir, 0o700)
}

const stamp = (d: Date): string => d.toISOString().replace(/[-:]/g, '').replace(/\.(\d{3})Z$/, '.$1Z')

export interface BackupTarget {
  cluster?: string
  context?: string
}

/** Writes the snapshot as a backup file and returns its path. */
export function saveBackup(snapshot: AwsAuthSnapshot, target: BackupTarget, env: NodeJS.ProcessEnv = process.env, now = new Date()): string {
  const root = backupRoot(env)
  const dir = join(root, safeName(target.cluster ?? target.context ?? snapshot.source))
  const record: BackupRecord = {
    cluster: target.cluster,
    context: target.context,
    data: snapshot.data,
    existed: snapshot.exists,
    resourceVersion: snapshot.resourceVersion,
    source: snapshot.source,
    takenAt: now.toISOString(),
  }
  try {
    mkdirPrivate(stateDir(env))
    mkdirPrivate(root)
    mkdirPrivate(dir)
    const base = `${stamp(now)}-rv${safeName(snapshot.resourceVersion ?? 'none')}`
    for (let i = 0; ; i++) {
      const path = join(dir, `${base}${i === 0 ? '' : `-${i}`}.json`)
      try {
        writeFileSync(path, JSON.stringify(record, null, 2) + '\n', {flag: 'wx', mode: 0o600})
        chmodSync(path, 0o600)
        return path
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || i > 100) throw error
      }
    }
  } catch (error) {
    throw new EksauthError(`cannot save the backup of aws-auth under ${root}: ${(error as Error).message}; nothing was written to the cluster`, {
      code: 'E_BACKUP',
      exit: ExitCode.INTERNAL,
    })
  }
}

/** Removes a backup taken for a write that then lost a conflict (it was never replaced by us). */
export function discardBackup(path: string): void {
  try {
    unlinkSync(path)
  } catch {
    // already gone
  }
}

/** Reads a backup file; one-line BAD_INPUT errors for anything that is not one. */
export function readBackup(path: string): BackupRecord {
  let text: string
  try {
    if (statSync(path).size > 16 * 1024 * 1024) throw new Error('larger than any backup could be')
    text = readFileSync(path, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new EksauthError(code === 'ENOENT' ? `${path}: no such backup file` : `cannot read backup ${path}: ${(error as Error).message}`, {
      code: 'E_BACKUP',
      exit: code === 'ENOENT' ? ExitCode.NOT_FOUND : ExitCode.BAD_INPUT,
    })
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw badInput(`${path} is not an eksauth backup: not JSON (backups are the .json files under ${backupRoot()})`, 'E_BACKUP')
  }
  const r = json as Partial<BackupRecord> | null
  if (!r || typeof r !== 'object' || Array.isArray(r) || !r.data || typeof r.data !== 'object' || Array.isArray(r.data) || typeof r.takenAt !== 'string') {
    throw badInput(`${path} is not an eksauth backup: it needs takenAt and data (backups are the .json files under ${backupRoot()})`, 'E_BACKUP')
  }
  for (const [k, v] of Object.entries(r.data)) {
    if (typeof v !== 'string') throw badInput(`${path} is not a valid backup: data.${k} is not a string`, 'E_BACKUP')
  }
  return {
    cluster: typeof r.cluster === 'string' ? r.cluster : undefined,
    context: typeof r.context === 'string' ? r.context : undefined,
    data: r.data as Record<string, string>,
    existed: r.existed !== false,
    resourceVersion: typeof r.resourceVersion === 'string' ? r.resourceVersion : undefined,
    source: typeof r.source === 'string' ? r.source : '(unknown)',
    takenAt: r.takenAt,
  }
}
