/**
 * One connection to the cluster of a kubeconfig context: API clients with a per-request timeout, bounded retries of
 * transient failures, and the translation of every failure into an EksauthError (or ConflictError) with one line that
 * says what went wrong where. Tokens never appear in a message: only the context, the server and the object do.
 */
import type {CoreV1Api, RbacAuthorizationV1Api, AuthenticationV1Api} from '@kubernetes/client-node'

import {EksauthError, ExitCode} from '../../core/errors.js'
import {ConflictError} from '../../core/ports.js'
import {type KubeconfigDescription, type KubeconfigSelection, type LoadedKubeconfig, firstLine, loadK8s, loadKubeconfig} from './kubeconfig.js'

export interface ClusterOptions extends KubeconfigSelection {
  /** per request, default 30 000 ms: a hung API server must not hang the CLI */
  timeoutMs?: number
  /** retries of 429, 5xx and reset/refused connections, default 2 (writes are conditional, so retrying them is safe) */
  retries?: number
  /** first backoff, doubled each retry, default 300 ms; a Retry-After header wins (up to maxRetryAfterMs) */
  retryBaseMs?: number
  maxRetryAfterMs?: number
  /** told about every retry before its wait (stderr notices: retries must be visible) */
  onRetry?: (message: string) => void
}

/** What a call does, for the messages: `update` on configmaps "aws-auth" in kube-system. */
export interface Operation {
  verb: string
  resource: string
  group?: string
  namespace?: string
  name?: string
  /** true for lists across all namespaces */
  allNamespaces?: boolean
}

/** metav1.Status, as far as we read it */
export interface K8sStatus {
  kind?: string
  message?: string
  reason?: string
  code?: number
  details?: {name?: string; group?: string; kind?: string; retryAfterSeconds?: number}
}

interface ApiLike {
  code: number
  body: unknown
  headers: Record<string, string>
}

const RETRY_STATUS = new Set([429, 500, 502, 503, 504])
const RETRY_NET = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'ECONNABORTED', 'EHOSTUNREACH', 'ENETUNREACH'])
const TLS_CODES = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|ERR_SSL|EPROTO/

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export const objectText = (op: Operation): string => {
  const res = op.group ? `${op.resource}.${op.group}` : op.resource
  const what = op.name === undefined ? res : `${res} "${op.name}"`
  if (op.namespace) return `${what} in ${op.namespace}`
  return op.allNamespaces ? `${what} in all namespaces` : `${what} (cluster-wide)`
}

export class Cluster {
  readonly description: KubeconfigDescription
  private readonly loaded: LoadedKubeconfig
  private readonly timeoutMs: number
  private readonly retries: number
  private readonly retryBaseMs: number
  private readonly maxRetryAfterMs: number
  private readonly onRetry?: (message: string) => void
  private readonly clients = new Map<unknown, unknown>()

  private constructor(loaded: LoadedKubeconfig, opts: ClusterOptions) {
    this.loaded = loaded
    this.description = loaded.description
    this.timeoutMs = opts.timeoutMs ?? 30_000
    this.retries = opts.retries ?? 2
    this.retryBaseMs = opts.retryBaseMs ?? 300
    this.maxRetryAfterMs = opts.maxRetryAfterMs ?? 5_000
    this.onRetry = opts.onRetry
  }

  /** Loads the kubeconfig (and client-node); nothing is sent to the cluster yet. */
  static async connect(opts: ClusterOptions = {}): Promise<Cluster> {
    return new Cluster(await loadKubeconfig(opts), opts)
  }

  /** `cluster prod (context prod-admin)` */
  describe(): string {
    return `cluster ${this.description.clusterName} (context ${this.description.context})`
  }

  async core(): Promise<CoreV1Api> {
    const k8s = await loadK8s()
    return this.client(k8s.CoreV1Api)
  }

  async rbac(): Promise<RbacAuthorizationV1Api> {
    const k8s = await loadK8s()
    return this.client(k8s.RbacAuthorizationV1Api)
  }

  async authentication(): Promise<AuthenticationV1Api> {
    const k8s = await loadK8s()
    return this.client(k8s.AuthenticationV1Api)
  }

