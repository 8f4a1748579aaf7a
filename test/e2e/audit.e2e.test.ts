/**
 * eksauth audit through the built CLI (npm run build first): the risky fixture, a clean cluster dump, --json shape,
 * not-checked reporting, --fail-on, ignores (reason, subject, expiry), markdown, and SARIF checked by Microsoft's
 * SARIF validator (@microsoft/sarif-multitool).
 */
import {spawnSync} from 'node:child_process'
import {chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {ALL_RULES} from '../../src/core/audit/catalogue.js'
import {ROOT, runCli, runCliJson} from '../support/cli.js'

const RISKY = 'test/fixtures/aws-auth/risky.yaml'
const MEDIUM_ONLY = 'test/fixtures/audit/medium-only.yaml'
const CLEAN = 'test/fixtures/audit/clean'
const CLEAN_ARGS = [
  '--aws-auth', `${CLEAN}/aws-auth.yaml`,
  '--manifests', `${CLEAN}/rbac`,
  '--access-entries', `${CLEAN}/access-entries.json`,
  '--iam-inventory', `${CLEAN}/iam-inventory.json`,
  '--cluster-json', `${CLEAN}/cluster.json`,
]

interface JsonFinding {
  ruleId: string
  severity: string
  message: string
  location?: {file?: string; line?: number; path?: string}
  path?: {arn?: string}[]
}
interface JsonResult {
  findings: JsonFinding[]
  summary: {total: number; bySeverity: Record<string, number>; ignored: number; sources: string[]; highest: string | null}
  notChecked: {ruleId: string; title: string; missing: string[]}[]
  ignored: {ruleId: string; message: string; reason: string}[]
  notes: string[]
}

let tmp: string
const write = (name: string, text: string): string => {
  const p = join(tmp, name)
  writeFileSync(p, text)
  return p
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'eksauth-audit-'))
  // the tree is shared: another build may be rewriting dist/ right now; give it a moment rather than fail spuriously
  for (let i = 0; i < 60 && !existsSync(join(ROOT, 'dist', 'commands', 'audit.js')); i++) await new Promise((r) => setTimeout(r, 1000))
  expect(existsSync(join(ROOT, 'dist', 'commands', 'audit.js')), 'run `npm run build` first').toBe(true)
})
afterAll(() => rmSync(tmp, {force: true, recursive: true}))

describe('eksauth audit --aws-auth risky.yaml finds every problem its header names', () => {
  let result: JsonResult
  beforeAll(async () => {
    const res = await runCliJson<JsonResult>(['audit', '--aws-auth', RISKY])
    expect(res.code).toBe(0)
    result = res.json
  })
  const at = (ruleId: string): number[] =>
    result.findings.filter((f) => f.ruleId === ruleId).map((f) => f.location?.line ?? -1).sort((a, b) => a - b)

  it.each([
    ['AA001', 'system:masters (node role, user under mapRoles, root user)', [11, 17, 45]],
    ['AA004', 'a user ARN under mapRoles', [17]],
    ['AA005', 'an STS assumed-role ARN', [21]],
    ['AA006', 'a role path and the SSO aws-reserved path', [25, 29]],
    ['AA012', 'a duplicate ARN differing in case (reported on the shadowed first entry)', [33]],
    ['AA002', 'mapAccounts', [50]],
    ['AA016', 'the root user', [45]],
    ['AA007', 'a shared role without {{SessionName}} (deployer, and the partner role)', [37, 41]],
    ['AA011', 'a node role carrying extra groups', [11]],
    ['AA009', 'a reserved username (system:kube-controller-manager)', [41]],
    ['AA014', 'a principal of another account', [41]],
  ])('%s: %s, at lines %j', (ruleId, _what, lines) => {
    expect(at(ruleId)).toEqual(lines)
  })

  it('AA001-AA022: every finding points at the file, and the summary counts them', () => {
    for (const f of result.findings) expect(f.location?.file).toBe(RISKY)
    expect(result.summary.total).toBe(result.findings.length)
    expect(result.summary.highest).toBe('critical')
    expect(result.summary.bySeverity.critical).toBe(at('AA001').length)
  })

  it('AA006: the SSO entry message says it would grant system:masters once fixed, and the fix is the path-less ARN', () => {
    const sso = result.findings.find((f) => f.ruleId === 'AA006' && f.location?.line === 29)
    expect(sso?.message).toMatch(/would grant system:masters once fixed/)
  })
})

