// 20 concurrent `eksauth map-user` processes against the project's test API server with injected latency: total time
// and write attempts per writer. Prints one JSON object.
import {spawn} from 'node:child_process'
import {mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {DEFAULT_RETRY} from '../src/services/edit-aws-auth.js'
import {startApiServer} from '../test/support/k8s-api-server.js'

const WRITERS = 20
const LATENCY_MS = 20
const ROOT = join(import.meta.dirname, '..')
const TOKEN = 'bench-admin-token-0123456789'

function run(args: string[], env: Record<string, string>): Promise<{code: number; stdout: string; stderr: string}> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run.js'), ...args], {env: {...process.env, ...env}, stdio: ['ignore', 'pipe', 'pipe']})
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d) => (stdout += d))
    child.stderr.on('data', (d) => (stderr += d))
    child.on('close', (code) => resolve({code: code ?? -1, stderr, stdout}))
  })
}

const home = mkdtempSync(join(tmpdir(), 'eksauth-bench-conc-'))
const srv = await startApiServer({
  seed: {configMaps: [{data: {mapRoles: '- rolearn: arn:aws:iam::111122223333:role/nodes\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n  - system:bootstrappers\n  - system:nodes\n'}}]},
  users: {[TOKEN]: {groups: ['system:masters'], username: 'admin'}},
})
try {
  const kubeconfig = srv.kubeconfig()
  srv.faults.latency(LATENCY_MS)
  // the caller lookup of the lock-out guard goes to a dead port and fails fast, as in the e2e test
  const env = {AWS_EC2_METADATA_DISABLED: 'true', AWS_ENDPOINT_URL: 'http://127.0.0.1:9', HOME: home, NO_COLOR: '1', XDG_STATE_HOME: join(home, 'state')}
  const t0 = performance.now()
  const runs = await Promise.all(
    Array.from({length: WRITERS}, (_, i) =>
      run(['map-user', '--arn', `arn:aws:iam::111122223333:user/bench${i}`, '--username', `bench${i}`, '--group', 'team', '--kubeconfig', kubeconfig, '--no-verify-iam', '--yes', '--json'], env),
    ),
  )
  const totalMs = performance.now() - t0
  const attempts = runs.map((r) => (r.code === 0 ? (JSON.parse(r.stdout) as {attempts: number}).attempts : Number.NaN))
  const retries = attempts.map((a) => a - 1).sort((a, b) => a - b)
  console.log(
    JSON.stringify({
      bound: DEFAULT_RETRY.attempts,
      latencyMs: LATENCY_MS,
      maxRetries: Math.max(...retries),
      medianRetries: retries[Math.floor(retries.length / 2)],
      ok: runs.filter((r) => r.code === 0).length,
      totalMs,
      writers: WRITERS,
    }),
  )
} finally {
  await srv.stop()
  rmSync(home, {force: true, recursive: true})
}
