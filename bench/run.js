#!/usr/bin/env node
// `npm run bench`: one table of eksauth's performance, every figure the median of several runs taken in the same run
// as its baseline. Plain Node; needs a built CLI (npm ci builds it), the AWS CLI, moto_server and tsx (dev dependency).
//
//   npm run bench               full run (a few minutes on 2 cores)
//   BENCH_QUICK=1 npm run bench fewer repetitions and no 7k/20k scale step
import {spawn, spawnSync} from 'node:child_process'
import {mkdtempSync, readFileSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

import {writeInputs} from './generate.js'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const BIN = join(ROOT, 'bin', 'run.js')
const QUICK = Boolean(process.env.BENCH_QUICK)
const RUNS = QUICK ? 5 : 11
const TMP = mkdtempSync(join(tmpdir(), 'eksauth-bench-'))
const RSS = join(ROOT, 'bench', 'rss.js')
const KEYS = {
  AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
  AWS_DEFAULT_REGION: 'eu-west-1',
  AWS_REGION: 'eu-west-1',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  NO_COLOR: '1',
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const ms = (x) => `${x.toFixed(0)} ms`
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`

/** Wall time (ms) and peak RSS (KB) of one process. */
function timeOnce(cmd, args, env = {}) {
  const rssFile = join(TMP, `rss-${process.hrtime.bigint()}`)
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, args, {cwd: ROOT, encoding: 'utf8', env: {...process.env, ...KEYS, ...env, BENCH_RSS_FILE: rssFile}, maxBuffer: 512 * 1024 * 1024})
  const wall = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0 && !env.BENCH_ALLOW_FAIL) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${(r.stderr || r.stdout).slice(0, 400)}`)
  let rss = 0
  try {
    rss = Number(readFileSync(rssFile, 'utf8'))
  } catch {
    // not a node process with the preload
  }
  return {rss, wall}
}

/** Interleaved medians: baseline and subject alternate, so load spikes hit both. */
function compare(runs, ...subjects) {
  const samples = subjects.map(() => ({rss: [], wall: []}))
  for (let i = 0; i < runs; i++) {
    subjects.forEach((s, j) => {
      const r = timeOnce(...s)
      samples[j].wall.push(r.wall)
      samples[j].rss.push(r.rss)
    })
  }
  return samples.map((s) => ({rss: Math.max(...s.rss), wall: median(s.wall)}))
}

const node = (args, env) => [process.execPath, ['--import', RSS, ...args], env]
const cli = (args, env) => node([BIN, ...args], env)
const rows = []
const row = (area, what, value, baseline, ratio, target) =>
  rows.push({area, baseline, ratio: ratio === undefined ? '' : `${ratio.toFixed(2)}x`, target: target ?? '', value, what})

