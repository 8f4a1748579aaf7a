import {Args, Flags} from '@oclif/core'

import {type TokenVerdict, verifyToken} from '../../adapters/aws/sts.js'
import {badInput, ExitCode} from '../../core/errors.js'
import {redactToken} from '../../core/identity/token.js'
import {BaseCommand} from '../../base-command.js'
import {paint} from '../../render/colors.js'

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

export default class TokenVerify extends BaseCommand<typeof TokenVerify> {
  static override summary = 'Check an EKS token the way aws-iam-authenticator does, and say why it would be rejected.'
  static override description = `Runs every format check of the authenticator's Verify in its order (size, prefix, base64url, URL, https, STS
host of a known partition, path, query whitelist, action, signed x-k8s-aws-id, X-Amz-Expires, X-Amz-Date, 15-minute
lifetime from X-Amz-Date whatever X-Amz-Expires says). The first failure is reported as one reason keyword.
--verify-signature recomputes the SigV4 signature for --cluster-id with your local credentials; this is only possible
when they are the ones that signed (same access key id), otherwise it says so and the token stays valid.
--sts replays the presigned URL to STS, as the server would, and reports the caller ARN.
Exit 0 when the token passes, ${ExitCode.CHECK_FAILED} when it does not (also with --json; any string, even one that is not a token at all, gets a
reason keyword), ${ExitCode.BAD_INPUT} when there is nothing to check (empty input) or --at is not RFC 3339. The token is never printed whole.`

  static override examples = [
    '<%= config.bin %> token verify "$TOKEN" --cluster-id prod',
    '<%= config.bin %> token --cluster-name prod | <%= config.bin %> token verify - --cluster-id prod --verify-signature --json',
    '<%= config.bin %> token verify "$TOKEN" --cluster-id prod --at 2026-01-01T12:00:00Z',
  ]

  static override args = {
    token: Args.string({description: 'The token (k8s-aws-v1.…), or - to read it, or a whole ExecCredential, from stdin.', required: true}),
  }

  static override flags = {
    'cluster-id': Flags.string({description: 'Cluster name the token must be for (the server\'s --cluster-id).', helpValue: 'NAME', required: true}),
    at: Flags.string({description: 'Evaluate expiry at this instant (RFC 3339) instead of now.', helpValue: 'TIME'}),
    'verify-signature': Flags.boolean({default: false, description: 'Recompute the SigV4 signature with the local credentials.'}),
    sts: Flags.boolean({default: false, description: 'Replay the presigned URL to STS and report who signed it.'}),
  }

  async run(): Promise<TokenVerdict> {
    const f = this.flags
    const token = this.args.token === '-' ? tokenFromStdin(await readStdin()) : this.args.token
    if (token === '') throw badInput('no token given (empty input)', 'E_BAD_INPUT', ['pass the token, or - with the token on stdin'])
    let now: Date | undefined
    if (f.at !== undefined) {
      now = RFC3339.test(f.at) ? new Date(f.at) : undefined
      if (!now || Number.isNaN(now.getTime())) throw badInput(`--at "${f.at}" is not an RFC 3339 time`, 'E_BAD_INPUT', ['e.g. --at 2026-01-01T12:00:00Z'])
    }
    const verdict = await verifyToken(token, {clusterId: f['cluster-id'], now, signature: f['verify-signature'], sts: f.sts})
    this.out(render(verdict, token))
    if (!verdict.valid) process.exitCode = ExitCode.CHECK_FAILED
    return verdict
  }
}

function render(v: TokenVerdict, token: string): string {
  const c = paint()
  const who = v.callerArn ? ` by ${v.callerArn}` : v.accessKeyId ? ` by key ${v.accessKeyId}` : ''
  if (v.valid) {
    return `${c.green('✓ valid')} ${redactToken(token)}${who}, ${v.stsHost}, signed ${v.signedAt}\n  ${v.message}`
  }
  return `${c.red(`✗ invalid (${v.reason})`)} ${redactToken(token)}${who}\n  ${v.message}`
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}

/** stdin may hold the bare token or the ExecCredential that `eksauth token` / `aws eks get-token` print. */
function tokenFromStdin(text: string): string {
  const t = text.trim()
  if (t.startsWith('{')) {
    try {
      const j = JSON.parse(t) as {status?: {token?: unknown}}
      if (typeof j.status?.token === 'string') return j.status.token
    } catch {
      // not JSON: check it as it is
    }
  }
  return t
}
