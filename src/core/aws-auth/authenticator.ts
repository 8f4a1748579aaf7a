/**
 * The authenticator view of aws-auth: exactly what aws-iam-authenticator's EKS ConfigMap backend stores
 * (eks-authentication.md C1-C7). Pure and total: it never throws, whatever the strings hold.
 */
import {
  isMap,
  isSeq,
  LineCounter,
  parseAllDocuments,
  visit,
  type Document,
  type ParseOptions,
  type DocumentOptions,
  type SchemaOptions,
  type ToJSOptions,
} from 'yaml'

import {lookupKey} from '../arn.js'

export type MappingSection = 'mapRoles' | 'mapUsers'
export type SectionKey = MappingSection | 'mapAccounts'
export const SECTION_KEYS: readonly SectionKey[] = ['mapRoles', 'mapUsers', 'mapAccounts']

export interface SsoMatcher {
  permissionSetName: string
  accountID: string
  partition: string
}

/** One decoded entry of mapRoles or mapUsers, valid or not. */
export interface MappingEntry {
  section: MappingSection
  /** 0-based position in its section's list */
  index: number
  /** 1-based line inside the section's text */
  lineInSection?: number
  /** rolearn / userarn as written ('' when absent or not a string) */
  arn: string
  sso?: SsoMatcher
  username: string
  groups: string[]
  userid?: string
  /** C3: type mismatches; the field was left empty and the entry kept */
  fieldErrors: string[]
  /** C3: keys that match no field (case-insensitively) and are ignored */
  unknownFields: string[]
  /** C4: why the authenticator skips this entry; undefined when it keeps it */
  invalid?: string
}

export interface AccountEntry {
  account: string
  index: number
  lineInSection?: number
}

export interface SectionStatus {
  present: boolean
  /** C2: value trims to empty, ``, "" or '': skipped without error */
  skipped: boolean
  /** C3/C5: the whole section was dropped; every entry in it is ignored */
  error?: {message: string; lineInSection?: number}
  /** non-fatal decode errors recorded by the authenticator for this section (C3 type mismatches) */
  warnings: string[]
}

export interface AuthenticatorView {
  sections: Record<SectionKey, SectionStatus>
  /** C1: data keys that are not exactly mapRoles, mapUsers or mapAccounts (e.g. `maproles`) */
  ignoredKeys: string[]
  /** every decoded entry, in order (including invalid ones, flagged) */
  roles: MappingEntry[]
  users: MappingEntry[]
  accounts: AccountEntry[]
  /** C7: roles keyed by lower-cased rolearn (or SSO pattern); the last entry wins */
  roleIndex: Map<string, MappingEntry>
  /** C7: users keyed by userarn exactly as written; the last exact duplicate wins */
  userIndex: Map<string, MappingEntry>
  accountSet: Set<string>
}

const YAML_OPTS: ParseOptions & DocumentOptions & SchemaOptions = {
  // go-yaml v2 reads YAML 1.1: yes/no/on/off are booleans, 0777 octal, merge keys; duplicate keys: last wins;
  // timestamps stay strings when decoded into interface{}.
  customTags: (tags) => tags.filter((t) => typeof t === 'string' || t.tag !== 'tag:yaml.org,2002:timestamp'),
  logLevel: 'error',
  merge: true,
  uniqueKeys: false,
  version: '1.1',
}
const TOJS: ToJSOptions = {maxAliasCount: 10_000}

const SKIPPABLE = new Set(['', '``', '""', "''"])
/** C2 */
export const isSkippable = (value: string): boolean => SKIPPABLE.has(value.trim())

/** Go's encoding/json field-name folding: case-insensitive, with the Kelvin sign and long s folded too. */
const fold = (s: string): string => s.replace(/\u017f/g, 's').replace(/\u212a/g, 'k').toLowerCase()