function startup() {
  const fx = join(ROOT, 'examples', 'aws-auth.yaml')
  const cases = [
    ['eksauth --version', ['--version']],
    ['simulate (offline)', ['simulate', '--arn', 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane', '--aws-auth', fx]],
    ['list --file', ['list', '--file', fx]],
    ['audit --aws-auth (small)', ['audit', '--aws-auth', fx]],
  ]
  for (const [name, args] of cases) {
    const [base, subject] = compare(RUNS, node(['-e', '0']), cli(args))
    row('start-up', name, ms(subject.wall), `node -e 0: ${ms(base.wall)}`, subject.wall / base.wall, '<= 2.5x')
  }
}

function token() {
  const aws = spawnSync('sh', ['-c', 'command -v aws'], {encoding: 'utf8'})
  if (aws.status !== 0) throw new Error('the AWS CLI (`aws`) is not installed: it is the reference for `eksauth token`')
  const [ref, ours, cached] = compare(
    RUNS,
    ['aws', ['eks', 'get-token', '--cluster-name', 'bench'], {}],
    cli(['token', '--cluster-name', 'bench']),
    cli(['token', '--cluster-name', 'bench', '--cache'], {XDG_CACHE_HOME: join(TMP, 'cache')}),
  )
  row('token', 'eksauth token', ms(ours.wall), `aws eks get-token: ${ms(ref.wall)}`, ours.wall / ref.wall, '<= 0.5x')
  row('token', 'eksauth token --cache (hit)', ms(cached.wall), `aws eks get-token: ${ms(ref.wall)}`, cached.wall / ref.wall, '<= 0.5x')
}

function scale() {
  const sizes = QUICK ? [[1000, 2000]] : [[1000, 2000], [7000, 20000]]
  const results = []
  for (const [mappings, bindings] of sizes) {
    const f = writeInputs(join(TMP, 'scale'), mappings, bindings)
    const runs = mappings > 1000 ? 3 : RUNS
    const [parse, audit, simulate] = compare(
      runs,
      node([join(ROOT, 'bench', 'parse-only.js'), f.awsAuth, f.rbac]),
      cli(['audit', '--aws-auth', f.awsAuth, '--manifests', f.rbac, '--json']),
      cli(['simulate', '--arn', 'arn:aws:sts::111122223333:assumed-role/team-007-role-00007/jane', '--aws-auth', f.awsAuth, '--manifests', f.rbac, '--verb', 'create', '--resource', 'deployments', '--api-group', 'apps', '-n', 'team-007', '--json']),
    )
    const label = `${mappings / 1000}k mappings + ${bindings / 1000}k bindings`
    row('scale', `audit, ${label}`, `${ms(audit.wall)}, ${mb(audit.rss)}`, `yaml parse: ${ms(parse.wall)}, ${mb(parse.rss)}`, audit.wall / parse.wall, '<= 4x, < 300 MB')
    row('scale', `simulate, ${label}`, `${ms(simulate.wall)}, ${mb(simulate.rss)}`, `yaml parse: ${ms(parse.wall)}`, simulate.wall / parse.wall)
    results.push({audit, bindings, mappings, parse})
  }
  if (results.length === 2) {
    const [a, b] = results
    const inputGrowth = (b.mappings + b.bindings) / (a.mappings + a.bindings)
    row('scale', 'audit growth 1k/2k -> 7k/20k', `${(b.audit.wall / a.audit.wall).toFixed(1)}x time`, `${inputGrowth.toFixed(1)}x input`, b.audit.wall / a.audit.wall / inputGrowth, 'near-linear (~1x)')
  }
}

async function runTs(script, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {cwd: ROOT, env: {...process.env, ...KEYS, ...env}, stdio: ['ignore', 'pipe', 'inherit']})
    let out = ''
    child.stdout.on('data', (d) => (out += d))
    child.on('close', (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`${script} exited ${code}`))))
  })
}

async function iam() {
  const r = await runTs(join(ROOT, 'bench', 'iam.ts'))
  row('IAM', `existence of ${r.principals} principals (moto)`, `${r.calls} calls, ${ms(r.wallMs)}`, `naive GetRole loop: ${r.naiveCalls} calls, ${ms(r.naiveWallMs)}`, r.calls / r.naiveCalls, '<= 0.10x calls')
}

async function concurrency() {
  const r = await runTs(join(ROOT, 'bench', 'concurrency.ts'))
  row('concurrency', `${r.writers} map-user writers, ${r.latencyMs} ms API latency`, `${ms(r.totalMs)}, all ${r.ok}/${r.writers} ok`, `retries per writer: median ${r.medianRetries}, max ${r.maxRetries}`, undefined, `every writer within ${r.bound} attempts`)
}

function print() {
  const cols = ['area', 'what', 'value', 'baseline', 'ratio', 'target']
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)))
  const line = (cells) => cells.map((c, i) => String(c).padEnd(width[i])).join('  ').trimEnd()
  console.log(line(cols.map((c) => c.toUpperCase())))
  for (const r of rows) console.log(line(cols.map((c) => r[c])))
}

const machine = `${process.version}, ${spawnSync('nproc', {encoding: 'utf8'}).stdout.trim()} cores, load ${(await import('node:os')).loadavg().map((x) => x.toFixed(1)).join(' ')}`
try {
  startup()
  token()
  scale()
  await iam()
  await concurrency()
} finally {
  rmSync(TMP, {force: true, recursive: true})
}
console.log(`eksauth benchmark (${machine}; medians of ${RUNS} interleaved runs, 3 for the 7k/20k step)\n`)
print()
