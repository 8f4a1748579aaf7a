import {stringify} from 'yaml'

import type {ListResult} from '../core/aws-auth/list.js'
import {paint} from './colors.js'
import {renderTable} from './table.js'

export function renderList(r: ListResult, output: 'table' | 'json' | 'yaml'): string {
  if (output === 'json') return JSON.stringify(r, null, 2)
  if (output === 'yaml') return stringify(r, {lineWidth: 0})
  const c = paint()
  const rows = r.rows.map((row) => {
    const style = row.effective ? (s: string) => s : c.dim
    return [
      style(row.section),
      style(String(row.index + 1)),
      style(row.line ? String(row.line) : '-'),
      style(row.arn || '(none)'),
      style(row.username || (row.section === 'mapAccounts' ? '(its ARN)' : '')),
      style(row.groups.join(',') || '-'),
      row.notes.length > 0 ? c.yellow(row.notes.join('; ')) : '',
    ]
  })
  const lines = [`${c.bold('aws-auth')} from ${r.source}`]
  for (const n of r.notes) lines.push(c.yellow(`! ${n}`))
  lines.push('')
  lines.push(rows.length > 0 ? renderTable(['section', '#', 'line', 'arn', 'username', 'groups', 'notes'], rows, {header: c.bold}) : '(no mappings)')
  const s = r.summary
  lines.push('', `${s.mapRoles} mapRoles, ${s.mapUsers} mapUsers, ${s.mapAccounts} mapAccounts; ${s.effective} used by EKS; ${s.withNotes} with notes`)
  return lines.join('\n')
}
