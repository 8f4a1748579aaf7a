/** What an audit runs over: every source is optional; rules whose source is missing are reported as not checked. */
import {iamName, lookupKey, parseArn} from '../arn.js'
import type {AwsAuthAnalysis} from '../aws-auth/diagnostics.js'
import type {AccessEntry, ClusterInfo} from '../ports.js'
import {ruleInfo} from './catalogue.js'
import type {Finding, FindingLocation, FindingSubject} from './finding.js'

export interface IamInventory {
  /** the account(s) the inventory covers; principals of other accounts cannot be checked */
  accounts: Set<string>
  /** `${account}:${role|user}:${lower-cased name}` -> the real ARN and unique id */
  principals: Map<string, {arn: string; id?: string}>
}

export function inventoryKey(arn: string): string | undefined {
  try {
    const p = parseArn(arn)
    const kind = p.resource.split('/')[0]
    if (kind !== 'role' && kind !== 'user') return undefined
    return `${p.accountId}:${kind}:${iamName(arn).toLowerCase()}`
  } catch {
    return undefined
  }
}

/** exists | missing | unknown (other account, not a role/user, or no inventory) */
export function principalExists(inv: IamInventory | undefined, arn: string): 'exists' | 'missing' | 'unknown' {
  if (!inv) return 'unknown'
  const key = inventoryKey(arn)
  if (!key) return 'unknown'
  if (!inv.accounts.has(key.split(':')[0]!)) return 'unknown'
  return inv.principals.has(key) ? 'exists' : 'missing'
}

export interface AuditInput {
  awsAuth?: {analysis: AwsAuthAnalysis; source: string; file?: string}
  accessEntries?: AccessEntry[]
  cluster?: ClusterInfo
  iam?: IamInventory
}

export function makeFinding(
  ruleId: string,
  subject: FindingSubject,
  message: string,
  extra: {location?: FindingLocation; fix?: string; severity?: Finding['severity']; evidence?: Record<string, unknown>; path?: Finding['path']} = {},
): Finding {
  const info = ruleInfo(ruleId)
  return {
    fix: extra.fix ?? info.fix,
    message,
    rationale: info.rationale,
    ruleId,
    severity: extra.severity ?? info.severity,
    subject,
    title: info.title,
    ...(extra.location ? {location: extra.location} : {}),
    ...(extra.path ? {path: extra.path} : {}),
    ...(extra.evidence ? {evidence: extra.evidence} : {}),
  }
}

export const sameArn = (a: string, b: string): boolean => lookupKey(a) === lookupKey(b)
