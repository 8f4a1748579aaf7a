import type {FullSimulateResult} from '../core/simulate.js'
import {redactToken} from '../core/identity/token.js'
import {paint} from './colors.js'

export function renderSimulate(r: FullSimulateResult): string {
  const c = paint()
  const lines: string[] = []
  r.steps.forEach((s, i) => lines.push(`${c.dim(`${i + 1}.`)} ${s}`))
  for (const n of r.notes) lines.push(c.yellow(`note: ${n}`))
  if (r.diagnosis === 'canonicalized-only') {
    lines.push(`${c.bold('canonical ARN')} ${r.canonicalArn}`)
  } else if (r.authenticated && r.user) {
    lines.push(
      `${c.green.bold('authenticated')} as ${c.bold(JSON.stringify(r.user.username))} in groups ${r.user.groups.map((g) => c.bold(g)).join(', ')}`,
    )
  } else {
    lines.push(`${c.red.bold('not authenticated')}: ${r.reason}`)
  }
  if (r.decision) {
    lines.push(r.decision.allowed ? `${c.green.bold('allowed')}: ${r.decision.reason}` : `${c.red.bold('denied')}: ${r.decision.reason}`)
  }
  if (r.rules) {
    if (r.rules.masters) lines.push(c.bold('system:masters: every request is allowed, whatever the rules below say'))
    const rows = [...r.rules.resourceRules, ...r.rules.nonResourceRules]
    lines.push(`${rows.length} rule${rows.length === 1 ? '' : 's'}${r.rules.namespace ? ` in namespace ${r.rules.namespace}` : ' (cluster-wide)'}:`)
    for (const x of r.rules.resourceRules) {
      const res = x.rule.resources.join(',')
      const names = x.rule.resourceNames.length ? ` [${x.rule.resourceNames.join(',')}]` : ''
      lines.push(`  ${x.rule.verbs.join(',')} ${res}${x.rule.apiGroups.filter(Boolean).length ? `.${x.rule.apiGroups.join(',')}` : ''}${names}  ${c.dim(`${x.binding.kind} ${x.binding.name} -> ${x.role.kind} ${x.role.name}`)}`)
    }
    for (const x of r.rules.nonResourceRules) {
      lines.push(`  ${x.rule.verbs.join(',')} ${x.rule.nonResourceURLs.join(',')}  ${c.dim(`${x.binding.kind} ${x.binding.name} -> ${x.role.kind} ${x.role.name}`)}`)
    }
  }
  return lines.join('\n')
}

/** The token step of `simulate --token`: one line, the token redacted. */
export function renderTokenStep(v: {valid: boolean; reason: string | null; message: string; callerArn?: string | null}, token: string): string {
  const c = paint()
  const shown = redactToken(token)
  return v.valid
    ? `${c.green('token valid')} ${shown}${v.callerArn ? ` (STS: ${v.callerArn})` : ''}: ${v.message}`
    : `${c.red(`token rejected (${v.reason})`)} ${shown}: ${v.message}`
}