describe('a clean cluster dump', () => {
  it('AA/AE/RB: aws-auth + RBAC + access entries + IAM inventory of a clean cluster yield no high or critical finding', async () => {
    const {code, json} = await runCliJson<JsonResult>(['audit', ...CLEAN_ARGS, '--fail-on', 'high'])
    expect(json.findings.filter((f) => f.severity === 'high' || f.severity === 'critical')).toEqual([])
    expect(code).toBe(0)
    expect(json.summary.sources.sort()).toEqual(['accessEntries', 'awsAuth', 'cluster', 'iam', 'rbac'])
    // the only things worth saying: the migration to access entries is unfinished
    expect(json.findings.map((f) => `${f.ruleId}:${f.severity}`)).toEqual(['CL002:low', 'AA022:info'])
  })

  it('notChecked: with every source but --workload-identity, only the WI rules are not checked', async () => {
    const {json} = await runCliJson<JsonResult>(['audit', ...CLEAN_ARGS])
    const expected = ALL_RULES.filter((r) => r.needs.includes('workload')).map((r) => r.id)
    expect(expected.length).toBeGreaterThan(0)
    expect(json.notChecked.map((n) => n.ruleId).sort()).toEqual(expected.sort())
    for (const n of json.notChecked) expect(n.missing).toEqual(['workload'])
  })
})

describe('--json shape and not-checked rules', () => {
  it('--json: {findings, summary, notChecked, ignored, notes}; each finding has ruleId, severity, title, message, subject, location, fix, rationale', async () => {
    const {code, json} = await runCliJson<JsonResult & Record<string, unknown>>(['audit', '--aws-auth', MEDIUM_ONLY])
    expect(code).toBe(0)
    expect(Object.keys(json).sort()).toEqual(['findings', 'ignored', 'notChecked', 'notes', 'summary'])
    expect(json.summary).toMatchObject({highest: 'medium', ignored: 0, sources: ['awsAuth'], total: json.findings.length})
    expect(Object.keys(json.summary.bySeverity)).toEqual(['critical', 'high', 'medium', 'low', 'info'])
    for (const f of json.findings) {
      expect(f).toEqual(expect.objectContaining({fix: expect.any(String), message: expect.any(String), rationale: expect.any(String), ruleId: expect.stringMatching(/^[A-Z]{2}\d{3}$/), severity: expect.any(String), subject: expect.any(Object), title: expect.any(String)}))
    }
  })

  it('notChecked: rules whose source is missing are listed with what they need, and never appear as findings or as passed', async () => {
    const {json} = await runCliJson<JsonResult>(['audit', '--aws-auth', RISKY])
    const notChecked = new Map(json.notChecked.map((n) => [n.ruleId, n.missing]))
    // every rule that needs something other than aws-auth is not checked; rules that need only aws-auth are checked
    for (const r of ALL_RULES) {
      const missing = r.needs.filter((n) => n !== 'awsAuth')
      if (missing.length > 0) expect(notChecked.get(r.id), r.id).toEqual(missing)
      else expect(notChecked.has(r.id), r.id).toBe(false)
    }
    expect(notChecked.get('AA015')).toEqual(['iam'])
    expect(notChecked.get('AA021')).toEqual(['rbac'])
    expect(notChecked.get('RB001')).toEqual(['rbac'])
    expect(notChecked.get('AE005')).toEqual(['accessEntries'])
    for (const f of json.findings) expect(notChecked.has(f.ruleId), f.ruleId).toBe(false)
  })

  it('notChecked: the table output says which flags would check them', async () => {
    const {stdout} = await runCli(['audit', '--aws-auth', MEDIUM_ONLY])
    expect(stdout).toMatch(/not checked: \d+ rules need .*rbac \(--manifests\)/)
  })

  it('RB008: --manifests chains IAM ARN -> group -> ClusterRoleBinding -> rule in a CLI run', async () => {
    const {json} = await runCliJson<JsonResult>(['audit', '--aws-auth', MEDIUM_ONLY, '--manifests', 'test/fixtures/audit/risky-rbac.yaml'])
    const rb8 = json.findings.filter((f) => f.ruleId === 'RB008')
    expect(rb8.map((f) => f.severity)).toEqual(['critical'])
    expect(rb8[0]!.path?.[0]?.arn).toBe('arn:aws:iam::111122223333:role/deployer')
    expect(json.notChecked.some((n) => n.ruleId.startsWith('RB'))).toBe(false)
  })

  it('no source at all: no file and no kubeconfig to go live with is an error, never an empty (passing) audit', async () => {
    // without files, audit reads the cluster from the kubeconfig (live mode); with none there, it must refuse
    const env = {HOME: tmp, KUBECONFIG: undefined, USERPROFILE: tmp}
    const plain = await runCli(['audit', '--fail-on', 'high'], {env})
    expect(plain.code).not.toBe(0)
    expect(plain.stdout).not.toMatch(/findings|no findings/)
    const json = await runCliJson<{error: {code: string; message: string}}>(['audit'], {env})
    expect([4, 8]).toContain(json.code)
    expect(json.json.error.message).not.toContain('\n')
    expect(json.json.error.message).toMatch(/kubeconfig|--aws-auth/)
  })
})

