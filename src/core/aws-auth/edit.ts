/**
 * Edits of aws-auth mapRoles / mapUsers as text splices: the byte range of one list item (or of one field in it) is
 * replaced, removed or appended, and every other byte of the ConfigMap stays as it was (comments, blank lines,
 * indentation, flow lists, quoting, other keys such as mapAccounts). Nothing is ever re-serialised wholesale.
 * `verifyEdit` then re-reads the result exactly as the authenticator does and refuses anything but the intended change.
 * Pure: no I/O.
 */
import {isMap, isScalar, isSeq, parseAllDocuments, parse as parseYaml, type Document, type Node as YamlNode, type Pair, type YAMLMap, type YAMLSeq} from 'yaml'

import {canonicalize, lookupKey, stripPath} from '../arn.js'
import {EksauthError, ExitCode} from '../errors.js'
import {type AuthenticatorView, type MappingEntry, type MappingSection, parseAwsAuth} from './authenticator.js'
import {defaultRoleUsername} from './validate-input.js'

export type EditIntent =
  | {
      kind: 'upsert'
      section: MappingSection
      /** already normalised (normaliseForMapping) */
      arn: string
      /** omitted: keep the existing entry's username, or (new mapRoles entry) `<RoleName>:{{SessionName}}` */
      username?: string
      groups: string[]
      /** add the groups to the existing ones instead of replacing them */
      appendGroups?: boolean
    }
  | {kind: 'remove'; by: 'arn' | 'username'; value: string}
  | {kind: 'restore'; data: Record<string, string>}

export type EditAction = 'created' | 'updated' | 'unchanged' | 'removed' | 'restored'

/** One mapping as the authenticator reads it. */
export interface EntrySummary {
  section: MappingSection
  /** 0-based index in its section */
  index: number
  arn: string
  username: string
  groups: string[]
}

export interface EditTarget {
  section: MappingSection
  arn: string
  username: string
  groups: string[]
}

export interface EditResult {
  data: Record<string, string>
  changed: boolean
  action: EditAction
  /** the entries the intent touched, before (empty when created) */
  entriesBefore: EntrySummary[]
  /** the same entries after (empty when removed) */
  entriesAfter: EntrySummary[]
  /** upsert: the mapping that must read back after the edit */
  target?: EditTarget
  /** data keys whose text changed */
  changedKeys: string[]
  notes: string[]
}

const refused = (message: string, code = 'E_REFUSED'): EksauthError => new EksauthError(message, {code, exit: ExitCode.REFUSED})

const YAML_OPTS = {logLevel: 'error', merge: true, uniqueKeys: false, version: '1.1'} as const

// ---------------------------------------------------------------------------------------------------------------
// Scalars

/** A value as YAML 1.1 (go-yaml v2) would read it back: plain when that round-trips, else JSON (YAML double-quoted). */
export function formatScalar(value: string, context: 'block' | 'flow' = 'block'): string {
  const plainOk =
    /^[A-Za-z0-9_./@=+][A-Za-z0-9_./@=+:-]*$/.test(value) &&
    !value.endsWith(':') &&
    !value.includes('{{') &&
    (context === 'block' || !/[,[\]{}]/.test(value))
  if (plainOk) {
    try {
      const back = parseYaml(context === 'block' ? `k: ${value}\n` : `k: [${value}]\n`, {version: '1.1'}) as {k: unknown}
      const v = context === 'block' ? back.k : (back.k as unknown[])[0]
      if (v === value) return value
    } catch {
      // fall through to quoting
    }
  }
  return JSON.stringify(value)
}

// ---------------------------------------------------------------------------------------------------------------
// Locating list items in a section's text

interface Splice {
  start: number
  end: number
  text: string
}

function applySplices(text: string, splices: Splice[]): string {
  let out = text
  for (const s of [...splices].sort((a, b) => b.start - a.start)) out = out.slice(0, s.start) + s.text + out.slice(s.end)
  return out
}

const lineStart = (text: string, pos: number): number => text.lastIndexOf('\n', pos - 1) + 1
const col = (text: string, pos: number): number => pos - lineStart(text, pos)
/** Offset just after the newline ending the line that contains pos-1 (content ending at pos). */
function lineEndAfter(text: string, contentEnd: number): number {
  if (contentEnd > 0 && text[contentEnd - 1] === '\n') return contentEnd
  const nl = text.indexOf('\n', contentEnd)
  return nl === -1 ? text.length : nl + 1
}
/** Offset of the newline ending the line of pos-1 (or text end): the end of a line's content. */
function lineContentEnd(text: string, contentEnd: number): number {
  if (contentEnd > 0 && text[contentEnd - 1] === '\n') return contentEnd - 1
  const nl = text.indexOf('\n', contentEnd)
  return nl === -1 ? text.length : nl
}