interface ParsedYaml {
  ok: boolean
  value?: unknown
  error?: {message: string; lineInSection?: number}
  doc?: Document
  lineCounter: LineCounter
}

/** YAML -> JSON-able value as sigs.k8s.io/yaml would produce it, or the error that drops the section. */
function parseYaml(text: string): ParsedYaml {
  const lineCounter = new LineCounter()
  let docs: Document[]
  try {
    docs = parseAllDocuments(text, {...YAML_OPTS, lineCounter}) as Document[]
  } catch (error) {
    return {error: {message: (error as Error).message}, lineCounter, ok: false}
  }
  if (!Array.isArray(docs) || docs.length === 0) return {lineCounter, ok: true, value: null}
  const doc = docs[0]!
  const err = doc.errors[0]
  if (err) {
    return {
      error: {lineInSection: err.linePos?.[0].line, message: err.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '')},
      lineCounter,
      ok: false,
    }
  }
  // go-yaml v2 cannot hash a mapping or sequence used as a key (`username: {{SessionName}}`): the section fails.
  let badKey: {message: string; lineInSection?: number} | undefined
  visit(doc, {
    Pair(_, pair) {
      if (isMap(pair.key) || isSeq(pair.key)) {
        const offset = (pair.key as {range?: [number, number, number]}).range?.[0]
        badKey = {
          lineInSection: offset === undefined ? undefined : lineCounter.linePos(offset).line,
          message: 'invalid map key: a mapping or list used as a key (an unquoted {{...}} template is YAML flow syntax; quote it)',
        }
        return visit.BREAK
      }
      return undefined
    },
  })
  if (badKey) return {error: badKey, lineCounter, ok: false}
  try {
    const value = doc.toJS(TOJS) as unknown
    // sigs.k8s.io/yaml converts to JSON: a self-referencing alias cannot be converted and fails the section.
    JSON.stringify(value)
    return {doc, lineCounter, ok: true, value}
  } catch (error) {
    return {error: {message: (error as Error).message}, lineCounter, ok: false}
  }
}

function jsonType(v: unknown): string {
  if (Array.isArray(v)) return 'array'
  if (v === null) return 'null'
  return typeof v === 'object' ? 'object' : typeof v
}

/** Go json into a string field: strings only; null leaves it empty silently; anything else is a type error. */
function goString(v: unknown, field: string, errors: string[]): string {
  if (typeof v === 'string') return v
  if (v === null || v === undefined) return ''
  errors.push(`${field} is ${jsonType(v) === 'boolean' ? `the YAML 1.1 boolean ${String(v)}` : `${jsonType(v)} ${JSON.stringify(v)}`}, not a string: left empty`)
  return ''
}

function goStringList(v: unknown, field: string, errors: string[]): string[] {
  if (v === null || v === undefined) return []
  if (!Array.isArray(v)) {
    errors.push(`${field} is ${jsonType(v)} ${JSON.stringify(v)}, not a list: the entry gets no ${field}`)
    return []
  }
  return v.map((item, i) => goString(item, `${field}[${i}]`, errors))
}

const ROLE_FIELDS = ['rolearn', 'sso', 'username', 'groups', 'userid'] as const
const USER_FIELDS = ['userarn', 'username', 'groups', 'userid'] as const
const SSO_FIELDS = ['permissionsetname', 'accountid', 'partition'] as const

/** Decodes one JSON object into the named fields the way Go's encoding/json does (sorted keys, case-folded). */
function decodeFields(obj: Record<string, unknown>, fields: readonly string[]): {values: Record<string, unknown>; unknown: string[]} {
  const values: Record<string, unknown> = {}
  const unknown: string[] = []
  // sigs.k8s.io/yaml marshals a map to JSON with sorted keys; encoding/json then assigns in that order (last wins).
  for (const key of Object.keys(obj).sort()) {
    const f = fold(key)
    const field = fields.find((name) => name === f)
    if (field) values[field] = obj[key]
    else unknown.push(key)
  }
  return {unknown, values}
}

