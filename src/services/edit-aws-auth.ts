/**
 * The one write path of aws-auth, for the cluster and for files alike:
 * read -> apply the intent (text splice) -> verify (re-read as the authenticator) -> lock-out guard -> diff -> confirm
 * -> backup -> conditional write. Only a conflict (someone else wrote first) is retried: re-read, re-apply the same
 * intent to the new text, with jittered exponential backoff, bounded. Everything else fails at once.
 */
import {applyIntent, type EditAction, type EditIntent, type EntrySummary, verifyEdit} from '../core/aws-auth/edit.js'
import {checkGuards, enforceGuards} from '../core/aws-auth/guards.js'
import {EksauthError, ExitCode} from '../core/errors.js'
import {type AwsAuthSnapshot, type AwsAuthStore, ConflictError} from '../core/ports.js'
import {type DataDiff, diffData, diffText} from '../render/diff.js'

export interface RetryPolicy {
  /** total write attempts, the first included */
  attempts: number
  /** first backoff ceiling; doubles per conflict */
  baseMs: number
  /** backoff ceiling cap */
  capMs: number
}

/**
 * 15 attempts; before retry n (1-based) sleep a uniformly random time in [0, min(2 s, 50 ms * 2^(n-1))) ("full jitter").
 * Measured: 20 concurrent writers on a 2-CPU machine needed up to 9 attempts, so 10 was too tight a bound.
 */
export const DEFAULT_RETRY: RetryPolicy = {attempts: 15, baseMs: 50, capMs: 2000}

export const RETRY_SUMMARY =
  'On a 409 Conflict (someone else wrote aws-auth between our read and our write) eksauth re-reads, re-applies the same change and retries: at most 15 attempts, full-jitter backoff from 50 ms doubling to a 2 s cap (under 20 s of waiting in total); then exit 3. No other error is retried.'

export const backoffMs = (policy: RetryPolicy, retry: number, random: () => number): number =>
  Math.floor(random() * Math.min(policy.capMs, policy.baseMs * 2 ** (retry - 1)))

/** What the user is asked to confirm (and what --dry-run shows). */
export interface EditPlan {
  target: string
  attempt: number
  action: EditAction
  diffs: DataDiff[]
  diff: string
  notes: string[]
  warnings: string[]
  /** true when this plan replaces one already shown (aws-auth changed meanwhile) */
  replan: boolean
  dryRun: boolean
}

export interface EditOutcome {
  action: EditAction
  target: string
  section: string | null
  arn: string | null
  username: string | null
  groups: string[] | null
  entriesBefore: EntrySummary[]
  entriesAfter: EntrySummary[]
  diff: string
  notes: string[]
  warnings: string[]
  dryRun: boolean
  attempts: number
  /** the resourceVersion written (cluster), or the one read when nothing was written */
  resourceVersion: string | null
  backupPath: string | null
}

export interface EditServiceOptions {
  store: AwsAuthStore
  intent: EditIntent
  dryRun?: boolean
  force?: boolean
  /** the caller's ARN (STS), when known: the guard refuses to unmap it */
  callerArn?: string
  /** shown every new diff; false cancels. Not called again for an identical diff after a conflict. */
  confirm: (plan: EditPlan) => Promise<boolean>
  /** saves the snapshot about to be replaced (live writes only) and returns its path */
  backup?: (snapshot: AwsAuthSnapshot) => Promise<string> | string
  /** removes a backup whose write then lost a conflict */
  discardBackup?: (path: string) => void
  /** progress and retry notices (stderr) */
  onNotice?: (message: string) => void
  retry?: RetryPolicy
  sleep?: (ms: number) => Promise<void>
  random?: () => number
}

const defaultSleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export async function editAwsAuth(opts: EditServiceOptions): Promise<EditOutcome> {
  const policy = opts.retry ?? DEFAULT_RETRY
  const sleep = opts.sleep ?? defaultSleep
  const random = opts.random ?? Math.random
  const notice = opts.onNotice ?? (() => {})
  const dryRun = Boolean(opts.dryRun)
  const target = opts.store.describe()
  let confirmed: string | undefined
  let shown = false
  /** the backup of an attempt whose write lost a conflict, or whose answer was lost: kept until a later write lands */
  let earlier: string | null = null
  let existedBefore: boolean | undefined

  for (let attempt = 1; ; attempt++) {
    const snap = await opts.store.read()
    if (existedBefore === true && !snap.exists && opts.intent.kind !== 'restore') {
      // someone deleted aws-auth between our read and our write: never re-create it holding only this one change
      throw new EksauthError(
        `aws-auth was deleted by someone else while eksauth was editing it; nothing was written${earlier ? `: its last content is in the backup ${earlier} (eksauth restore ${earlier})` : ''}`,
        {code: 'E_CONFLICT', exit: ExitCode.CONFLICT},
      )
    }
    existedBefore ??= snap.exists
    const res = applyIntent(snap.data, opts.intent)
    // field order of the --json contract: action, target, section, arn, username, groups, entries..., diff, ...
    const base = {
      action: res.action,
      target,
      section: res.target?.section ?? (res.entriesBefore[0]?.section ?? null),
      arn: res.target?.arn ?? null,
      username: res.target?.username ?? null,
      groups: res.target?.groups ?? null,
      entriesBefore: res.entriesBefore,
      entriesAfter: res.entriesAfter,
    }
    if (!res.changed) {
      return {
        ...base,
        attempts: attempt,
        // after a lost answer our own earlier write may be what made this a no-op: its backup stays
        backupPath: earlier,
        diff: '',
        dryRun,
        notes: earlier ? [...res.notes, `an earlier attempt may have written this change before its answer was lost; the backup taken before it is kept: ${earlier}`] : res.notes,
        resourceVersion: snap.resourceVersion ?? null,
        warnings: [],
      }
    }
    verifyEdit(snap.data, res.data, opts.intent, res)
    const fileLine = (section: string, lineInSection: number | undefined): number | undefined => {
      const start = snap.lines?.[section]
      return start !== undefined && lineInSection !== undefined ? start + lineInSection - 1 : undefined
    }
    const warnings = enforceGuards(
      checkGuards({after: res.data, before: snap.data, callerArn: opts.callerArn, fileLine}),
      Boolean(opts.force),
    )
    const diffs = diffData(snap.data, res.data)
    const diff = diffText(diffs)
    if (diff !== confirmed) {
      const ok = await opts.confirm({action: res.action, attempt, diff, diffs, dryRun, notes: res.notes, replan: shown, target, warnings})
      shown = true
      if (!ok) throw new EksauthError('cancelled: nothing was written', {code: 'E_CANCELLED', exit: ExitCode.REFUSED})
      confirmed = diff
    }
    let backupPath: string | null = null
    if (!dryRun && opts.backup) backupPath = await opts.backup(snap)
    try {
      const written = await opts.store.write(res.data, snap, {dryRun})
      if (earlier && backupPath) opts.discardBackup?.(earlier)
      return {
        ...base,
        attempts: attempt,
        backupPath,
        diff,
        dryRun,
        notes: res.notes,
        resourceVersion: written.resourceVersion ?? snap.resourceVersion ?? null,
        warnings,
      }
    } catch (error) {
      // not a conflict (403, 5xx after retries, timeout, reset): the write may or may not have landed, keep the backup
      if (!(error instanceof ConflictError)) throw error
      if (backupPath) {
        if (earlier) opts.discardBackup?.(earlier)
        earlier = backupPath
      }
      if (attempt >= policy.attempts) {
        if (earlier) opts.discardBackup?.(earlier)
        throw new EksauthError(
          `aws-auth kept changing under us: ${attempt} attempts all lost a conflict (${error.message}); nothing was written, run the command again`,
          {code: 'E_CONFLICT', exit: ExitCode.CONFLICT},
        )
      }
      const wait = backoffMs(policy, attempt, random)
      notice(`conflict: ${error.message}; re-reading and retrying in ${wait} ms (attempt ${attempt + 1} of ${policy.attempts})`)
      await sleep(wait)
    }
  }
}
