import type {AuditResult} from '../core/audit/engine.js'
import {type Finding, SEVERITIES} from '../core/audit/finding.js'
import {paint, severityColor} from './colors.js'

const where = (f: Finding): string =>
  f.location?.file ? `${f.location.file}${f.location.line ? `:${f.location.line}` : ''}` : (f.location?.path ?? '')

const SOURCE_FLAG: Record<string, string> = {
  accessEntries: '--access-entries',
  awsAuth: '--aws-auth',
  cluster: '--cluster-json',
  iam: '--iam-inventory',
  rbac: '--manifests',
  workload: '--workload-identity',
}

function pathText(f: Finding): string[] {
  return (f.path ?? []).slice(0, 3).map((p) => {
    const parts = [p.arn ?? p.username, `${p.username} [${p.groups.join(', ')}]`]
    if (p.binding) parts.push(`${p.binding.kind} ${p.binding.namespace ? `${p.binding.namespace}/` : ''}${p.binding.name}`)
    if (p.role) parts.push(`${p.role.kind} ${p.role.namespace ? `${p.role.namespace}/` : ''}${p.role.name}`)
    return parts.join(' -> ')
  })
}

export function renderAuditTable(r: AuditResult): string {
  const c = paint()
  const lines: string[] = []
  for (const n of r.notes) lines.push(c.yellow(`! ${n}`))
  for (const sev of SEVERITIES) {
    const fs = r.findings.filter((f) => f.severity === sev)
    if (fs.length === 0) continue
    lines.push('', severityColor(sev)(`${sev.toUpperCase()} (${fs.length})`))
    for (const f of fs) {
      lines.push(`  ${c.bold(f.ruleId)}  ${f.title}`, `         ${f.message}${where(f) ? c.dim(`  (${where(f)})`) : ''}`)
      for (const p of pathText(f)) lines.push(c.dim(`         via ${p}`))
      lines.push(c.dim(`         fix: ${f.fix}`))
    }
  }
  const s = r.summary
  lines.push(
    '',
    `${s.total === 0 ? c.green('no findings') : `${s.total} finding${s.total === 1 ? '' : 's'}`}: ${SEVERITIES.map((x) => `${s.bySeverity[x]} ${x}`).join(', ')}` +
      (s.ignored ? `; ${s.ignored} ignored` : ''),
  )
  if (r.notChecked.length > 0) {
    const missing = [...new Set(r.notChecked.flatMap((n) => n.missing))]
    lines.push(
      c.dim(`not checked: ${r.notChecked.length} rules need ${missing.map((m) => `${m} (${SOURCE_FLAG[m] ?? m})`).join(', ')}`),
    )
  }
  return lines.join('\n').replace(/^\n/, '')
}

const md = (s: string): string => s.replaceAll('|', '\\|').replaceAll('\n', ' ')

export function renderAuditMarkdown(r: AuditResult, title = 'EKS authentication audit'): string {
  const s = r.summary
  const out = [`# ${title}`, '', `Sources: ${s.sources.join(', ') || 'none'}.`, '']
  out.push('| severity | findings |', '|---|---|', ...SEVERITIES.map((x) => `| ${x} | ${s.bySeverity[x]} |`), '')
  for (const n of r.notes) out.push(`> ${md(n)}`, '')
  if (r.findings.length > 0) {
    out.push('## Findings', '', '| severity | rule | finding | where | fix |', '|---|---|---|---|---|')
    for (const f of r.findings) {
      out.push(`| ${f.severity} | ${f.ruleId} ${md(f.title)} | ${md(f.message)}${pathText(f).map((p) => `<br>via ${md(p)}`).join('')} | ${md(where(f))} | ${md(f.fix)} |`)
    }
    out.push('')
  }
  if (r.ignored.length > 0) {
    out.push('## Accepted (ignored)', '', '| rule | finding | reason |', '|---|---|---|')
    for (const i of r.ignored) out.push(`| ${i.ruleId} | ${md(i.message)} | ${md(i.reason)} |`)
    out.push('')
  }
  if (r.notChecked.length > 0) {
    out.push('## Not checked', '', 'These rules need inputs that were not given; they are not passed, just not checked.', '')
    for (const n of r.notChecked) out.push(`- ${n.ruleId} ${md(n.title)} (needs ${n.missing.join(', ')})`)
    out.push('')
  }
  return out.join('\n')
}