const ACCOUNT_ID = /^[0-9]{12}$/
const PERMISSION_SET = /^[\w+=,.@-]{1,32}$/
const PARTITIONS = new Set(['aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc'])

/** D6: the SSO pattern, lower-cased; with a partition set it has an empty partition (upstream bug) and never matches. */
export function ssoPattern(sso: SsoMatcher): string {
  const partition = sso.partition === '' ? 'aws' : ''
  return `arn:${partition}:iam::${sso.accountID}:role/AWSReservedSSO_${sso.permissionSetName}_*`.toLowerCase()
}

function lineOf(doc: Document | undefined, lc: LineCounter, path: (string | number)[]): number | undefined {
  const node = doc?.getIn(path, true) as {range?: [number, number, number]} | undefined
  return node?.range ? lc.linePos(node.range[0]).line : undefined
}

function decodeMappings(section: MappingSection, text: string, status: SectionStatus): MappingEntry[] {
  const parsed = parseYaml(text)
  if (!parsed.ok) {
    status.error = parsed.error
    return []
  }
  const value = parsed.value
  if (value === null || value === undefined) return []
  if (!Array.isArray(value)) {
    status.error = {
      lineInSection: 1,
      message: `${section} is ${jsonType(value) === 'object' ? 'a mapping' : `a ${jsonType(value)}`}, not a list of entries`,
    }
    return []
  }
  const fields = section === 'mapRoles' ? ROLE_FIELDS : USER_FIELDS
  return value.map((item, index): MappingEntry => {
    const fieldErrors: string[] = []
    const entry: MappingEntry = {
      arn: '',
      fieldErrors,
      groups: [],
      index,
      lineInSection: lineOf(parsed.doc, parsed.lineCounter, [index]),
      section,
      unknownFields: [],
      username: '',
    }
    if (item === null || item === undefined) {
      entry.invalid = section === 'mapRoles' ? 'one of rolearn or SSO must be supplied' : 'value for userarn must be supplied'
      return entry
    }
    if (typeof item !== 'object' || Array.isArray(item)) {
      fieldErrors.push(`entry is ${jsonType(item)} ${JSON.stringify(item)}, not a mapping`)
      entry.invalid = 'not a mapping'
      return entry
    }
    const {unknown, values} = decodeFields(item as Record<string, unknown>, fields)
    entry.unknownFields = unknown
    entry.arn = goString(values[section === 'mapRoles' ? 'rolearn' : 'userarn'], section === 'mapRoles' ? 'rolearn' : 'userarn', fieldErrors)
    entry.username = goString(values.username, 'username', fieldErrors)
    entry.groups = goStringList(values.groups, 'groups', fieldErrors)
    const userid = goString(values.userid, 'userid', fieldErrors)
    if (userid) entry.userid = userid
    if (section === 'mapRoles' && values.sso !== undefined && values.sso !== null) {
      if (typeof values.sso === 'object' && !Array.isArray(values.sso)) {
        const s = decodeFields(values.sso as Record<string, unknown>, SSO_FIELDS).values
        entry.sso = {
          accountID: goString(s.accountid, 'sso.accountID', fieldErrors),
          partition: goString(s.partition, 'sso.partition', fieldErrors),
          permissionSetName: goString(s.permissionsetname, 'sso.permissionSetName', fieldErrors),
        }
      } else {
        fieldErrors.push(`sso is ${jsonType(values.sso)}, not a mapping: ignored`)
      }
    }
    entry.invalid = validate(entry)
    return entry
  })
}

