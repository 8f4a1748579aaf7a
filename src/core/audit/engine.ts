/** Runs every rule family over whatever sources are present, applies ignores, and says what could not be checked. */
import {parseAllDocuments} from 'yaml'

import {badInput} from '../errors.js'
import {ALL_RULES, type AuditSource} from './catalogue.js'
import type {AuditInput} from './context.js'
import {atLeast, type Finding, SEVERITIES, type Severity, severityRank} from './finding.js'
import {auditAwsAuth} from './rules-aws-auth.js'
import {auditAccessEntries, auditCluster} from './rules-eks.js'

export interface IgnoreEntry {
  rule: string
  /** ARN, principal, username, object name or logical path the ignore is limited to (substring match); all when absent */
  subject?: string
  reason: string
  /** YYYY-MM-DD: the ignore stops applying after this day */
  expires?: string
}

/** Extra rule families plugged in by the caller (RBAC reachability, workload identity). */
export interface AuditExtension {
  source: AuditSource
  findings: Finding[]
  notes?: string[]
}

export interface AuditResult {
  findings: Finding[]
  summary: {total: number; bySeverity: Record<Severity, number>; ignored: number; sources: AuditSource[]; highest: Severity | null}
  notChecked: {ruleId: string; title: string; missing: AuditSource[]}[]
  ignored: {ruleId: string; message: string; reason: string}[]
  notes: string[]
}

export function parseIgnoreFile(text: string, source: string): IgnoreEntry[] {
  let value: unknown
  try {
    const doc = parseAllDocuments(text)[0]
    if (doc && doc.errors[0]) throw new Error(doc.errors[0].message.split('\n')[0])
    value = doc?.toJS() ?? []
  } catch (error) {
    throw badInput(`${source} is not YAML or JSON: ${(error as Error).message}`)
  }
  const list = Array.isArray(value) ? value : (value as {ignore?: unknown})?.ignore
  if (!Array.isArray(list)) throw badInput(`${source}: expected a list of {rule, reason, subject?, expires?} (or {ignore: [...]})`)
  return list.map((item, i) => {
    const e = item as Record<string, unknown>
    if (!e || typeof e.rule !== 'string' || !/^[A-Z]{2}\d{3}$/.test(e.rule)) throw badInput(`${source}: entry ${i + 1} needs rule: an audit rule id like AA007`)
    if (typeof e.reason !== 'string' || e.reason.trim() === '') throw badInput(`${source}: entry ${i + 1} (${e.rule}) needs a reason: say why it is accepted`)
    const expires = e.expires instanceof Date ? e.expires.toISOString().slice(0, 10) : e.expires
    if (expires !== undefined && (typeof expires !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(expires))) {
      throw badInput(`${source}: entry ${i + 1} (${e.rule}): expires must be a date YYYY-MM-DD`)
    }
    return {expires: expires as string | undefined, reason: e.reason, rule: e.rule, subject: typeof e.subject === 'string' ? e.subject : undefined}
  })
}

function subjectText(f: Finding): string {
  const s = f.subject as Record<string, unknown>
  return [s.arn, s.username, s.name, f.location?.path, f.message].filter((x) => typeof x === 'string').join(' ')
}

export function runAudit(
  input: AuditInput,
  opts: {extensions?: AuditExtension[]; ignore?: IgnoreEntry[]; today?: string; groupsBound?: (g: string) => boolean; hasRbac?: boolean; notes?: string[]} = {},
): AuditResult {
  const sources = new Set<AuditSource>()
  if (input.awsAuth) sources.add('awsAuth')
  if (input.accessEntries) sources.add('accessEntries')
  if (input.cluster) sources.add('cluster')
  if (input.iam) sources.add('iam')
  if (opts.hasRbac) sources.add('rbac')
  for (const x of opts.extensions ?? []) sources.add(x.source)
  const notes: string[] = [...(opts.notes ?? [])]
  if (input.cluster?.authenticationMode === 'API' && input.awsAuth) {
    notes.push('authentication mode is API: EKS ignores aws-auth entirely; AA findings describe a ConfigMap the cluster does not read')
  }
  let all: Finding[] = [
    ...auditAwsAuth(input, opts.hasRbac ? opts.groupsBound : undefined),
    ...auditAccessEntries(input),
    ...auditCluster(input),
  ]
  for (const x of opts.extensions ?? []) {
    all.push(...x.findings)
    notes.push(...(x.notes ?? []))
  }
  const today = opts.today ?? new Date().toISOString().slice(0, 10)
  const ignored: AuditResult['ignored'] = []
  const active = (opts.ignore ?? []).filter((i) => {
    if (i.expires && i.expires < today) {
      notes.push(`ignore of ${i.rule}${i.subject ? ` for ${i.subject}` : ''} expired on ${i.expires}: reported again`)
      return false
    }
    return true
  })
  all = all.filter((f) => {
    const hit = active.find((i) => i.rule === f.ruleId && (!i.subject || subjectText(f).includes(i.subject)))
    if (hit) ignored.push({message: f.message, reason: hit.reason, ruleId: f.ruleId})
    return !hit
  })
  all.sort(
    (a, b) =>
      severityRank(a.severity) - severityRank(b.severity) ||
      a.ruleId.localeCompare(b.ruleId) ||
      (a.location?.line ?? 0) - (b.location?.line ?? 0) ||
      a.message.localeCompare(b.message),
  )
  const bySeverity = Object.fromEntries(SEVERITIES.map((s) => [s, all.filter((f) => f.severity === s).length])) as Record<Severity, number>
  const notChecked = ALL_RULES.filter((r) => r.needs.some((n) => !sources.has(n))).map((r) => ({
    missing: r.needs.filter((n) => !sources.has(n)),
    ruleId: r.id,
    title: r.title,
  }))
  return {
    findings: all,
    ignored,
    notChecked,
    notes,
    summary: {bySeverity, highest: all[0]?.severity ?? null, ignored: ignored.length, sources: [...sources], total: all.length},
  }
}

/** --fail-on: does the result contain anything at or above the threshold? */
export const failsAt = (r: AuditResult, threshold: Severity): boolean => r.findings.some((f) => atLeast(f.severity, threshold))
