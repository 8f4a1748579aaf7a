/**
 * The human view of aws-auth: every entry with what EKS makes of it (dead, shadowed, dropped, skipped...), with file
 * line numbers. Built on the authenticator view; pure.
 */
import {LineCounter, parseAllDocuments, type Document} from 'yaml'

import {canonicalize, hasPath, lookupKey, parseArn, stripPath} from '../arn.js'
import {type AuthenticatorView, type MappingEntry, parseAwsAuth, SECTION_KEYS, type SectionKey} from './authenticator.js'
import {type DataValueLocation, fileLine} from './configmap.js'
import {unknownPlaceholders} from '../identity/template.js'

export interface DeadReason {
  code: 'path' | 'sts-arn' | 'not-an-arn' | 'not-a-principal'
  message: string
}

/** Entries that can never match any caller (D2, B3). */
export function deadEntryReason(e: MappingEntry): DeadReason | undefined {
  if (e.arn === '') return undefined
  let p
  try {
    p = canonicalize(e.arn)
  } catch (error) {
    return {code: 'not-an-arn', message: `dead: ${(error as Error).message}`}
  }
  if (p.kind === 'assumed-role') {
    return {code: 'sts-arn', message: `dead: STS session ARN never matches; map ${p.canonicalArn} (D2)`}
  }
  if (p.kind === 'federated-user') {
    return {code: 'sts-arn', message: 'dead: federated-user session ARNs change every session (D2)'}
  }
  if (p.kind === 'role' && hasPath(e.arn)) {
    return {code: 'path', message: `dead: role ARN has a path; STS reports ${stripPath(e.arn)} (D2)`}
  }
  return undefined
}

export interface MappingRow {
  section: SectionKey
  /** 0-based index in its section */
  index: number
  /** 1-based line in the file, when known */
  line?: number
  /** rolearn / userarn, or the account id for mapAccounts */
  arn: string
  username: string
  groups: string[]
  /** true when EKS uses this entry for some caller */
  effective: boolean
  notes: string[]
}

export interface AwsAuthAnalysis {
  view: AuthenticatorView
  rows: MappingRow[]
  /** notes about the ConfigMap as a whole (ignored keys, dropped sections) */
  notes: string[]
  /** rolearn/userarn values found by a lenient read of sections that failed to parse */
  droppedSectionArns: Partial<Record<'mapRoles' | 'mapUsers', string[]>>
  lineOf(e: MappingEntry): number | undefined
  /** where a data value sits in the file, when read from one */
  locationOf(key: string): DataValueLocation | undefined
}

const KEY_HINT: Record<string, SectionKey> = {maproles: 'mapRoles', mapusers: 'mapUsers', mapaccounts: 'mapAccounts'}

/** Best-effort read of a section the authenticator dropped, only to show what is in it. */
function lenientEntries(text: string): {arn: string; username: string; groups: string[]; lineInSection?: number}[] {
  try {
    const lc = new LineCounter()
    const doc = parseAllDocuments(text, {lineCounter: lc, logLevel: 'error', uniqueKeys: false})[0] as Document | undefined
    if (!doc) return []
    const value = doc.toJS({maxAliasCount: 100}) as unknown
    if (!Array.isArray(value)) return []
    return value.flatMap((item, i) => {
      if (!item || typeof item !== 'object' || Array.isArray(item)) return []
      const get = (name: string): unknown => Object.entries(item as Record<string, unknown>).find(([k]) => k.toLowerCase() === name)?.[1]
      const arn = get('rolearn') ?? get('userarn')
      const groups = get('groups')
      const node = doc.getIn([i], true) as {range?: [number, number, number]} | undefined
      return [
        {
          arn: typeof arn === 'string' ? arn : '',
          groups: Array.isArray(groups) ? groups.map(String) : typeof groups === 'string' ? [groups] : [],
          lineInSection: node?.range ? lc.linePos(node.range[0]).line : undefined,
          username: typeof get('username') === 'string' ? (get('username') as string) : JSON.stringify(get('username') ?? ''),
        },
      ]
    })
  } catch {
    return []
  }
}

