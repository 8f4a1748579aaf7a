/**
 * Starts `moto_server` (Python moto) on a free loopback port for tests that talk to IAM, STS or EKS.
 * A missing moto_server is a loud failure, never a skip.
 */
import {type ChildProcess, spawn, spawnSync} from 'node:child_process'
import {createServer} from 'node:net'

export interface Moto {
  endpoint: string
  port: number
  reset(): Promise<void>
  stop(): Promise<void>
  /** Environment for a child process (the built CLI or the AWS CLI) pointed at this moto. */
  env: Record<string, string>
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      srv.close(() => resolve(port))
    })
  })
}

export async function startMoto(): Promise<Moto> {
  const which = spawnSync('sh', ['-c', 'command -v moto_server'], {encoding: 'utf8'})
  if (which.status !== 0) {
    throw new Error('moto_server is not installed: `pip install "moto[server]"` (these tests need a real AWS peer)')
  }
  const port = await freePort()
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {stdio: ['ignore', 'ignore', 'pipe']})
  let stderr = ''
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()))
  const endpoint = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`moto_server exited early: ${stderr.slice(-500)}`)
    try {
      const res = await fetch(`${endpoint}/moto-api/`)
      if (res.ok) break
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`moto_server did not start within 30 s: ${stderr.slice(-500)}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    endpoint,
    env: {
      AWS_ACCESS_KEY_ID: 'AKIAIOSFODNN7EXAMPLE',
      AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      AWS_DEFAULT_REGION: 'us-east-1',
      AWS_REGION: 'us-east-1',
      AWS_ENDPOINT_URL: endpoint,
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
    port,
    async reset() {
      await fetch(`${endpoint}/moto-api/reset`, {method: 'POST'})
    },
    async stop() {
      if (child.exitCode !== null) return
      const done = new Promise((r) => child.once('exit', r))
      child.kill('SIGTERM')
      await done
    },
  }
}
