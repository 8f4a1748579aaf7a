/** SARIF 2.1.0 for GitHub code scanning: one rule per catalogue entry, results with physical and logical locations. */
import {ALL_RULES as RULES} from '../core/audit/catalogue.js'
import type {AuditResult} from '../core/audit/engine.js'
import type {Finding, Severity} from '../core/audit/finding.js'

const LEVEL: Record<Severity, 'error' | 'warning' | 'note'> = {critical: 'error', high: 'error', info: 'note', low: 'note', medium: 'warning'}
const SCORE: Record<Severity, string> = {critical: '9.5', high: '8.0', info: '0.0', low: '3.0', medium: '5.5'}

function location(f: Finding): Record<string, unknown>[] {
  const loc: Record<string, unknown> = {}
  if (f.location?.file) {
    loc.physicalLocation = {
      artifactLocation: {uri: f.location.file.replace(/^\.\//, '')},
      ...(f.location.line ? {region: {startLine: f.location.line}} : {}),
    }
  }
  if (f.location?.path) loc.logicalLocations = [{fullyQualifiedName: f.location.path, kind: 'resource'}]
  return Object.keys(loc).length > 0 ? [loc] : []
}

export function renderSarif(r: AuditResult, version: string): string {
  const index = new Map(RULES.map((x, i) => [x.id, i]))
  const extra = [...new Set(r.findings.map((f) => f.ruleId).filter((id) => !index.has(id)))]
  const rules = [
    ...RULES.map((x) => ({
      defaultConfiguration: {level: LEVEL[x.severity]},
      fullDescription: {text: x.rationale},
      help: {markdown: `**${x.title}** (${x.severity})\n\n${x.rationale}\n\n**Fix:** ${x.fix}`, text: `${x.rationale} Fix: ${x.fix}`},
      id: x.id,
      name: x.name,
      properties: {'security-severity': SCORE[x.severity], tags: ['security', 'eks', x.id.slice(0, 2)]},
      shortDescription: {text: x.title},
    })),
    ...extra.map((id) => {
      const f = r.findings.find((x) => x.ruleId === id)!
      return {
        defaultConfiguration: {level: LEVEL[f.severity]},
        fullDescription: {text: f.rationale},
        help: {text: `${f.rationale} Fix: ${f.fix}`},
        id,
        properties: {'security-severity': SCORE[f.severity], tags: ['security', 'eks', id.slice(0, 2)]},
        shortDescription: {text: f.title},
      }
    }),
  ]
  extra.forEach((id, i) => index.set(id, RULES.length + i))
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    runs: [
      {
        results: r.findings.map((f) => ({
          level: LEVEL[f.severity],
          locations: location(f),
          message: {text: `${f.message}. Fix: ${f.fix}`},
          partialFingerprints: {'eksauthFinding/v1': `${f.ruleId}:${f.location?.path ?? ''}:${f.message}`},
          properties: {severity: f.severity},
          ruleId: f.ruleId,
          ruleIndex: index.get(f.ruleId),
        })),
        tool: {driver: {name: 'eksauth', rules, semanticVersion: version, version}},
      },
    ],
    version: '2.1.0',
  }
  return JSON.stringify(log, null, 2)
}