describe('--cluster-json', () => {
  it('CL004/CL001/CL006: an open public endpoint, CONFIG_MAP mode and no logs are reported from describe-cluster output', async () => {
    const file = write('open-cluster.json', JSON.stringify({
      cluster: {
        arn: 'arn:aws:eks:eu-west-1:111122223333:cluster/open',
        logging: {clusterLogging: [{enabled: false, types: ['api', 'audit', 'authenticator']}]},
        name: 'open',
        resourcesVpcConfig: {endpointPrivateAccess: true, endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0']},
      },
    }))
    const {code, json} = await runCliJson<JsonResult>(['audit', '--cluster-json', file, '--fail-on', 'high'])
    expect(json.findings.map((f) => `${f.ruleId}:${f.severity}`)).toEqual(['CL004:high', 'CL001:medium', 'CL006:medium'])
    expect(code).toBe(5)
  })
})

describe('--fail-on', () => {
  it('--fail-on high: exit 5 when high or critical findings remain', async () => {
    const res = await runCli(['audit', '--aws-auth', RISKY, '--fail-on', 'high'])
    expect(res.code).toBe(5)
    expect(res.stdout).toMatch(/CRITICAL/)
  })

  it('--fail-on high --json: still exit 5, and stdout is the full JSON result', async () => {
    const res = await runCliJson<JsonResult>(['audit', '--aws-auth', RISKY, '--fail-on', 'high'])
    expect(res.code).toBe(5)
    expect(res.json.summary.highest).toBe('critical')
  })

  it('--fail-on critical: exit 0 on a file with only medium findings; --fail-on medium: exit 5 on it', async () => {
    expect((await runCli(['audit', '--aws-auth', MEDIUM_ONLY, '--fail-on', 'critical'])).code).toBe(0)
    expect((await runCli(['audit', '--aws-auth', MEDIUM_ONLY, '--fail-on', 'high'])).code).toBe(0)
    expect((await runCli(['audit', '--aws-auth', MEDIUM_ONLY, '--fail-on', 'medium'])).code).toBe(5)
  })

  it('--fail-on: without it, findings alone never fail the run', async () => {
    expect((await runCli(['audit', '--aws-auth', RISKY])).code).toBe(0)
  })
})

describe('ignores', () => {
  it('--ignore AA022: the rule disappears from the findings and is counted as ignored with a reason', async () => {
    const {json} = await runCliJson<JsonResult>(['audit', '--aws-auth', MEDIUM_ONLY, '--ignore', 'AA022'])
    expect(json.findings.map((f) => f.ruleId)).not.toContain('AA022')
    expect(json.ignored).toEqual([expect.objectContaining({reason: expect.any(String), ruleId: 'AA022'})])
    expect(json.summary.ignored).toBe(1)
  })

  it('--ignore: an id that is not a rule id is bad input (exit 4)', async () => {
    expect((await runCli(['audit', '--aws-auth', MEDIUM_ONLY, '--ignore', 'masters'])).code).toBe(4)
  })

  it('--ignore-file: an entry without a reason is refused: exit 4 with a one-line message', async () => {
    const file = write('no-reason.yaml', '- rule: AA022\n')
    const plain = await runCli(['audit', '--aws-auth', MEDIUM_ONLY, '--ignore-file', file])
    expect(plain.code).toBe(4)
    // oclif wraps long lines with "›" continuations; unwrapped, the error is one line and has no stack trace
    const unwrapped = plain.stderr.replace(/\s*\n\s*›\s+/g, ' ')
    expect(unwrapped).toMatch(/entry 1 \(AA022\) needs a reason/)
    expect(plain.stderr).not.toMatch(/\n\s+at /)
    const json = await runCliJson<{error: {message: string}}>(['audit', '--aws-auth', MEDIUM_ONLY, '--ignore-file', file])
    expect(json.code).toBe(4)
    expect(json.json.error.message).toMatch(/needs a reason/)
    expect(json.json.error.message).not.toContain('\n')
  })

  it('--ignore-file: an empty reason is refused too', async () => {
    const file = write('empty-reason.yaml', '- rule: AA022\n  reason: "  "\n')
    expect((await runCli(['audit', '--aws-auth', MEDIUM_ONLY, '--ignore-file', file])).code).toBe(4)
  })

  it('--ignore-file: subject limits the ignore to matching findings (AA007 for PartnerSupport only)', async () => {
    const file = write('subject.yaml', 'ignore:\n  - rule: AA007\n    subject: role/PartnerSupport\n    reason: partner support uses one shared break-fix identity by contract\n')
    const {json} = await runCliJson<JsonResult>(['audit', '--aws-auth', RISKY, '--ignore-file', file])
    const aa007 = json.findings.filter((f) => f.ruleId === 'AA007')
    expect(aa007.map((f) => f.location?.line)).toEqual([37])
    expect(json.ignored).toEqual([{message: expect.stringContaining('PartnerSupport'), reason: expect.stringMatching(/by contract/), ruleId: 'AA007'}])
  })

  it('--ignore-file: an ignore applies until its expires day, and after it the finding is reported again with a note', async () => {
    const live = write('future.yaml', '- rule: AA012\n  reason: cleanup scheduled\n  expires: 2999-12-31\n')
    const fresh = await runCliJson<JsonResult>(['audit', '--aws-auth', MEDIUM_ONLY, '--ignore-file', live])
    expect(fresh.json.findings.map((f) => f.ruleId)).not.toContain('AA012')
    expect(fresh.json.summary.ignored).toBe(1)

    const expired = write('expired.yaml', '- rule: AA012\n  reason: cleanup scheduled\n  expires: 2020-01-31\n')
    const old = await runCliJson<JsonResult>(['audit', '--aws-auth', MEDIUM_ONLY, '--ignore-file', expired])
    expect(old.json.findings.map((f) => f.ruleId)).toContain('AA012')
    expect(old.json.summary.ignored).toBe(0)
    expect(old.json.notes).toContain('ignore of AA012 expired on 2020-01-31: reported again')
    const table = await runCli(['audit', '--aws-auth', MEDIUM_ONLY, '--ignore-file', expired])
    expect(table.stdout).toMatch(/ignore of AA012 expired on 2020-01-31/)
  })

  it('--ignore-file: a malformed expires date is bad input (exit 4)', async () => {
    const file = write('bad-date.yaml', '- rule: AA012\n  reason: later\n  expires: next week\n')
    expect((await runCli(['audit', '--aws-auth', MEDIUM_ONLY, '--ignore-file', file])).code).toBe(4)
  })
})

describe('--output markdown', () => {
  it('--output markdown: a title, the severity table, findings with rule ids, the ignored list and the not-checked list', async () => {
    const {code, stdout} = await runCli(['audit', '--aws-auth', RISKY, '--output', 'markdown', '--ignore', 'AA022'])
    expect(code).toBe(0)
    expect(stdout).toMatch(/^# EKS authentication audit/)
    expect(stdout).toContain('| severity | findings |')
    expect(stdout).toMatch(/\| critical \| AA001 system:masters granted through aws-auth \|/)
    expect(stdout).toContain(`${RISKY}:11`)
    expect(stdout).toContain('## Accepted (ignored)')
    expect(stdout).toContain('## Not checked')
    expect(stdout).toMatch(/- RB001 .*\(needs rbac\)/)
  })
})

describe('--output sarif', () => {
  const MULTITOOL = join(ROOT, 'node_modules', '@microsoft', 'sarif-multitool-linux', 'Sarif.Multitool')

  function validate(file: string): {status: number | null; out: string} {
    // npm blocks the package's postinstall, which would have made the binary executable
    chmodSync(MULTITOOL, 0o755)
    const res = spawnSync(MULTITOOL, ['validate', file], {
      encoding: 'utf8',
      env: {...process.env, DOTNET_CLI_TELEMETRY_OPTOUT: '1', DOTNET_SYSTEM_GLOBALIZATION_INVARIANT: '1'},
      timeout: 120_000,
    })
    if (res.error) throw new Error(`the SARIF validator could not run: ${res.error.message}`)
    return {out: `${res.stdout}\n${res.stderr}`, status: res.status}
  }

  it.each([
    ['the risky aws-auth', ['--aws-auth', RISKY]],
    ['aws-auth with RBAC findings (logical locations, paths)', ['--aws-auth', MEDIUM_ONLY, '--manifests', 'test/fixtures/audit/risky-rbac.yaml']],
    ['the clean cluster dump', CLEAN_ARGS],
  ])('--output sarif: %s passes Microsoft\'s SARIF validator with no errors', async (_name, args) => {
    const res = await runCli(['audit', ...args, '--output', 'sarif'])
    expect(res.code).toBe(0)
    const log = JSON.parse(res.stdout) as {version: string; runs: {tool: {driver: {rules: {id: string}[]}}; results: {ruleId: string; ruleIndex: number}[]}[]}
    expect(log.version).toBe('2.1.0')
    const rules = log.runs[0]!.tool.driver.rules
    expect(rules.map((r) => r.id)).toEqual(ALL_RULES.map((r) => r.id))
    for (const r of log.runs[0]!.results) expect(rules[r.ruleIndex]!.id).toBe(r.ruleId)
    const file = write(`audit-${Math.random().toString(36).slice(2)}.sarif`, res.stdout)
    const v = validate(file)
    expect(v.out, v.out).toMatch(/Analysis completed successfully/)
    expect(v.out.split('\n').filter((l) => l.includes(': error ')), v.out).toEqual([])
    expect(v.status, v.out).toBe(0)
  })

  it('--output sarif: the validator itself reports errors on a broken log (so a pass above means something)', () => {
    const file = write('broken.sarif', JSON.stringify({runs: [{results: [{message: {text: 'x'}}], tool: {driver: {}}}], version: '2.1.0'}))
    const v = validate(file)
    expect(v.out.split('\n').some((l) => l.includes(': error '))).toBe(true)
  })
})
