/** The one finding shape every audit rule family produces (aws-auth, access entries, cluster, RBAC, workload identity). */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const
export type Severity = (typeof SEVERITIES)[number]

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s)
/** the more severe of two */
export const maxSeverity = (a: Severity, b: Severity): Severity => (severityRank(a) <= severityRank(b) ? a : b)
/** true when `s` is at least as severe as `threshold` */
export const atLeast = (s: Severity, threshold: Severity): boolean => severityRank(s) <= severityRank(threshold)

export type FindingSubject =
  | {kind: 'aws-auth-entry'; section: 'mapRoles' | 'mapUsers' | 'mapAccounts'; index: number; arn: string; username?: string; groups?: string[]}
  | {kind: 'aws-auth'}
  | {kind: 'access-entry'; arn: string}
  | {kind: 'cluster'; name: string}
  | {kind: 'identity'; arn?: string; username: string; groups: string[]}
  | {kind: 'iam-role'; arn: string; name: string}
  | {kind: 'rbac-object'; objectKind: string; name: string; namespace?: string}

export interface FindingLocation {
  file?: string
  /** 1-based */
  line?: number
  /** logical path, e.g. kube-system/aws-auth#mapRoles[3] */
  path?: string
}

/** IAM ARN -> username/groups -> binding -> role -> rule (RB findings) */
export interface AccessPath {
  arn?: string
  source?: string
  username: string
  groups: string[]
  binding?: {kind: string; name: string; namespace?: string}
  role?: {kind: string; name: string; namespace?: string}
  rule?: unknown
}

export interface Finding {
  ruleId: string
  severity: Severity
  title: string
  message: string
  subject: FindingSubject
  location?: FindingLocation
  fix: string
  rationale: string
  path?: AccessPath[]
  evidence?: Record<string, unknown>
}
