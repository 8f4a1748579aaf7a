/**
 * The finding shape of workload-identity rules (WI001-WI007). Structurally the same as src/core/audit/finding.ts's
 * Finding with subject kind 'iam-role', so these findings can be passed to the audit engine and renderers as they
 * are; kept here until the audit engineer folds it into src/core/audit/.
 */

export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const
export type Severity = (typeof SEVERITIES)[number]

export const severityRank = (s: Severity): number => SEVERITIES.indexOf(s)
/** the more severe of two */
export const maxSeverity = (a: Severity, b: Severity): Severity => (severityRank(a) <= severityRank(b) ? a : b)

export interface FindingLocation {
  file?: string
  /** 1-based */
  line?: number
  /** logical path, e.g. RoleDetailList[3].AssumeRolePolicyDocument.Statement[0] */
  path?: string
}

export interface IamRoleSubject {
  kind: 'iam-role'
  arn: string
  name: string
}

export interface Finding {
  ruleId: string
  severity: Severity
  title: string
  message: string
  subject: IamRoleSubject
  location?: FindingLocation
  fix: string
  rationale: string
  evidence?: Record<string, unknown>
}
