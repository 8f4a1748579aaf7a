/**
 * The lock-out guard: changes a cautious platform team never wants by accident. Each is refused (ExitCode.REFUSED)
 * unless --force; with --force they come back as warnings. Pure.
 */
import {lookupKey} from '../arn.js'
import {EksauthError, ExitCode} from '../errors.js'
import {resolveIdentity} from '../identity/resolve.js'
import {type AuthenticatorView, type MappingEntry, parseAwsAuth, SECTION_KEYS, ssoPattern} from './authenticator.js'

export type GuardCode = 'node-mapping' | 'last-masters' | 'section-unparseable' | 'caller-unmapped'

export interface GuardViolation {
  code: GuardCode
  message: string
}

export interface GuardInput {
  before: Record<string, string>
  after: Record<string, string>
  /** the caller's ARN as STS reports it, when known: refuse to unmap it */
  callerArn?: string
  /** 1-based file line of a line inside a section, when the data came from a file */
  fileLine?: (section: string, lineInSection: number | undefined) => number | undefined
}

const NODE_GROUPS = new Set(['system:nodes', 'system:bootstrappers'])

/** A mapping that lets nodes (EC2, Fargate, hybrid) join: node groups or a system:node:{{...}} username. */
export function isNodeMapping(e: Pick<MappingEntry, 'groups' | 'username'>): boolean {
  return e.groups.some((g) => NODE_GROUPS.has(g)) || e.username.startsWith('system:node:')
}

const entryKey = (e: MappingEntry): string => `${e.section}|${e.arn !== '' ? lookupKey(e.arn) : e.sso ? ssoPattern(e.sso) : ''}`

function effective(view: AuthenticatorView): Map<string, MappingEntry> {
  const out = new Map<string, MappingEntry>()
  for (const e of [...view.roleIndex.values(), ...view.userIndex.values()]) out.set(entryKey(e), e)
  return out
}

const show = (e: MappingEntry): string => `${e.arn || '(sso)'} (${e.username || 'no username'}: ${e.groups.join(', ') || 'no groups'})`

/** Every guard the change trips; empty when it is safe. */
export function checkGuards(input: GuardInput): GuardViolation[] {
  const before = parseAwsAuth(input.before)
  const after = parseAwsAuth(input.after)
  const out: GuardViolation[] = []

  for (const key of SECTION_KEYS) {
    const err = after.sections[key].error ?? before.sections[key].error
    if (!err) continue
    const which = after.sections[key].error ? input.after : input.before
    const line = which === input.before ? input.fileLine?.(key, err.lineInSection) : undefined
    const where = line ? `line ${line}` : err.lineInSection ? `line ${err.lineInSection} of ${key}` : key
    out.push({
      code: 'section-unparseable',
      message: `${key} does not parse as the authenticator reads it (${where}: ${err.message}); EKS is already ignoring the whole section, so none of its entries grant access today: fix it first, or pass --force to edit the rest anyway`,
    })
  }

  const effBefore = effective(before)
  const effAfter = effective(after)
  for (const [k, e] of effBefore) {
    if (!isNodeMapping(e)) continue
    const now = effAfter.get(k)
    if (!now) {
      out.push({code: 'node-mapping', message: `this removes the node mapping ${show(e)}: nodes using it could no longer join the cluster (pass --force if that is intended)`})
    } else if (now.username !== e.username || now.groups.join('\n') !== e.groups.join('\n')) {
      out.push({code: 'node-mapping', message: `this alters the node mapping ${show(e)} -> ${show(now)}: nodes using it could break (pass --force if that is intended)`})
    }
  }

  const masters = (m: Map<string, MappingEntry>): number => [...m.values()].filter((e) => e.groups.includes('system:masters')).length
  if (masters(effBefore) > 0 && masters(effAfter) === 0) {
    out.push({
      code: 'last-masters',
      message: 'this removes the last system:masters mapping in aws-auth: unless an access entry or the cluster creator still has admin, nobody could administer the cluster (pass --force if that is intended)',
    })
  }

  if (input.callerArn) {
    let was = false
    let is = false
    try {
      was = resolveIdentity({arn: input.callerArn}, {awsAuth: before}).authenticated
      is = resolveIdentity({arn: input.callerArn}, {awsAuth: after}).authenticated
    } catch {
      // an unreadable caller ARN: nothing to protect
    }
    if (was && !is) {
      out.push({
        code: 'caller-unmapped',
        message: `this leaves your own identity (${input.callerArn}) unmapped in aws-auth: you could lock yourself out (pass --force if that is intended)`,
      })
    }
  }
  return out
}

/** Throws REFUSED listing every violation unless force; with force returns warnings to show. */
export function enforceGuards(violations: GuardViolation[], force: boolean): string[] {
  if (violations.length === 0) return []
  if (force) return violations.map((v) => `--force: ${v.message}`)
  const [first, ...rest] = violations
  throw new EksauthError(`refused: ${first!.message}${rest.length > 0 ? `; and ${rest.length} more: ${rest.map((r) => r.message).join('; ')}` : ''}`, {
    code: `E_GUARD_${first!.code.toUpperCase().replace(/-/g, '_')}`,
    details: violations,
    exit: ExitCode.REFUSED,
  })
}
