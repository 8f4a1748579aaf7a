/**
 * What map-role, map-user, unmap and restore share around the edit loop: choosing the store (file or cluster), the IAM
 * existence check, the caller identity for the own-access guard, the confirmation prompt, and backups. Adapters are
 * loaded with import() only when used, so `--file` runs load no SDK.
 */
import {createInterface} from 'node:readline/promises'

import {discardBackup, saveBackup} from '../adapters/backup.js'
import type {EditIntent} from '../core/aws-auth/edit.js'
import {EksauthError, ExitCode} from '../core/errors.js'
import type {AwsAuthStore} from '../core/ports.js'
import {renderOutcome, renderPlan} from '../render/edit.js'
import {editAwsAuth, type EditOutcome} from './edit-aws-auth.js'

export interface EditSessionFlags {
  file?: string
  'dry-run'?: boolean
  yes?: boolean
  force?: boolean
  kubeconfig?: string
  context?: string
  profile?: string
  region?: string
  'verify-iam'?: boolean
}

export interface EditIo {
  /** stdout, human mode only */
  out(text: string): void
  /** stderr, human mode only */
  note(text: string): void
  json: boolean
  /** asks on the terminal; resolves to the answer */
  prompt?(question: string): Promise<string>
  stdinIsTTY?: boolean
}

export interface SessionOutcome extends EditOutcome {
  /** `file` or `cluster` */
  mode: 'file' | 'cluster'
}

/** A cluster store and where it points (for backups). */
export interface OpenedStore {
  store: AwsAuthStore
  cluster?: string
  context?: string
}

export async function openStore(flags: EditSessionFlags, onRetry?: (message: string) => void): Promise<OpenedStore & {mode: 'file' | 'cluster'}> {
  if (flags.file) {
    const {FileAwsAuthStore} = await import('../adapters/files/aws-auth-store.js')
    return {mode: 'file', store: new FileAwsAuthStore(flags.file)}
  }
  const {openClusterStore} = await import('./cluster-store.js')
  return {mode: 'cluster', ...(await openClusterStore(flags, onRetry))}
}

async function defaultPrompt(question: string): Promise<string> {
  const rl = createInterface({input: process.stdin, output: process.stderr, terminal: true})
  try {
    return await rl.question(question)
  } finally {
    rl.close()
  }
}

async function callerArn(flags: EditSessionFlags, io: EditIo): Promise<string | undefined> {
  try {
    const {getCallerIdentity} = await import('../adapters/aws/sts.js')
    const timeout = new Promise<never>((_, reject) => setTimeout(() => reject(new Error('timed out after 10 s')), 10_000).unref())
    const who = await Promise.race([getCallerIdentity({profile: flags.profile, region: flags.region}), timeout])
    return who.arn || undefined
  } catch (error) {
    io.note(`note: could not determine your AWS identity (${(error as Error).message.split('\n')[0]}); the "do not unmap yourself" guard is skipped`)
    return undefined
  }
}

export async function runEditSession(
  io: EditIo,
  flags: EditSessionFlags,
  intent: EditIntent,
  principal?: {arn: string; kind: 'role' | 'user' | 'root'},
  preNotes: string[] = [],
): Promise<SessionOutcome> {
  const opened = await openStore(flags, (m) => io.note(`retry: ${m}`))
  const dryRun = Boolean(flags['dry-run'])
  for (const n of preNotes) io.note(`note: ${n}`)
  const warnings: string[] = []
  const notes: string[] = [...preNotes]

  if (principal && flags['verify-iam'] !== false) {
    const {openIamDirectory} = await import('./iam.js')
    const dir = await openIamDirectory(flags)
    const {verifyPrincipal} = await import('./verify-principal.js')
    const check = await verifyPrincipal(dir, principal.arn, principal.kind)
    for (const n of check.notes) io.note(`note: ${n}`)
    for (const w of check.warnings) io.note(`warning: ${w}`)
    notes.push(...check.notes)
    warnings.push(...check.warnings)
  }

  const caller = opened.mode === 'cluster' ? await callerArn(flags, io) : undefined

  const outcome = await editAwsAuth({
    backup: opened.mode === 'cluster' ? (snap) => saveBackup(snap, {cluster: opened.cluster, context: opened.context}) : undefined,
    callerArn: caller,
    async confirm(plan) {
      io.out(renderPlan(plan))
      for (const n of plan.notes) io.note(`note: ${n}`)
      for (const w of plan.warnings) io.note(`warning: ${w}`)
      if (plan.dryRun || flags.yes) return true
      if (!(io.stdinIsTTY ?? process.stdin.isTTY)) {
        throw new EksauthError('refusing to write without confirmation: stdin is not a terminal; pass --yes to apply the change shown above (or --dry-run)', {
          code: 'E_NEEDS_YES',
          exit: ExitCode.REFUSED,
        })
      }
      const answer = await (io.prompt ?? defaultPrompt)(`Apply this change to ${plan.target}? [y/N] `)
      return /^\s*y(es)?\s*$/i.test(answer)
    },
    discardBackup,
    dryRun,
    force: flags.force,
    intent,
    onNotice: (m) => io.note(m),
    store: opened.store,
  })
  const result: SessionOutcome = {...outcome, mode: opened.mode, notes: [...notes, ...outcome.notes], warnings: [...warnings, ...outcome.warnings]}
  if (outcome.action === 'unchanged') for (const n of outcome.notes) io.note(`note: ${n}`)
  io.out(renderOutcome(result))
  return result
}
