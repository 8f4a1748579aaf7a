/**
 * Fault injection for the fake API server, settable while a test runs: latency, failing the next N (matching)
 * requests with a status, dropping the connection at a chosen point, and hooks that run before a matching request is
 * handled (to play "another writer").
 */

export interface RequestInfo {
  method: string
  /** URL path without the query */
  path: string
  query: Record<string, string>
  /** the authenticated username, when the token was known */
  user?: string
  /** the decoded JSON body, when there was one */
  body?: unknown
  contentType?: string
}

export interface Match {
  method?: string
  /** exact path, or a RegExp tested against the path */
  path?: string | RegExp
}

export const matches = (m: Match | undefined, req: {method: string; path: string}): boolean =>
  !m ||
  ((m.method === undefined || m.method.toUpperCase() === req.method) &&
    (m.path === undefined || (typeof m.path === 'string' ? m.path === req.path : m.path.test(req.path))))

export interface FailRule {
  kind: 'fail'
  match?: Match
  remaining: number
  status: number
  retryAfterSeconds?: number
  message?: string
}

/**
 * Where a dropped request dies: `before-body` as soon as it arrives, `after-body` once the request body was read,
 * `after-commit` after the write was applied but before the answer is sent (did my write land?).
 */
export type DropPoint = 'before-body' | 'after-body' | 'after-commit'

export interface DropRule {
  kind: 'drop'
  match?: Match
  remaining: number
  at: DropPoint
}

export interface Hook {
  match?: Match
  remaining: number
  run: (req: RequestInfo) => void | Promise<void>
}

export class Faults {
  /** extra delay before every request is handled, in ms (or a function of the request) */
  private latencyFn: (req: RequestInfo) => number = () => 0
  private rules: Array<FailRule | DropRule> = []
  private hooks: Hook[] = []

  /** Delay every request (or only matching ones) by `ms` before it is handled. 0 turns it off. */
  latency(ms: number, match?: Match): void {
    this.latencyFn = (req) => (matches(match, req) ? ms : 0)
  }

  /** Fail the next `count` (matching) requests with `status` (429 and 503 can carry Retry-After). */
  failNext(count: number, status: number, opts: {match?: Match; retryAfterSeconds?: number; message?: string} = {}): void {
    this.rules.push({kind: 'fail', match: opts.match, remaining: count, status, retryAfterSeconds: opts.retryAfterSeconds, message: opts.message})
  }

  /** Destroy the socket of the next `count` (matching) requests at `at` (default after-body). */
  dropNext(count: number, opts: {match?: Match; at?: DropPoint} = {}): void {
    this.rules.push({kind: 'drop', match: opts.match, remaining: count, at: opts.at ?? 'after-body'})
  }

  /**
   * Run `fn` before the next `times` (default 1, Infinity for always) matching requests are handled, after their body
   * was read: e.g. bump or delete aws-auth between an eksauth read and its write.
   */
  before(match: Match | undefined, fn: (req: RequestInfo) => void | Promise<void>, times = 1): void {
    this.hooks.push({match, remaining: times, run: fn})
  }

  /** Remove every fault and hook. */
  clear(): void {
    this.latencyFn = () => 0
    this.rules = []
    this.hooks = []
  }

  /** @internal */
  delayFor(req: RequestInfo): number {
    return this.latencyFn(req)
  }

  /** @internal the first rule that applies to this request, consumed */
  take(req: RequestInfo): FailRule | DropRule | undefined {
    const rule = this.rules.find((r) => r.remaining > 0 && matches(r.match, req))
    if (!rule) return undefined
    rule.remaining--
    this.rules = this.rules.filter((r) => r.remaining > 0)
    return rule
  }

  /** @internal */
  async runHooks(req: RequestInfo): Promise<void> {
    const due = this.hooks.filter((h) => h.remaining > 0 && matches(h.match, req))
    for (const h of due) {
      h.remaining--
      await h.run(req)
    }
    this.hooks = this.hooks.filter((h) => h.remaining > 0)
  }
}