type Ranged = YamlNode & {range?: [number, number, number] | null}
const rangeOf = (n: unknown): [number, number, number] | undefined => (n as Ranged | null)?.range ?? undefined

interface ItemLoc {
  index: number
  /** line start of the item's dash */
  start: number
  /** just past the newline of the item's last content line */
  end: number
  dashCol: number
  node: YamlNode | null
}

interface SectionLayout {
  text: string
  doc?: Document
  seq?: YAMLSeq
  items: ItemLoc[]
  /** an empty flow list (`[]`) to be replaced by the first item */
  emptyFlow?: {start: number; end: number}
}

function layout(section: string, text: string): SectionLayout {
  const docs = parseAllDocuments(text, YAML_OPTS) as Document[]
  if (!Array.isArray(docs)) throw refused(`${section} cannot be read as YAML`)
  if (docs.length > 1) throw refused(`${section} holds ${docs.length} YAML documents ('---'); eksauth edits a single list only`)
  const doc = docs[0]
  if (!doc || doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) return {items: [], text}
  if (!isSeq(doc.contents)) throw refused(`${section} is not a list`)
  const seq = doc.contents
  const r = rangeOf(seq)
  if (seq.flow) {
    if (seq.items.length === 0 && r) return {doc, emptyFlow: {end: r[1], start: r[0]}, items: [], seq, text}
    throw refused(`${section} is written as a flow list ([...]); eksauth only edits block lists ('- rolearn: ...'): rewrite it by hand first`)
  }
  const items = seq.items.map((node, index): ItemLoc => {
    const nr = rangeOf(node)
    if (!nr) throw refused(`${section} entry ${index + 1} has no position in the text`)
    let dash = nr[0] - 1
    while (dash >= 0 && text[dash] !== '-') {
      if (!/\s/.test(text[dash]!)) throw refused(`${section} entry ${index + 1}: cannot find its '-'`)
      dash--
    }
    if (dash < 0) throw refused(`${section} entry ${index + 1}: cannot find its '-'`)
    let contentEnd = nr[1]
    if (isMap(node)) {
      for (const p of node.items) {
        const end = rangeOf(p.value)?.[1] ?? rangeOf(p.key)?.[1]
        if (end !== undefined && end > contentEnd) contentEnd = end
      }
    }
    return {dashCol: col(text, dash), end: lineEndAfter(text, contentEnd), index, node: node as YamlNode | null, start: lineStart(text, dash)}
  })
  return {doc, items, seq, text}
}

const fold = (s: string): string => s.replace(/\u017f/g, 's').replace(/\u212a/g, 'k').toLowerCase()

function fieldPair(map: YAMLMap, field: string, where: string): Pair | undefined {
  const found = map.items.filter((p) => isScalar(p.key) && fold(String(p.key.value)) === field)
  if (found.length > 1) throw refused(`${where} has ${found.length} '${field}' fields; fix it by hand first`)
  return found[0] as Pair | undefined
}

interface ItemStyle {
  dashCol: number
  /** spaces between the dash column and the keys */
  keyOffset: number
  groupsFlow: boolean
  /** spaces between the key column and a groups item's dash */
  groupOffset: number
}

const DEFAULT_STYLE: ItemStyle = {dashCol: 0, groupOffset: 2, groupsFlow: false, keyOffset: 2}

function detectStyle(lay: SectionLayout): ItemStyle {
  const style = {...DEFAULT_STYLE}
  const first = lay.items.find((i) => isMap(i.node))
  if (!first) return style
  const map = first.node as YAMLMap
  style.dashCol = first.dashCol
  const k0 = rangeOf(map.items[0]?.key)
  if (k0) style.keyOffset = Math.max(2, col(lay.text, k0[0]) - first.dashCol)
  for (const item of lay.items) {
    if (!isMap(item.node)) continue
    const g = item.node.items.find((p) => isScalar(p.key) && fold(String(p.key.value)) === 'groups')
    if (!g || !isSeq(g.value)) continue
    if (g.value.flow) {
      style.groupsFlow = true
    } else {
      const gi = rangeOf(g.value.items[0])
      const kr = rangeOf(g.key)
      if (gi && kr) {
        let dash = gi[0] - 1
        while (dash > 0 && lay.text[dash] !== '-') dash--
        style.groupOffset = Math.max(0, col(lay.text, dash) - col(lay.text, kr[0]))
      }
    }
    break
  }
  return style
}

