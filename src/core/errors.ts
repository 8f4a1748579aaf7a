/**
 * The one exit-code table of eksauth. Every command exits with one of these, with and without --json.
 * README.md ("Exit codes") documents the same table; test/unit/errors.test.ts keeps the two in step.
 */
export const ExitCode = {
  /** Success, including "already mapped" no-ops and `simulate` answers that say "not authenticated". */
  OK: 0,
  /** An unexpected failure: a bug in eksauth. */
  INTERNAL: 1,
  /** Bad command line (unknown flag, missing argument): oclif's own code. */
  USAGE: 2,
  /** aws-auth changed under us on every try: the conflict retries ran out. */
  CONFLICT: 3,
  /** Bad input: a malformed ARN, name, file, ConfigMap, kubeconfig or token that cannot even be decoded. */
  BAD_INPUT: 4,
  /** `audit` found something at or above `--fail-on`. */
  FINDINGS: 5,
  /** Kubernetes or AWS said no: 401/403, AccessDenied, expired or missing credentials. */
  NOT_AUTHORIZED: 6,
  /** A safety guard refused the change (lock-out, unparseable section, caller's own access); `--force` overrides. */
  REFUSED: 7,
  /** Something named does not exist: IAM principal, mapping to unmap, kubeconfig context, ConfigMap. */
  NOT_FOUND: 8,
  /** The cluster or AWS could not be reached, timed out, or failed (5xx, connection reset) after retries. */
  UNAVAILABLE: 9,
  /** A check answered "no": `token verify` found the token invalid, `whoami` found the caller would be rejected. */
  CHECK_FAILED: 10,
} as const

export type ExitCodeName = keyof typeof ExitCode
export type ExitCodeValue = (typeof ExitCode)[ExitCodeName]

/** A failure the user can act on: one line that says what is wrong and what to do about it. */
export class EksauthError extends Error {
  readonly exit: ExitCodeValue
  readonly code: string
  readonly suggestions: string[]
  readonly details?: unknown

  constructor(
    message: string,
    opts: {code: string; details?: unknown; exit: ExitCodeValue; suggestions?: string[]},
  ) {
    super(message)
    this.name = 'EksauthError'
    this.exit = opts.exit
    this.code = opts.code
    this.suggestions = opts.suggestions ?? []
    this.details = opts.details
  }
}

export const badInput = (message: string, code = 'E_BAD_INPUT', suggestions?: string[]): EksauthError =>
  new EksauthError(message, {code, exit: ExitCode.BAD_INPUT, suggestions})
