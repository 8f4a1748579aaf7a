/** Kubeconfig files pointing at the fake API server, and a tiny exec credential plugin for "exec" users. */
import {appendFileSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

export interface ExecSpec {
  command: string
  args?: string[]
  env?: Record<string, string>
  apiVersion?: string
}

export interface ContextSpec {
  /** context name; the kubeconfig user entry gets the same name */
  name: string
  /** static bearer token */
  token?: string
  /** exec credential plugin instead of a token */
  exec?: ExecSpec
  namespace?: string
}

export interface KubeconfigOptions {
  /** default: one context per server user, named after the username, with its token */
  contexts?: ContextSpec[]
  /** default: the first context */
  currentContext?: string | null
  /** default `test-cluster` */
  clusterName?: string
  /** default the server's own URL (point it elsewhere to test unreachable servers) */
  server?: string
  /** default: certificate-authority-data of the server's CA; `false` writes insecure-skip-tls-verify instead */
  caData?: string | false
  /** where to write it; default a new file in the server's temp dir */
  path?: string
}

export function kubeconfigObject(server: string, caData: string, o: Required<Pick<KubeconfigOptions, 'contexts'>> & KubeconfigOptions): unknown {
  const cluster = o.clusterName ?? 'test-cluster'
  const ca = o.caData === undefined ? caData : o.caData
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name: cluster,
        cluster: {server: o.server ?? server, ...(ca === false ? {'insecure-skip-tls-verify': true} : {'certificate-authority-data': ca})},
      },
    ],
    contexts: o.contexts.map((c) => ({name: c.name, context: {cluster, user: c.name, ...(c.namespace ? {namespace: c.namespace} : {})}})),
    users: o.contexts.map((c) => ({
      name: c.name,
      user: c.exec
        ? {
            exec: {
              apiVersion: c.exec.apiVersion ?? 'client.authentication.k8s.io/v1beta1',
              command: c.exec.command,
              args: c.exec.args ?? [],
              env: Object.entries(c.exec.env ?? {}).map(([name, value]) => ({name, value})),
              interactiveMode: 'Never',
              provideClusterInfo: false,
            },
          }
        : c.token === undefined
          ? {}
          : {token: c.token},
    })),
    'current-context': o.currentContext === undefined ? (o.contexts[0]?.name ?? '') : (o.currentContext ?? ''),
  }
}

/**
 * Writes a node script that prints an ExecCredential with `token` (what `aws eks get-token` does) and appends one line
 * to `<dir>/exec-calls.log` per run. Returns the exec spec for a kubeconfig user.
 */
export function writeExecPlugin(dir: string, token: string, opts: {expiresInSeconds?: number; fail?: string} = {}): ExecSpec & {callsLog: string} {
  const script = join(dir, `exec-plugin-${Math.random().toString(36).slice(2)}.mjs`)
  const callsLog = join(dir, 'exec-calls.log')
  writeFileSync(
    script,
    [
      "import {appendFileSync} from 'node:fs'",
      'appendFileSync(process.env.EKSAUTH_TEST_EXEC_LOG, `${process.env.EKSAUTH_TEST_EXEC_NAME}\\n`)',
      "if (process.env.EKSAUTH_TEST_EXEC_FAIL) { process.stderr.write(process.env.EKSAUTH_TEST_EXEC_FAIL + '\\n'); process.exit(1) }",
      `const expirationTimestamp = new Date(Date.now() + ${(opts.expiresInSeconds ?? 900) * 1000}).toISOString()`,
      "process.stdout.write(JSON.stringify({apiVersion: 'client.authentication.k8s.io/v1beta1', kind: 'ExecCredential', status: {token: process.env.EKSAUTH_TEST_TOKEN, expirationTimestamp}}))",
      '',
    ].join('\n'),
  )
  appendFileSync(callsLog, '')
  return {
    command: process.execPath,
    args: [script],
    env: {
      EKSAUTH_TEST_TOKEN: token,
      EKSAUTH_TEST_EXEC_LOG: callsLog,
      EKSAUTH_TEST_EXEC_NAME: 'exec',
      ...(opts.fail ? {EKSAUTH_TEST_EXEC_FAIL: opts.fail} : {}),
    },
    callsLog,
  }
}