function renderGroupsBlock(groups: string[], indent: number): string {
  if (groups.length === 0) return ' []'
  return groups.map((g) => `\n${' '.repeat(indent)}- ${formatScalar(g)}`).join('')
}

const renderGroupsFlow = (groups: string[]): string => `[${groups.map((g) => formatScalar(g, 'flow')).join(', ')}]`

function renderItem(section: MappingSection, t: EditTarget, style: ItemStyle): string {
  const pad = ' '.repeat(style.dashCol + style.keyOffset)
  const arnKey = section === 'mapRoles' ? 'rolearn' : 'userarn'
  const groups =
    style.groupsFlow || t.groups.length === 0
      ? ` ${renderGroupsFlow(t.groups)}`
      : renderGroupsBlock(t.groups, style.dashCol + style.keyOffset + style.groupOffset)
  return (
    `${' '.repeat(style.dashCol)}-${' '.repeat(style.keyOffset - 1)}${arnKey}: ${formatScalar(t.arn)}\n` +
    `${pad}username: ${formatScalar(t.username)}\n` +
    `${pad}groups:${groups}\n`
  )
}

// ---------------------------------------------------------------------------------------------------------------
// In-place update of one item

function updateItem(
  section: MappingSection,
  lay: SectionLayout,
  item: ItemLoc,
  t: EditTarget,
  style: ItemStyle,
  before: MappingEntry,
): Splice[] {
  const where = `${section} entry ${item.index + 1}`
  if (!isMap(item.node)) throw refused(`${where} is not a mapping; fix it by hand first`)
  const map = item.node
  const text = lay.text
  const splices: Splice[] = []
  const arnPair = fieldPair(map, section === 'mapRoles' ? 'rolearn' : 'userarn', where)
  const anchor = arnPair ?? (map.items[0] as Pair)
  const anchorKey = rangeOf(anchor.key)!
  const keyCol = col(text, anchorKey[0])
  const anchorEnd = lineEndAfter(text, rangeOf(anchor.value)?.[1] ?? anchorKey[1])
  const colonAfter = (p: Pair): number => {
    const c = text.indexOf(':', rangeOf(p.key)![1])
    if (c === -1) throw refused(`${where}: cannot find the ':' after '${String((p.key as {value?: unknown}).value)}'`)
    return c + 1
  }

  const u = fieldPair(map, 'username', where)
  const usernameOk = before.username === t.username && !before.fieldErrors.some((e) => e.startsWith('username'))
  const groupsOk =
    before.groups.join('\n') === t.groups.join('\n') && !before.fieldErrors.some((e) => e.startsWith('groups'))
  if (usernameOk) {
    // unchanged: keep its bytes
  } else if (u) {
    const vr = rangeOf(u.value)
    if (isScalar(u.value) && vr && vr[1] > vr[0]) splices.push({end: vr[1], start: vr[0], text: formatScalar(t.username)})
    else {
      const c = colonAfter(u)
      const end = vr && vr[1] > vr[0] ? lineContentEnd(text, vr[1]) : c
      splices.push({end, start: c, text: ` ${formatScalar(t.username)}`})
    }
  } else {
    splices.push({end: anchorEnd, start: anchorEnd, text: `${' '.repeat(keyCol)}username: ${formatScalar(t.username)}\n`})
  }

  const g = fieldPair(map, 'groups', where)
  if (groupsOk) {
    // unchanged: keep its bytes
  } else if (g) {
    const v = g.value
    const vr = rangeOf(v)
    if (isSeq(v) && v.flow && vr) {
      splices.push({end: vr[1], start: vr[0], text: renderGroupsFlow(t.groups)})
    } else if (isSeq(v) && !v.flow && v.items.length > 0) {
      const firstR = rangeOf(v.items[0])!
      let dash = firstR[0] - 1
      while (dash > 0 && text[dash] !== '-') dash--
      const last = rangeOf(v.items.at(-1))!
      splices.push({end: lineContentEnd(text, last[1]), start: colonAfter(g), text: renderGroupsBlock(t.groups, col(text, dash))})
    } else {
      const c = colonAfter(g)
      const end = vr && vr[1] > vr[0] ? lineContentEnd(text, vr[1]) : c
      const indent = col(text, rangeOf(g.key)![0]) + style.groupOffset
      splices.push({end, start: c, text: style.groupsFlow ? ` ${renderGroupsFlow(t.groups)}` : renderGroupsBlock(t.groups, indent)})
    }
  } else {
    const gtext = style.groupsFlow
      ? ` ${renderGroupsFlow(t.groups)}`
      : renderGroupsBlock(t.groups, keyCol + style.groupOffset)
    splices.push({end: item.end, start: item.end, text: `${item.end > 0 && text[item.end - 1] !== '\n' ? '\n' : ''}${' '.repeat(keyCol)}groups:${gtext}\n`})
  }
  return splices
}

