/** Workload-identity rules (WI001-WI007) share the audit's finding shape; their subject is an IAM role. */
export {type Finding, type FindingLocation, maxSeverity, SEVERITIES, type Severity, severityRank} from '../audit/finding.js'
