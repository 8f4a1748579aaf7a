/** AA001-AA022: what is in aws-auth (audit-rules.md A1), judged by what the authenticator really does (C, D). */
import {canonicalize, hasPath, lookupKey, stripPath} from '../arn.js'
import type {MappingEntry} from '../aws-auth/authenticator.js'
import {deadEntryReason} from '../aws-auth/diagnostics.js'
import {fileLine} from '../aws-auth/configmap.js'
import {type AuditInput, makeFinding, principalExists} from './context.js'
import type {Finding, FindingLocation, FindingSubject} from './finding.js'

const NODE_GROUPS = new Set(['system:bootstrappers', 'system:nodes', 'system:node-proxier'])
const NODE_USERNAMES = new Set(['system:node:{{EC2PrivateDNSName}}', 'system:node:{{SessionName}}'])
const RESERVED_USER_PREFIXES = ['system:', 'eks:', 'aws:', 'amazon:', 'iam:']
const ADMIN_GROUPS = new Set(['system:masters'])

export const isNodeMapping = (e: {username: string; groups: string[]}): boolean =>
  e.username.startsWith('system:node:') || e.groups.some((g) => g === 'system:nodes' || g === 'system:bootstrappers')

function kindOf(arn: string): string | undefined {
  try {
    return canonicalize(arn).kind
  } catch {
    return undefined
  }
}