// ---------------------------------------------------------------------------------------------------------------

const summary = (e: MappingEntry): EntrySummary => ({arn: e.arn, groups: [...e.groups], index: e.index, section: e.section, username: e.username})

const sameSet = (a: string[], b: string[]): boolean => {
  const sa = new Set(a)
  const sb = new Set(b)
  return sa.size === sb.size && [...sa].every((x) => sb.has(x))
}

function sectionError(view: AuthenticatorView, section: MappingSection): string | undefined {
  const e = view.sections[section].error
  return e ? `${section} does not parse as the authenticator reads it${e.lineInSection ? ` (line ${e.lineInSection} of the section)` : ''}: ${e.message}` : undefined
}

function entriesOf(view: AuthenticatorView, section: MappingSection): MappingEntry[] {
  return section === 'mapRoles' ? view.roles : view.users
}

/** The ARN keys an unmap --arn input may have been written as, most literal first. */
function arnCandidates(value: string): string[] {
  const out = [lookupKey(value)]
  try {
    const c = canonicalize(value).canonicalArn
    out.push(lookupKey(c), lookupKey(stripPath(c)))
  } catch {
    // not an ARN: only the literal text can match
  }
  return [...new Set(out)]
}

/** Applies an intent to aws-auth data by splicing text. Throws EksauthError (REFUSED) when it cannot edit safely. */
export function applyIntent(data: Record<string, string>, intent: EditIntent): EditResult {
  const view = parseAwsAuth(data)
  const notes: string[] = []

  if (intent.kind === 'restore') {
    const keys = new Set([...Object.keys(data), ...Object.keys(intent.data)])
    const changedKeys = [...keys].filter((k) => data[k] !== intent.data[k])
    return {
      action: changedKeys.length > 0 ? 'restored' : 'unchanged',
      changed: changedKeys.length > 0,
      changedKeys,
      data: {...intent.data},
      entriesAfter: [],
      entriesBefore: [],
      notes: changedKeys.length > 0 ? notes : ['aws-auth already holds exactly the backed-up data'],
    }
  }

  if (intent.kind === 'remove') {
    const matched: MappingEntry[] = []
    const newData = {...data}
    for (const section of ['mapRoles', 'mapUsers'] as const) {
      if (data[section] === undefined) continue
      const err = sectionError(view, section)
      if (err) {
        notes.push(`${section} was not searched: ${err}`)
        continue
      }
      const entries = entriesOf(view, section)
      let hits: MappingEntry[] = []
      if (intent.by === 'username') {
        hits = entries.filter((e) => e.username === intent.value)
      } else {
        for (const key of arnCandidates(intent.value)) {
          hits = entries.filter((e) => e.arn !== '' && lookupKey(e.arn) === key)
          if (hits.length > 0) {
            if (key !== lookupKey(intent.value)) notes.push(`${intent.value} is written in ${section} as ${hits[0]!.arn}; removing that`)
            break
          }
        }
      }
      if (hits.length === 0) continue
      const lay = layout(section, data[section]!)
      const splices = hits.map((e) => ({end: lay.items[e.index]!.end, start: lay.items[e.index]!.start, text: ''}))
      let text = applySplices(data[section]!, splices)
      if (text.trim() === '') text = '[]\n'
      newData[section] = text
      if (hits.length > 1) notes.push(`removed all ${hits.length} ${section} entries for it (duplicates: the authenticator uses the last one)`)
      matched.push(...hits)
    }
    if (matched.length === 0) {
      throw new EksauthError(
        `no mapRoles or mapUsers entry has ${intent.by === 'arn' ? 'the ARN' : 'the username'} ${intent.value}: nothing to unmap`,
        {code: 'E_NOT_MAPPED', exit: ExitCode.NOT_FOUND},
      )
    }
    return {
      action: 'removed',
      changed: true,
      changedKeys: Object.keys(newData).filter((k) => newData[k] !== data[k]),
      data: newData,
      entriesAfter: [],
      entriesBefore: matched.map(summary),
      notes,
    }
  }

  // upsert
  const {section} = intent
  const err = sectionError(view, section)
  if (err) throw refused(`cannot edit ${err}; EKS is already ignoring the whole section: fix it by hand first (eksauth list shows the line)`, 'E_SECTION_BROKEN')
  const key = lookupKey(intent.arn)
  const other: MappingSection = section === 'mapRoles' ? 'mapUsers' : 'mapRoles'
  const elsewhere = entriesOf(view, other).filter((e) => e.arn !== '' && lookupKey(e.arn) === key)
  if (elsewhere.length > 0) {
    notes.push(
      `${intent.arn} is also in ${other} (entry ${elsewhere.at(-1)!.index + 1}); ${section === 'mapRoles' ? 'this mapRoles entry wins over it' : 'that mapRoles entry wins over this one'} (D2)`,
    )
  }
  const text = data[section] ?? ''
  const lay = layout(section, text)
  const style = detectStyle(lay)
  const matches = entriesOf(view, section).filter((e) => e.arn !== '' && lookupKey(e.arn) === key)

  if (matches.length === 0) {
    for (const e of entriesOf(view, section)) {
      if (e.arn === '' || lookupKey(e.arn) === key) continue
      let meant: string | undefined
      try {
        meant = lookupKey(stripPath(canonicalize(e.arn).canonicalArn))
      } catch {
        meant = undefined
      }
      if (meant === key) {
        notes.push(
          `${section} entry ${e.index + 1} maps the same role as ${e.arn}, which never matches (D2); it is left as it is: \`eksauth unmap --arn ${e.arn}\` removes it`,
        )
      }
    }
    const username = intent.username ?? (section === 'mapRoles' ? defaultRoleUsername(intent.arn) : undefined)
    if (username === undefined) throw new EksauthError('a new mapUsers entry needs --username', {code: 'E_USAGE', exit: ExitCode.BAD_INPUT})
    const target: EditTarget = {arn: intent.arn, groups: [...intent.groups], section, username}
    const item = renderItem(section, target, style)
    let next: string
    if (lay.emptyFlow) next = applySplices(text, [{end: lay.emptyFlow.end, start: lay.emptyFlow.start, text: item.replace(/\n$/, '')}])
    else if (text === '' || /^\s*$/.test(text)) next = item
    else next = text + (text.endsWith('\n') ? '' : '\n') + item
    return {
      action: 'created',
      changed: true,
      changedKeys: [section],
      data: {...data, [section]: next},
      entriesAfter: [{...target, index: entriesOf(view, section).length}],
      entriesBefore: [],
      notes,
      target,
    }
  }

  const last = matches.at(-1)!
  if (matches.length > 1) {
    notes.push(
      `${section} already has ${matches.length} entries for ${intent.arn}; the authenticator uses the last (entry ${last.index + 1}), so that one is edited and the earlier ones stay shadowed (eksauth unmap --arn removes all)`,
    )
  }
  if (last.arn !== intent.arn) notes.push(`the existing entry writes the ARN as ${last.arn} (same ARN, different case); kept as written`)
  if (last.invalid) notes.push(`the existing entry is skipped by the authenticator (${last.invalid}); editing it does not fix that`)
  const username = intent.username ?? last.username
  const wanted = intent.appendGroups ? [...last.groups, ...intent.groups.filter((g) => !last.groups.includes(g))] : [...intent.groups]
  const groupsBroken = last.fieldErrors.some((e) => e.startsWith('groups'))
  // the same groups in another order are the same mapping: keep the written order (and bytes)
  const groups = !groupsBroken && sameSet(last.groups, wanted) ? [...last.groups] : wanted
  const target: EditTarget = {arn: last.arn, groups, section, username}
  if (last.username === username && sameSet(last.groups, groups) && last.fieldErrors.length === 0 && !last.invalid) {
    return {
      action: 'unchanged',
      changed: false,
      changedKeys: [],
      data,
      entriesAfter: [summary(last)],
      entriesBefore: [summary(last)],
      notes: [`already mapped: ${section} entry ${last.index + 1} has username ${last.username} and groups ${last.groups.join(', ') || '(none)'}`, ...notes],
      target: {...target, groups: last.groups},
    }
  }
  const next = applySplices(text, updateItem(section, lay, lay.items[last.index]!, target, style, last))
  return {
    action: 'updated',
    changed: true,
    changedKeys: [section],
    data: {...data, [section]: next},
    entriesAfter: [{...target, index: last.index}],
    entriesBefore: [summary(last)],
    notes,
    target,
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Verification: the new text must read back as the old mappings with exactly the intended change.

interface Comparable {
  arn: string
  sso?: unknown
  username: string
  groups: string[]
  userid?: string
  invalid?: string
  fieldErrors: string[]
  unknownFields: string[]
}

const comparable = (e: MappingEntry): Comparable => ({
  arn: e.arn,
  fieldErrors: e.fieldErrors,
  groups: e.groups,
  invalid: e.invalid,
  sso: e.sso,
  unknownFields: e.unknownFields,
  username: e.username,
  userid: e.userid,
})

const describe = (c: Comparable | undefined): string =>
  c ? `${c.arn || '(no arn)'} -> ${c.username || '(no username)'} [${c.groups.join(', ')}]${c.invalid ? ` (skipped: ${c.invalid})` : ''}` : 'nothing'

function sameEntry(a: Comparable, b: Comparable): boolean {
  return JSON.stringify(a) === JSON.stringify(b)
}

/**
 * Re-reads `newData` as the authenticator does and checks it is `oldData` with exactly the intended change: every other
 * data key byte-identical, every other entry identical and in order, no new parse error. Throws REFUSED otherwise.
 */
export function verifyEdit(oldData: Record<string, string>, newData: Record<string, string>, intent: EditIntent, result?: EditResult): void {
  const fail = (why: string): never => {
    throw refused(`refusing to write: the edited aws-auth would not read back as intended (${why}); nothing was written`, 'E_VERIFY')
  }
  if (intent.kind === 'restore') {
    const keys = new Set([...Object.keys(newData), ...Object.keys(intent.data)])
    for (const k of keys) if (newData[k] !== intent.data[k]) fail(`data.${k} differs from the backup`)
    return
  }
  const oldView = parseAwsAuth(oldData)
  const newView = parseAwsAuth(newData)
  const touched = new Set<string>(intent.kind === 'upsert' ? [intent.section] : ['mapRoles', 'mapUsers'])
  for (const k of new Set([...Object.keys(oldData), ...Object.keys(newData)])) {
    if (!touched.has(k) && oldData[k] !== newData[k]) fail(`data.${k} changed but was not meant to`)
  }
  for (const section of ['mapRoles', 'mapUsers'] as const) {
    const ne = newView.sections[section].error
    if (ne && !oldView.sections[section].error) fail(`${section} would no longer parse: ${ne.message}`)
    const before = entriesOf(oldView, section).map(comparable)
    const after = entriesOf(newView, section).map(comparable)
    let expected: Comparable[] = before
    if (intent.kind === 'upsert' && section === intent.section && result?.target) {
      const t = result.target
      if (result.action === 'created') {
        expected = [...before, {arn: t.arn, fieldErrors: [], groups: t.groups, unknownFields: [], username: t.username}]
      } else if (result.action === 'updated') {
        const idx = result.entriesBefore[0]!.index
        expected = before.map((c, i) => (i === idx ? {...c, fieldErrors: [], groups: t.groups, username: t.username} : c))
      }
    } else if (intent.kind === 'remove' && result) {
      const gone = new Set(result.entriesBefore.filter((e) => e.section === section).map((e) => e.index))
      expected = before.filter((_, i) => !gone.has(i))
    }
    if (expected.length !== after.length) {
      fail(`${section} would have ${after.length} entries instead of ${expected.length}`)
    }
    expected.forEach((c, i) => {
      if (!sameEntry(c, after[i]!)) fail(`${section} entry ${i + 1} would be ${describe(after[i])} instead of ${describe(c)}`)
    })
  }
  if (intent.kind === 'remove') {
    for (const e of [...newView.roles, ...newView.users]) {
      if (intent.by === 'username' ? e.username === intent.value : result?.entriesBefore.some((b) => lookupKey(b.arn) === lookupKey(e.arn))) {
        fail(`${e.section} would still hold ${describe(comparable(e))}`)
      }
    }
  }
}