export function analyseAwsAuth(data: Record<string, string>, locations: Record<string, DataValueLocation> = {}): AwsAuthAnalysis {
  const view = parseAwsAuth(data)
  const lineOf = (e: MappingEntry): number | undefined => fileLine(locations[e.section], e.lineInSection)
  const notes: string[] = []
  const rows: MappingRow[] = []
  const droppedSectionArns: AwsAuthAnalysis['droppedSectionArns'] = {}

  for (const key of view.ignoredKeys) {
    const hint = KEY_HINT[key.toLowerCase()]
    notes.push(
      hint
        ? `data key '${key}' is ignored: keys are case-sensitive, EKS reads only '${hint}' (C1)`
        : `data key '${key}' is not read by EKS (only mapRoles, mapUsers and mapAccounts are) (C1)`,
    )
  }
  for (const key of SECTION_KEYS) {
    const s = view.sections[key]
    if (s.skipped) notes.push(`${key} is empty and skipped (C2)`)
    if (s.error) {
      const line = fileLine(locations[key], s.error.lineInSection)
      notes.push(`${key} failed to parse${line ? ` at line ${line}` : ''}: ${s.error.message}; EKS ignores the whole section (C3)`)
    }
  }

  const roleWinner = new Map<string, MappingEntry>()
  for (const [k, e] of view.roleIndex) roleWinner.set(k, e)
  const userLower = new Map<string, MappingEntry[]>()
  for (const e of view.userIndex.values()) {
    const k = lookupKey(e.arn)
    userLower.set(k, [...(userLower.get(k) ?? []), e])
  }

  const entryRow = (e: MappingEntry): MappingRow => {
    const rowNotes: string[] = []
    let effective = !e.invalid
    if (e.invalid) rowNotes.push(`skipped: ${e.invalid} (C4)`)
    for (const err of e.fieldErrors) rowNotes.push(`${err} (C3)`)
    for (const f of e.unknownFields) rowNotes.push(`unknown field '${f}' ignored (C3)`)
    if (!e.invalid) {
      if (e.section === 'mapRoles') {
        const winner = roleWinner.get(e.arn ? lookupKey(e.arn) : '')
        if (e.arn && winner && winner !== e) {
          effective = false
          rowNotes.push(`shadowed by entry ${winner.index + 1}${lineOf(winner) ? ` (line ${lineOf(winner)})` : ''}: same ARN, the last one wins (C7)`)
        }
        if (e.sso) rowNotes.push('SSO matcher: only used when the SSORoleMatch gate is on, which EKS does not document (D6)')
        if (e.sso && e.sso.partition !== '') rowNotes.push('SSO matcher with a partition never matches (upstream bug, D6)')
      } else {
        const exact = view.userIndex.get(e.arn)
        if (exact && exact !== e) {
          effective = false
          rowNotes.push(`shadowed by entry ${exact.index + 1}${lineOf(exact) ? ` (line ${lineOf(exact)})` : ''}: same ARN, the last one wins (C7)`)
        }
        const sameLower = userLower.get(lookupKey(e.arn)) ?? []
        if (sameLower.length > 1 && exact === e) {
          rowNotes.push('another mapUsers entry differs only in letter case: which one EKS uses is not deterministic (C7)')
        }
        const role = view.roleIndex.get(lookupKey(e.arn))
        if (role) {
          effective = false
          rowNotes.push(`ignored: mapRoles entry ${role.index + 1} maps the same ARN and is checked first (D2)`)
        }
      }
      const dead = deadEntryReason(e)
      if (dead) {
        effective = false
        rowNotes.push(dead.message)
      } else if (e.arn) {
        try {
          const kind = canonicalize(e.arn).kind
          if (e.section === 'mapRoles' && kind !== 'role') rowNotes.push(`${kind} ARN in mapRoles: it matches, but belongs in mapUsers (D2)`)
          if (e.section === 'mapUsers' && kind === 'role') rowNotes.push('role ARN in mapUsers: it matches, but belongs in mapRoles (D2)')
        } catch {
          // reported as dead above
        }
      }
      for (const t of [e.username, ...e.groups]) {
        for (const u of unknownPlaceholders(t)) rowNotes.push(`${u} is not a placeholder (they are case-sensitive): kept literally (D4)`)
      }
      if (e.username === '') rowNotes.push('no username (C4 allows it)')
      for (const g of e.groups) {
        if (/ - /.test(g)) rowNotes.push(`group '${g}' holds ' - ': two list items folded into one by a deeper indent (C3)`)
      }
    }
    return {arn: e.arn, effective, groups: e.groups, index: e.index, line: lineOf(e), notes: rowNotes, section: e.section, username: e.username}
  }

  for (const section of ['mapRoles', 'mapUsers'] as const) {
    const s = view.sections[section]
    if (s.error) {
      const lenient = lenientEntries(data[section] ?? '')
      droppedSectionArns[section] = lenient.map((l) => l.arn).filter(Boolean)
      const line = fileLine(locations[section], s.error.lineInSection)
      for (const [index, l] of lenient.entries()) {
        rows.push({
          arn: l.arn,
          effective: false,
          groups: l.groups,
          index,
          line: fileLine(locations[section], l.lineInSection),
          notes: [`dropped: section ${section} failed to parse${line ? ` at line ${line}` : ''} (C3)`],
          section,
          username: l.username,
        })
      }
      continue
    }
    for (const e of section === 'mapRoles' ? view.roles : view.users) rows.push(entryRow(e))
  }
  if (view.sections.mapAccounts.error) {
    const line = fileLine(locations.mapAccounts, view.sections.mapAccounts.error.lineInSection)
    notes.push(`mapAccounts failed to parse${line ? ` at line ${line}` : ''}: no account is allowed (C5)`)
  }
  for (const a of view.accounts) {
    const aNotes = [`every IAM principal of account ${a.account} authenticates, username = its ARN, no groups (D3)`]
    if (!/^\d{12}$/.test(a.account)) aNotes.push('not a 12-digit account id: it never matches')
    rows.push({
      arn: a.account,
      effective: /^\d{12}$/.test(a.account),
      groups: [],
      index: a.index,
      line: fileLine(locations.mapAccounts, a.lineInSection),
      notes: aNotes,
      section: 'mapAccounts',
      username: '',
    })
  }
  return {droppedSectionArns, lineOf, locationOf: (key: string) => locations[key], notes, rows, view}
}

/** Convenience for callers that only have ARNs: is this a parseable principal ARN? */
export function isPrincipalArn(arn: string): boolean {
  try {
    parseArn(arn)
    canonicalize(arn)
    return true
  } catch {
    return false
  }
}