export function auditAwsAuth(input: AuditInput, groupsBound?: (group: string) => boolean): Finding[] {
  const aa = input.awsAuth
  if (!aa) return []
  const {analysis, file} = aa
  const {view} = analysis
  const out: Finding[] = []
  const location = (e: MappingEntry): FindingLocation => ({
    file,
    line: analysis.lineOf(e),
    path: `kube-system/aws-auth#${e.section}[${e.index}]`,
  })
  const subject = (e: MappingEntry): FindingSubject => ({arn: e.arn, groups: e.groups, index: e.index, kind: 'aws-auth-entry', section: e.section, username: e.username})
  const add = (id: string, e: MappingEntry, message: string, extra: Parameters<typeof makeFinding>[3] = {}) =>
    out.push(makeFinding(id, subject(e), message, {location: location(e), ...extra}))
  const name = (e: MappingEntry) => `${e.section}[${e.index}] ${e.arn || '(no ARN)'}`

  // AA017: sections the authenticator drops whole
  for (const key of ['mapRoles', 'mapUsers', 'mapAccounts'] as const) {
    const err = view.sections[key].error
    if (!err) continue
    const dropped = analysis.droppedSectionArns[key as 'mapRoles' | 'mapUsers']?.length
    out.push(
      makeFinding('AA017', {kind: 'aws-auth'}, `${key} fails to parse (${err.message}); EKS ignores the whole section${dropped ? `, all ${dropped} entries of it` : ''}`, {
        location: {file, line: fileLine(analysis.locationOf(key), err.lineInSection), path: `kube-system/aws-auth#${key}`},
      }),
    )
  }
  // AA018: ignored data keys
  for (const key of view.ignoredKeys) {
    out.push(makeFinding('AA018', {kind: 'aws-auth'}, `data key '${key}' is not read by EKS (only mapRoles, mapUsers and mapAccounts, case-sensitive)`, {
      location: {file, line: analysis.locationOf(key)?.line, path: `kube-system/aws-auth#${key}`},
    }))
  }

  const entries = [...view.roles, ...view.users]
  const effective = new Set([...view.roleIndex.values(), ...view.userIndex.values()])
  const unbound = new Map<string, MappingEntry[]>()
  const nonNodeByKey = new Map<string, MappingEntry[]>()
  for (const o of effective) {
    if (isNodeMapping(o) || !o.arn) continue
    const k = lookupKey(stripPathSafe(o.arn))
    nonNodeByKey.set(k, [...(nonNodeByKey.get(k) ?? []), o])
  }
  for (const e of entries) {
    if (e.unknownFields.length > 0) add('AA018', e, `${name(e)}: unknown field${e.unknownFields.length > 1 ? 's' : ''} ${e.unknownFields.map((f) => `'${f}'`).join(', ')} ignored`)
    if (e.invalid) {
      // AA017 covers a section that "is not a list of objects": a list item that is not a mapping is skipped
      if (e.invalid === 'not a mapping') add('AA017', e, `${name(e)}: ${e.fieldErrors[0] ?? 'the list item is not a mapping'}; EKS skips it`)
      add('AA019', e, `${name(e)} is skipped by EKS: ${e.invalid}`)
      continue
    }
    for (const err of e.fieldErrors) {
      if (err.startsWith('groups is')) add('AA017', e, `${name(e)}: ${err}; the caller authenticates but is Forbidden everywhere`, {severity: 'medium'})
    }
    if (e.username === '') add('AA019', e, `${name(e)} has no username: the identity is unattributable`)
    const dead = deadEntryReason(e)
    const live = effective.has(e) && !dead
    const kind = e.arn ? kindOf(e.arn) : undefined
    // AA005 / AA006: dead entries
    if (dead?.code === 'sts-arn') {
      const fixed = kind === 'assumed-role' ? canonicalize(e.arn).canonicalArn : undefined
      add('AA005', e, `${name(e)} is an STS session ARN and never matches${e.groups.includes('system:masters') ? ' (it would grant system:masters once fixed)' : ''}`, {
        fix: fixed ? `Write ${fixed} instead.` : undefined,
      })
    }
    if (dead?.code === 'path' || (e.section === 'mapRoles' && kind === 'role' && hasPath(e.arn))) {
      add('AA006', e, `${name(e)} has a path and never matches; STS reports ${stripPath(e.arn)}${e.groups.includes('system:masters') ? ' (it would grant system:masters once fixed)' : ''}`, {
        fix: `Write ${stripPath(e.arn)} instead.`,
      })
    }
    if (e.arn.includes('*') || e.arn.includes('?')) add('AA003', e, `${name(e)} contains a wildcard`)
    // AA004
    if (e.section === 'mapRoles' && (kind === 'user' || kind === 'root')) add('AA004', e, `${name(e)}: a ${kind} ARN under mapRoles`)
    if (e.section === 'mapUsers' && kind === 'role') add('AA004', e, `${name(e)}: a role ARN under mapUsers`)
    if (kind === 'root') add('AA016', e, `${name(e)} maps the root user of account ${canonicalize(e.arn).accountId}`)
    if (!live) continue

    const node = isNodeMapping(e)
    const isRole = kind === 'role'
    if (e.groups.includes('system:masters')) add('AA001', e, `${name(e)} grants system:masters${node ? ' to a node role (every pod that reaches IMDS gets it)' : ''}`)
    // AA007
    if (isRole && !node && !/\{\{SessionName(Raw)?\}\}/.test(e.username)) add('AA007', e, `${name(e)}: username '${e.username}' is shared by every session of the role`)
    if ([e.username, ...e.groups].some((t) => t.includes('{{AccessKeyID}}'))) add('AA008', e, `${name(e)} keys identity on {{AccessKeyID}}`)
    // AA009
    // exempt only on node/Fargate roles, i.e. mappings that carry the node groups (a node username alone is not enough)
    const nodeUsername = NODE_USERNAMES.has(e.username) && e.groups.some((g) => g === 'system:nodes' || g === 'system:bootstrappers')
    if (RESERVED_USER_PREFIXES.some((p) => e.username.startsWith(p)) && !(nodeUsername && node)) {
      add('AA009', e, `${name(e)}: username '${e.username}' is reserved${e.username.startsWith('system:kube-') || e.username.startsWith('system:serviceaccount:') ? ' and named by default bindings' : ''}`)
    }
    // AA010
    const reservedGroups = e.groups.filter((g) => g.startsWith('system:') && g !== 'system:masters' && !(node && NODE_GROUPS.has(g)))
    if (reservedGroups.length > 0) add('AA010', e, `${name(e)} maps to reserved group${reservedGroups.length > 1 ? 's' : ''} ${reservedGroups.join(', ')}`)
    // AA011
    if (node) {
      const extra = e.groups.filter((g) => !NODE_GROUPS.has(g))
      if (!e.username.startsWith('system:node:')) {
        add('AA011', e, `${name(e)} carries node groups but username '${e.username}' is not a node identity`)
      } else if (extra.length > 0) {
        add('AA011', e, `${name(e)} is a node role with extra group${extra.length > 1 ? 's' : ''} ${extra.join(', ')}: reachable from every pod that can read the node's credentials`)
      }
      const shared = (nonNodeByKey.get(lookupKey(stripPathSafe(e.arn))) ?? []).find((o) => o !== e)
      const sharedAe = input.accessEntries?.find((a) => lookupKey(stripPathSafe(a.principalArn)) === lookupKey(stripPathSafe(e.arn)) && !(a.type ?? 'STANDARD').startsWith('EC2') && !(a.type ?? '').startsWith('FARGATE') && a.type !== 'HYBRID_LINUX')
      if (shared || sharedAe) add('AA011', e, `${name(e)}: the node role is also mapped for people or CI (${shared ? `${shared.section}[${shared.index}]` : 'an access entry'})`)
    }
    // AA014
    const clusterAccount = input.cluster?.accountId ?? inferClusterAccount(entries)
    if (clusterAccount && e.arn) {
      try {
        const acct = canonicalize(e.arn).accountId
        if (acct !== clusterAccount) {
          const admin = e.groups.some((g) => ADMIN_GROUPS.has(g))
          add('AA014', e, `${name(e)} belongs to account ${acct}, not the cluster's ${clusterAccount}${admin ? ' and maps to system:masters' : ''}`, {severity: admin ? 'high' : 'medium'})
        }
      } catch {
        // not an ARN: reported elsewhere
      }
    }
    // AA015
    if (input.iam && e.arn && (kind === 'role' || kind === 'user')) {
      if (principalExists(input.iam, e.arn) === 'missing') {
        const admin = e.groups.includes('system:masters')
        add('AA015', e, `${name(e)} does not exist in IAM: whoever creates a ${kind} named '${e.arn.split('/').at(-1)}' in account ${canonicalize(e.arn).accountId} inherits this mapping`, {
          severity: admin ? 'critical' : 'high',
        })
      }
    }
    // AA020 is "mapUsers is non-empty": every mapUsers entry, plus user ARNs misfiled under mapRoles (they match too)
    if (kind === 'user' || e.section === 'mapUsers') add('AA020', e, `${name(e)} ${kind === 'user' ? 'maps an IAM user (long-lived keys)' : kind === 'root' ? 'maps the root user through mapUsers (long-lived keys)' : 'is in mapUsers; roles belong in mapRoles'}`)
    if (groupsBound) {
      for (const g of e.groups) {
        if (g.startsWith('system:') || g === '' || groupsBound(g)) continue
        unbound.set(g, [...(unbound.get(g) ?? []), e])
      }
    }
  }
  // AA021: one finding per unbound group, naming the mappings that use it
  for (const [g, es] of unbound) {
    const first = es[0]!
    add('AA021', first, `group '${g}' (mapped by ${es.length === 1 ? name(first) : `${es.length} entries: ${es.slice(0, 3).map(name).join(', ')}${es.length > 3 ? ', ...' : ''}`}) is named by no RoleBinding or ClusterRoleBinding`, {
      evidence: {entries: es.length, group: g},
    })
  }
  // AA012 / AA013: duplicates
  for (const list of [view.roles, view.users]) {
    const seen = new Map<string, MappingEntry>()
    for (const e of list) {
      if (e.invalid || !e.arn) continue
      const k = lookupKey(e.arn)
      const first = seen.get(k)
      if (first) add('AA012', first, `${name(first)} is repeated at ${e.section}[${e.index}]${analysis.lineOf(e) ? ` (line ${analysis.lineOf(e)})` : ''}; EKS uses the last one`)
      else seen.set(k, e)
    }
  }
  for (const u of view.users) {
    if (u.invalid || !u.arn) continue
    const role = view.roleIndex.get(lookupKey(u.arn))
    if (role) add('AA013', u, `${name(u)} is also in mapRoles[${role.index}], which shadows it`)
  }
  // AA002
  const accounts = view.accounts.filter((a) => a.account !== '')
  if (accounts.length > 0) {
    out.push(
      makeFinding('AA002', {kind: 'aws-auth'}, `mapAccounts lets every IAM principal of ${accounts.map((a) => a.account).join(', ')} authenticate`, {
        evidence: {accounts: accounts.map((a) => a.account)},
        location: {file, line: fileLine(analysis.locationOf('mapAccounts'), accounts[0]!.lineInSection), path: 'kube-system/aws-auth#mapAccounts'},
      }),
    )
  }
  // AA022
  const human = [...effective].filter((e) => !isNodeMapping(e))
  if (human.length > 0 || accounts.length > 0) {
    out.push(makeFinding('AA022', {kind: 'aws-auth'}, `aws-auth grants ${human.length} non-node mapping${human.length === 1 ? '' : 's'}${accounts.length ? ` and ${accounts.length} account${accounts.length > 1 ? 's' : ''}` : ''}; access entries are the supported replacement`, {
      location: {file, path: 'kube-system/aws-auth'},
    }))
  }
  return out
}

function stripPathSafe(arn: string): string {
  try {
    return stripPath(arn)
  } catch {
    return arn
  }
}

/** Without cluster info, the account of the node roles is the cluster's (node roles must be same-account). */
function inferClusterAccount(entries: MappingEntry[]): string | undefined {
  for (const e of entries) {
    if (e.invalid || !isNodeMapping(e)) continue
    try {
      return canonicalize(e.arn).accountId
    } catch {
      // next
    }
  }
  return undefined
}
