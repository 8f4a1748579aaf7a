/** Talking to the fake API server from tests: raw HTTPS requests, and the installed kubectl (never a silent skip). */
import {execFile, spawnSync} from 'node:child_process'
import {request} from 'node:https'

export interface RawResponse {
  status: number
  headers: Record<string, string | string[] | undefined>
  text: string
  /** the parsed body when it was JSON */
  json?: any
}

/** One HTTPS request to `url + path` trusting `caPem`; `body` objects are sent as JSON. */
export function apiRequest(
  srv: {url: string; caPem: string},
  method: string,
  path: string,
  opts: {token?: string; body?: unknown; contentType?: string} = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const body = opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body)
    const headers: Record<string, string> = {Accept: 'application/json'}
    if (opts.token !== undefined) headers.Authorization = `Bearer ${opts.token}`
    if (body !== undefined) {
      headers['Content-Type'] = opts.contentType ?? 'application/json'
      headers['Content-Length'] = String(Buffer.byteLength(body))
    }
    const req = request(new URL(path, srv.url), {method, headers, ca: srv.caPem, agent: false}, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let json: unknown
        try {
          json = JSON.parse(text)
        } catch {
          json = undefined
        }
        resolve({status: res.statusCode ?? 0, headers: res.headers, text, json})
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(body)
  })
}

/** Throws (the test fails) when kubectl is not on PATH. */
export function requireKubectl(): string {
  const r = spawnSync('kubectl', ['version', '--client', '-o', 'json'], {encoding: 'utf8'})
  if (r.error || r.status !== 0) {
    throw new Error(`kubectl is not installed or does not run (${r.error?.message ?? r.stderr}): these tests need the real kubectl`)
  }
  return (JSON.parse(r.stdout) as {clientVersion: {gitVersion: string}}).clientVersion.gitVersion
}

export interface KubectlResult {
  code: number
  stdout: string
  stderr: string
}

/**
 * Runs kubectl asynchronously (the fake server lives in this process: a synchronous spawn would starve it).
 * HOME points at `home` so no user cache or config leaks in.
 */
export function kubectl(args: string[], opts: {kubeconfig: string; home: string; timeoutMs?: number}): Promise<KubectlResult> {
  return new Promise((resolve) => {
    execFile(
      'kubectl',
      ['--kubeconfig', opts.kubeconfig, ...args],
      {
        env: {PATH: process.env.PATH ?? '', HOME: opts.home, KUBECACHEDIR: `${opts.home}/.kube/cache`},
        timeout: opts.timeoutMs ?? 30_000,
        encoding: 'utf8',
      },
      (err, stdout, stderr) => {
        const code = err ? (typeof (err as {code?: unknown}).code === 'number' ? ((err as {code: number}).code) : -1) : 0
        resolve({code, stdout, stderr})
      },
    )
  })
}
