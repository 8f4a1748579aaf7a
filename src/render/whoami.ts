import type {StepStatus, WhoamiResult} from '../core/identity/diagnose.js'
import {paint} from './colors.js'

const LABEL: Record<string, string> = {
  'access-entry': 'access entry',
  'auth-mode': 'auth mode',
  'aws-auth': 'aws-auth',
  'canonical-arn': 'canonical ARN',
  credentials: 'credentials',
  'exec-plugin': 'exec plugin',
  kubeconfig: 'kubeconfig',
  rbac: 'RBAC',
  'self-subject-review': 'SelfSubjectReview',
  'sts-identity': 'STS identity',
  token: 'token',
}

/** One line per step with a status mark, the notes, then the verdict sentence. */
export function renderWhoami(r: WhoamiResult): string {
  const c = paint()
  const mark = (s: StepStatus): string =>
    s === 'ok' ? c.green('✓') : s === 'fail' ? c.red('✗') : s === 'warn' ? c.yellow('!') : c.dim('-')
  const width = Math.max(...r.steps.map((s) => (LABEL[s.step] ?? s.step).length))
  const lines = r.steps.map((s) => {
    const label = (LABEL[s.step] ?? s.step).padEnd(width)
    const detail = s.status === 'skip' ? c.dim(`skip: ${s.detail}`) : s.detail
    return `${mark(s.status)} ${c.bold(label)}  ${detail}`
  })
  for (const n of r.notes) lines.push(c.yellow(`note: ${n}`))
  const head =
    r.verdict === 'ok' ? c.green.bold('OK') : r.verdict === 'unknown' ? c.yellow.bold('UNKNOWN') : c.red.bold(r.verdict.toUpperCase())
  lines.push('', `${head} (${r.cause}): ${r.sentence}`)
  return lines.join('\n')
}
