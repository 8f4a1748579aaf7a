import type {SimulateResult} from '../core/identity/resolve.js'
import {paint} from './colors.js'

export function renderSimulate(r: SimulateResult): string {
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
  return lines.join('\n')
}
