/** Human output of map-role / map-user / unmap / restore. */
import type {EditOutcome, EditPlan} from '../services/edit-aws-auth.js'
import {paint} from './colors.js'
import {renderDiff} from './diff.js'

export function renderPlan(plan: EditPlan): string {
  const c = paint()
  const head = plan.replan
    ? c.yellow(`aws-auth in ${plan.target} changed while waiting; the change now reads:`)
    : c.bold(`${plan.dryRun ? 'Would change' : 'Change to'} aws-auth in ${plan.target}:`)
  return `${head}\n${renderDiff(plan.diffs)}`
}

const entry = (o: EditOutcome): string => `${o.section} ${o.arn} -> username ${o.username}, groups ${o.groups && o.groups.length > 0 ? o.groups.join(', ') : '(none)'}`

export function renderOutcome(o: EditOutcome): string {
  const c = paint()
  const lines: string[] = []
  const dry = o.dryRun ? ' (dry run: nothing was written)' : ''
  switch (o.action) {
    case 'unchanged': {
      lines.push(o.arn ? `${c.green('already mapped')}: ${entry(o)}; nothing to do` : `${c.green('unchanged')}: aws-auth already matches; nothing to do`)
      break
    }
    case 'created': {
      lines.push(`${c.green(o.dryRun ? 'would create' : 'created')}: ${entry(o)}${dry}`)
      break
    }
    case 'updated': {
      lines.push(`${c.green(o.dryRun ? 'would update' : 'updated')}: ${entry(o)}${dry}`)
      break
    }
    case 'removed': {
      for (const e of o.entriesBefore) {
        lines.push(`${c.green(o.dryRun ? 'would remove' : 'removed')}: ${e.section} entry ${e.index + 1} ${e.arn} (${e.username || 'no username'}: ${e.groups.join(', ') || 'no groups'})${dry}`)
      }
      break
    }
    case 'restored': {
      lines.push(`${c.green(o.dryRun ? 'would restore' : 'restored')} aws-auth in ${o.target}${dry}`)
      break
    }
  }
  if (o.backupPath) lines.push(`backup of the previous aws-auth: ${o.backupPath}`)
  if (!o.dryRun && o.action !== 'unchanged' && o.resourceVersion) lines.push(`resourceVersion: ${o.resourceVersion}${o.attempts > 1 ? ` (after ${o.attempts} attempts)` : ''}`)
  return lines.join('\n')
}