/** C4 (pkg/config/mapper.go Validate) */
function validate(e: MappingEntry): string | undefined {
  if (e.section === 'mapUsers') return e.arn === '' ? 'value for userarn must be supplied' : undefined
  if (e.arn === '' && !e.sso) return 'one of rolearn or SSO must be supplied'
  if (e.arn !== '' && e.sso) return 'only one of rolearn or SSO can be supplied'
  if (e.sso) {
    if (!ACCOUNT_ID.test(e.sso.accountID)) return `AccountID '${e.sso.accountID}' is not a valid AWS Account ID`
    if (!PERMISSION_SET.test(e.sso.permissionSetName)) {
      return `PermissionSetName '${e.sso.permissionSetName}' is not a valid AWS SSO PermissionSet Name`
    }
    if (e.sso.partition !== '' && !PARTITIONS.has(e.sso.partition)) return `partition '${e.sso.partition}' is not a valid AWS partition`
  }
  return undefined
}

/** C5: go-yaml v2 straight into []string: scalars keep their text; non-scalars are skipped with an error. */
function decodeAccounts(text: string, status: SectionStatus): AccountEntry[] {
  const parsed = parseYaml(text)
  if (!parsed.ok) {
    status.error = parsed.error
    return []
  }
  const root = parsed.doc?.contents
  if (root === null || root === undefined || parsed.value === null) return []
  if (!isSeq(root)) {
    status.error = {lineInSection: 1, message: `mapAccounts is ${jsonType(parsed.value)}, not a list of account ids`}
    return []
  }
  const out: AccountEntry[] = []
  root.items.forEach((node, index) => {
    const n = node as {source?: string; value?: unknown; range?: [number, number, number]}
    const lineInSection = n.range ? parsed.lineCounter.linePos(n.range[0]).line : undefined
    if (isMap(node) || isSeq(node)) {
      status.warnings.push(`mapAccounts[${index}] is not a string: skipped`)
      return
    }
    const value = n.value === null || n.value === undefined ? '' : typeof n.value === 'string' ? n.value : (n.source ?? String(n.value))
    out.push({account: value, index, lineInSection})
  })
  return out
}

/** Parses aws-auth data exactly as the EKS ConfigMap backend does. Never throws. */
export function parseAwsAuth(data: Record<string, string>): AuthenticatorView {
  const sections = {} as Record<SectionKey, SectionStatus>
  for (const key of SECTION_KEYS) sections[key] = {present: key in data, skipped: false, warnings: []}
  const ignoredKeys = Object.keys(data).filter((k) => !(SECTION_KEYS as readonly string[]).includes(k))
  const view: AuthenticatorView = {
    accounts: [],
    accountSet: new Set(),
    ignoredKeys,
    roleIndex: new Map(),
    roles: [],
    sections,
    userIndex: new Map(),
    users: [],
  }
  for (const key of SECTION_KEYS) {
    const text = data[key]
    if (text === undefined) continue
    if (isSkippable(text)) {
      sections[key].skipped = true
      continue
    }
    if (key === 'mapAccounts') view.accounts = decodeAccounts(text, sections[key])
    else if (key === 'mapRoles') view.roles = decodeMappings(key, text, sections[key])
    else view.users = decodeMappings(key, text, sections[key])
  }
  for (const e of [...view.roles, ...view.users]) {
    for (const err of e.fieldErrors) sections[e.section].warnings.push(`${e.section}[${e.index}]: ${err}`)
  }
  // C7: storage. Roles by lower-cased rolearn (or SSO pattern), users by userarn as written; later entries replace.
  for (const e of view.roles) {
    if (e.invalid) continue
    view.roleIndex.set(e.arn !== '' ? lookupKey(e.arn) : ssoPattern(e.sso!), e)
  }
  for (const e of view.users) {
    if (!e.invalid) view.userIndex.set(e.arn, e)
  }
  for (const a of view.accounts) view.accountSet.add(a.account)
  return view
}

/** Entries the authenticator keeps (valid, not dropped), in storage order. */
export function effectiveEntries(view: AuthenticatorView): MappingEntry[] {
  return [...view.roleIndex.values(), ...view.userIndex.values()]
}