  private async client<T>(ctor: new (config: any) => T): Promise<T> {
    const cached = this.clients.get(ctor)
    if (cached) return cached as T
    const k8s = await loadK8s()
    const timeoutMs = this.timeoutMs
    const config = k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration(this.description.server, {}),
      authMethods: {default: this.loaded.kc},
      promiseMiddleware: [
        {
          pre: async (ctx) => {
            ctx.setSignal(AbortSignal.timeout(timeoutMs))
            return ctx
          },
          post: async (res) => res,
        },
      ],
    })
    const api = new ctor(config)
    this.clients.set(ctor, api)
    return api
  }

  /**
   * Runs `fn` with retries of transient failures. `onStatus` may turn an HTTP status into a result ({value}) or its
   * own error (404 on read, 409 on write); everything else becomes an EksauthError.
   */
  async call<T>(
    op: Operation,
    fn: () => Promise<T>,
    onStatus?: (code: number, status: K8sStatus) => {value: T} | Error | undefined,
  ): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await fn()
      } catch (e) {
        const api = await asApiException(e)
        if (api && onStatus) {
          const handled = onStatus(api.code, parseStatus(api.body))
          if (handled instanceof Error) throw handled
          if (handled !== undefined) return handled.value
        }
        const wait = attempt < this.retries ? this.retryDelay(e, api, attempt) : undefined
        if (wait === undefined) throw this.translate(e, op, api)
        const why = api ? `${api.code} ${parseStatus(api.body).reason ?? ''}`.trim() : (netCode(e) ?? 'network error')
        this.onRetry?.(`${op.verb} ${objectText(op)}: ${why} from ${this.description.server}; retrying in ${Math.round(wait)} ms (retry ${attempt + 1} of ${this.retries})`)
        await sleep(wait)
      }
    }
  }

  private retryDelay(e: unknown, api: ApiLike | undefined, attempt: number): number | undefined {
    const backoff = this.retryBaseMs * 2 ** attempt * (0.75 + Math.random() * 0.5)
    if (api) {
      if (!RETRY_STATUS.has(api.code)) return undefined
      const header = Number(api.headers['retry-after'] ?? api.headers['Retry-After'])
      return Number.isFinite(header) && header > 0 ? Math.min(header * 1000, this.maxRetryAfterMs) : backoff
    }
    const code = netCode(e)
    return code && RETRY_NET.has(code) ? backoff : undefined
  }

  /** The one place a cluster failure becomes a user-facing error. */
  translate(e: unknown, op: Operation, api?: ApiLike): Error {
    if (e instanceof EksauthError || e instanceof ConflictError) return e
    const d = this.description
    const where = `${d.server} (context ${d.context})`
    if (api) {
      const status = parseStatus(api.body)
      const message = status.message ?? ''
      const details = {status: api.code, reason: status.reason, message}
      switch (api.code) {
        case 401:
          return new EksauthError(`the cluster rejected the credentials of context ${d.context}: run \`eksauth whoami\``, {
            code: 'E_K8S_UNAUTHORIZED',
            exit: ExitCode.NOT_AUTHORIZED,
            details,
            suggestions: d.exec
              ? [`check that \`${[d.exec.command, ...d.exec.args].join(' ')}\` returns a token for the right AWS identity`]
              : ['the token of this kubeconfig user may have expired'],
          })
        case 403: {
          const user = /User "([^"]*)"/.exec(message)?.[1]
          const who = user ? `user "${user}"` : 'the caller'
          return new EksauthError(`forbidden: ${who} (context ${d.context}) needs "${op.verb}" on ${objectText(op)}`, {
            code: 'E_K8S_FORBIDDEN',
            exit: ExitCode.NOT_AUTHORIZED,
            details,
            suggestions: ['grant it with RBAC, or use a context whose identity has it (aws-auth admins are usually in system:masters)'],
          })
        }
        case 404:
          if (status.details?.kind === 'namespaces' && status.details.name) {
            return new EksauthError(`namespace ${status.details.name} does not exist on ${where}`, {
              code: 'E_K8S_NOT_FOUND',
              exit: ExitCode.NOT_FOUND,
              details,
            })
          }
          return new EksauthError(`${objectText(op)} not found on ${where}${message ? `: ${message}` : ''}`, {
            code: 'E_K8S_NOT_FOUND',
            exit: ExitCode.NOT_FOUND,
            details,
          })
        case 409:
          return new ConflictError(message || undefined)
        case 400:
        case 422:
          return new EksauthError(`the cluster refused to ${op.verb} ${objectText(op)}: ${message || status.reason || api.code}`, {
            code: 'E_K8S_INVALID',
            exit: ExitCode.BAD_INPUT,
            details,
          })
        default:
          if (api.code === 429 || api.code >= 500) {
            return new EksauthError(
              `the API server ${where} failed to ${op.verb} ${objectText(op)}: ${api.code} ${status.reason ?? ''}${message ? `: ${message}` : ''}`.replace(/ +:/, ':'),
              {code: 'E_K8S_UNAVAILABLE', exit: ExitCode.UNAVAILABLE, details},
            )
          }
          return new EksauthError(`unexpected answer ${api.code} from ${where} to ${op.verb} ${objectText(op)}: ${message || status.reason || ''}`, {
            code: 'E_K8S_UNEXPECTED',
            exit: ExitCode.INTERNAL,
            details,
          })
      }
    }
    const err = e as {name?: string; message?: string; code?: string; type?: string; syscall?: string}
    if (err?.name === 'AbortError' || err?.type === 'aborted') {
      return new EksauthError(`the API server ${where} did not answer within ${this.timeoutMs >= 1000 ? `${Math.round(this.timeoutMs / 1000)} s` : `${this.timeoutMs} ms`}`, {
        code: 'E_K8S_TIMEOUT',
        exit: ExitCode.UNAVAILABLE,
      })
    }
    const code = netCode(e)
    if (err?.name === 'FetchError' || (code && !err?.syscall?.startsWith('spawn'))) {
      if (code && TLS_CODES.test(code)) {
        return new EksauthError(`TLS verification of ${where} failed (${code}): check certificate-authority-data of cluster ${d.cluster}`, {
          code: 'E_K8S_TLS',
          exit: ExitCode.UNAVAILABLE,
        })
      }
      const what: Record<string, string> = {
        ECONNREFUSED: 'connection refused',
        ECONNRESET: 'the connection was reset',
        ENOTFOUND: 'host not found',
        EAI_AGAIN: 'DNS lookup failed',
        ETIMEDOUT: 'connection timed out',
        EHOSTUNREACH: 'host unreachable',
        ENETUNREACH: 'network unreachable',
      }
      const reason = (code && what[code]) || firstLine(err?.message ?? String(e))
      return new EksauthError(`cannot reach the API server ${where}: ${reason}`, {code: 'E_K8S_UNAVAILABLE', exit: ExitCode.UNAVAILABLE})
    }
    if (/HTTP protocol is not allowed/.test(err?.message ?? '')) {
      return new EksauthError(`cluster ${d.cluster} uses plain http:// (${d.server}) without insecure-skip-tls-verify`, {
        code: 'E_KUBECONFIG_INVALID',
        exit: ExitCode.BAD_INPUT,
      })
    }
    if (d.exec) {
      const cmd = [d.exec.command, ...d.exec.args].join(' ')
      const reason =
        err?.code === 'ENOENT' && err.syscall?.startsWith('spawn')
          ? `${d.exec.command} was not found on PATH`
          : firstLine(err?.message ?? String(e)) || 'it failed without a message'
      return new EksauthError(`the credential plugin of context ${d.context} (\`${cmd}\`) failed: ${reason}`, {
        code: 'E_K8S_CREDENTIALS',
        exit: ExitCode.NOT_AUTHORIZED,
      })
    }
    return e instanceof Error ? e : new Error(String(e))
  }
}

async function asApiException(e: unknown): Promise<ApiLike | undefined> {
  const k8s = await loadK8s()
  if (e instanceof k8s.ApiException) return {code: e.code, body: e.body, headers: (e.headers ?? {}) as Record<string, string>}
  return undefined
}

function netCode(e: unknown): string | undefined {
  const err = e as {code?: unknown; errno?: unknown; cause?: {code?: unknown}} | undefined
  const c = err?.code ?? err?.cause?.code ?? err?.errno
  return typeof c === 'string' ? c : undefined
}

/** ApiException.body is the Status object, its raw JSON text, or undefined (401). */
export function parseStatus(body: unknown): K8sStatus {
  if (body === undefined || body === null) return {}
  if (typeof body === 'string') {
    try {
      return parseStatus(JSON.parse(body))
    } catch {
      return {message: firstLine(body)}
    }
  }
  return typeof body === 'object' ? (body as K8sStatus) : {}
}
