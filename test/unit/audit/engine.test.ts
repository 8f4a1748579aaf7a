/** The audit engine: not-checked reporting, ignores (reason, subject, expiry), ordering, --fail-on thresholds. */
import {describe, expect, it} from 'vitest'

import {RULES} from '../../../src/core/audit/catalogue.js'
import {failsAt, parseIgnoreFile} from '../../../src/core/audit/engine.js'
import {EksauthError} from '../../../src/core/errors.js'
import {audit, cluster, entry, ids, roleArn, withRoles} from './helpers.js'

const risky = withRoles(entry(roleArn('Admin'), 'admin:{{SessionName}}', ['system:masters']) + entry(roleArn('Ci'), 'ci', ['deployers']) + entry(roleArn('Ops'), 'ops', ['ops']))

describe('audit engine', () => {
  it('notChecked: with aws-auth only, every rule needing another source is listed with exactly what is missing', () => {
    const r = audit(risky)
    for (const rule of RULES) {
      const missing = rule.needs.filter((n) => n !== 'awsAuth')
      expect(r.notChecked.find((n) => n.ruleId === rule.id)?.missing ?? [], rule.id).toEqual(missing)
    }
    expect(r.summary.sources).toEqual(['awsAuth'])
  })

  it('notChecked: a rule counts as checked only when all of its sources are present (AE003 needs access entries and cluster)', () => {
    expect(audit({cluster: cluster()}).notChecked.find((n) => n.ruleId === 'AE003')?.missing).toEqual(['accessEntries'])
    expect(audit({accessEntries: [], cluster: cluster()}).notChecked.find((n) => n.ruleId === 'AE003')).toBeUndefined()
  })

  it('ignore: a rule id ignores every finding of that rule, keeping the reason', () => {
    const r = audit(risky, {ignore: [{reason: 'accepted', rule: 'AA007'}]})
    expect(ids(r)).not.toContain('AA007')
    expect(r.ignored.map((i) => [i.ruleId, i.reason])).toEqual([['AA007', 'accepted'], ['AA007', 'accepted']])
    expect(r.summary.ignored).toBe(2)
  })

  it('ignore: subject limits the ignore to findings whose ARN, username or path contains it', () => {
    const r = audit(risky, {ignore: [{reason: 'CI shares one identity', rule: 'AA007', subject: 'role/Ci'}]})
    expect(r.findings.filter((f) => f.ruleId === 'AA007').map((f) => (f.subject as {arn: string}).arn)).toEqual([roleArn('Ops')])
    const byPath = audit(risky, {ignore: [{reason: 'x', rule: 'AA007', subject: 'kube-system/aws-auth#mapRoles[3]'}]})
    expect(byPath.ignored).toHaveLength(1)
  })

  it('ignore: expires is the last day it applies; the day after, the finding is back with a note', () => {
    const ignore = [{expires: '2025-03-31', reason: 'migration', rule: 'AA022'}]
    expect(ids(audit(risky, {ignore, today: '2025-03-31'}))).not.toContain('AA022')
    const after = audit(risky, {ignore, today: '2025-04-01'})
    expect(ids(after)).toContain('AA022')
    expect(after.notes).toEqual(['ignore of AA022 expired on 2025-03-31: reported again'])
  })

  it('parseIgnoreFile: a list or {ignore: [...]}; reason is required; expires must be a date; rule must be an id', () => {
    expect(parseIgnoreFile('- {rule: AA007, reason: ok, subject: role/Ci, expires: 2030-01-01}\n', 'f')).toEqual([{expires: '2030-01-01', reason: 'ok', rule: 'AA007', subject: 'role/Ci'}])
    expect(parseIgnoreFile('{"ignore": [{"rule": "AA007", "reason": "ok"}]}', 'f')).toHaveLength(1)
    const fail = (text: string): EksauthError => {
      try {
        parseIgnoreFile(text, 'ignore.yaml')
      } catch (error) {
        return error as EksauthError
      }
      throw new Error('expected a failure')
    }
    expect(fail('- rule: AA007\n')).toMatchObject({exit: 4, message: 'ignore.yaml: entry 1 (AA007) needs a reason: say why it is accepted'})
    expect(fail('- {rule: AA007, reason: ok, expires: soon}\n').message).toMatch(/expires must be a date/)
    expect(fail('- {rule: masters, reason: ok}\n').message).toMatch(/needs rule/)
    expect(fail('rule: AA007\n').message).toMatch(/expected a list/)
  })

  it('findings are ordered by severity, then rule id, and summary.highest is the worst severity', () => {
    const r = audit(risky)
    const ranks = r.findings.map((f) => ['critical', 'high', 'medium', 'low', 'info'].indexOf(f.severity))
    expect(ranks).toEqual([...ranks].sort((a, b) => a - b))
    expect(r.summary.highest).toBe('critical')
    expect(audit({cluster: cluster()}).summary.highest).toBeNull()
  })

  it('failsAt (--fail-on): true when a finding is at or above the threshold', () => {
    const r = audit(withRoles(entry(roleArn('Ci'), 'ci', ['deployers'])))
    expect(r.summary.highest).toBe('low')
    expect(failsAt(r, 'critical')).toBe(false)
    expect(failsAt(r, 'medium')).toBe(false)
    expect(failsAt(r, 'low')).toBe(true)
    expect(failsAt(audit(risky), 'critical')).toBe(true)
  })
})
