/** Runs the built CLI (bin/run.js, dist/, manifest) as a user would, in a child process. */
import {spawn} from 'node:child_process'
import {dirname, join} from 'node:path'
import {fileURLToPath} from 'node:url'

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
export const BIN = join(ROOT, 'bin', 'run.js')
export const SHARED_FIXTURES = join(ROOT, '..', 'shared', 'fixtures')

export interface CliResult {
  code: number
  stdout: string
  stderr: string
}

export async function runCli(
  args: string[],
  opts: {env?: Record<string, string | undefined>; input?: string; cwd?: string; timeoutMs?: number} = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: opts.cwd ?? ROOT,
      env: {...process.env, NO_COLOR: '1', AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', ...opts.env},
      stdio: ['pipe', 'pipe', 'pipe'],
    })
    let stdout = ''
    let stderr = ''
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()))
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()))
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(timer)
      resolve({code: code ?? -1, stderr, stdout})
    })
    child.stdin.end(opts.input ?? '')
  })
}

/** runCli + JSON.parse(stdout), for --json calls. */
export async function runCliJson<T = any>(args: string[], opts: Parameters<typeof runCli>[1] = {}): Promise<CliResult & {json: T}> {
  const res = await runCli([...args, '--json'], opts)
  let json: T
  try {
    json = JSON.parse(res.stdout) as T
  } catch {
    throw new Error(`not JSON (exit ${res.code}): ${res.stdout.slice(0, 500)} ${res.stderr.slice(0, 500)}`)
  }
  return {...res, json}
}
