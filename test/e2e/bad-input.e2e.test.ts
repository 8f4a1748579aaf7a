/**
 * The bad-input corpus (issue #7, part 2): one test per case of test/fixtures/bad/cases.json, run in-process through
 * oclif (the same command classes, flags and error handling as the built CLI, without a process per case). Each case:
 * the expected non-zero exit, a one-line message that names the fix, no stack trace, and nothing written: every input
 * file byte-identical afterwards, no new file next to it, no backup, no cache.
 *
 * Placeholders in args: {AWS_AUTH} a private copy of files/aws-auth.yaml, {F:name} a private copy of files/name,
 * {BIG} a 17 MiB aws-auth made on the fly, {DIR} the case's temp dir, {MINTED} a well-formed token signed with a
 * secret other than the one in the case's environment.
 */
import {copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'

import {run} from '@oclif/core'
import {captureOutput} from '@oclif/test'
import {afterAll, describe, expect, it} from 'vitest'

import {mintIndependent} from '../fixtures/tokens/sigv4.js'
import {ROOT} from '../support/run-command.js'

interface BadCase {
  name: string
  args: string[]
  expectExit: number
  expectMessage: string
  env?: Record<string, string>
}

const BAD = join(ROOT, 'test', 'fixtures', 'bad')
const FILES = join(BAD, 'files')
const CASES = JSON.parse(readFileSync(join(BAD, 'cases.json'), 'utf8')) as BadCase[]
const tmp = mkdtempSync(join(tmpdir(), 'eksauth-bad-'))
afterAll(() => rmSync(tmp, {force: true, recursive: true}))

const BIG = join(tmp, 'big-aws-auth.yaml')
{
  const entry = '    - rolearn: arn:aws:iam::111122223333:role/r\n      username: r\n      groups: [g]\n'
  const head = 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapRoles: |\n'
  writeFileSync(BIG, head + entry.repeat(Math.ceil((17 * 1024 * 1024) / entry.length)))
}
const BIG_BYTES = readFileSync(BIG)

const MINTED = mintIndependent({
  accessKeyId: 'AKIAIOSFODNN7EXAMPLE',
  clusterId: 'prod',
  date: new Date('2026-01-01T00:00:00Z'),
  host: 'sts.us-east-1.amazonaws.com',
  region: 'us-east-1',
  secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
})

/** Environment of every case: no real profile, no IMDS, private state and cache dirs. */
function caseEnv(dir: string, extra: Record<string, string> = {}): Record<string, string | undefined> {
  return {
    AWS_ACCESS_KEY_ID: undefined,
    AWS_CONFIG_FILE: join(dir, 'no-aws-config'),
    AWS_EC2_METADATA_DISABLED: 'true',
    AWS_ENDPOINT_URL: 'http://127.0.0.1:9',
    AWS_PROFILE: undefined,
    AWS_SECRET_ACCESS_KEY: undefined,
    AWS_SESSION_TOKEN: undefined,
    AWS_SHARED_CREDENTIALS_FILE: join(dir, 'no-aws-credentials'),
    KUBECONFIG: join(dir, 'no-kubeconfig'),
    NO_COLOR: '1',
    XDG_CACHE_HOME: join(dir, 'cache'),
    XDG_STATE_HOME: join(dir, 'state'),
    ...extra,
  }
}

async function withEnv<T>(env: Record<string, string | undefined>, fn: () => Promise<T>): Promise<T> {
  const saved: Record<string, string | undefined> = {}
  for (const [k, v] of Object.entries(env)) {
    saved[k] = process.env[k]
    if (v === undefined) delete process.env[k]
    else process.env[k] = v
  }
  try {
    return await fn()
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k]
      else process.env[k] = v
    }
  }
}

/**
 * oclif's run() with argv exactly as given. (@oclif/test's runCommand joins the array and re-splits it on spaces, so
 * it cannot pass '', 'a b' or a leading space: the very values this corpus is about.)
 */
async function runCase(args: string[], env: Record<string, string | undefined>) {
  process.exitCode = undefined
  const r = await withEnv(env, () => captureOutput(() => run(args, {root: ROOT})))
  const err = r.error as (Error & {oclif?: {exit?: number}}) | undefined
  const exit = err?.oclif?.exit ?? (typeof process.exitCode === 'number' ? process.exitCode : err ? 1 : 0)
  process.exitCode = undefined
  return {error: err, exit, stderr: r.stderr, stdout: r.stdout}
}

const STACK = /^\s+at .+(:\d+:\d+\)?|\(native\))$/m

describe('bad input corpus (test/fixtures/bad/cases.json)', () => {
  it('has at least 60 cases, each with a unique name', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(60)
    expect(new Set(CASES.map((c) => c.name)).size).toBe(CASES.length)
  })

  for (const c of CASES) {
    it(c.name, async () => {
      const dir = mkdtempSync(join(tmp, 'case-'))
      const copies = new Map<string, Buffer>()
      const copyOf = (name: string): string => {
        const p = join(dir, name)
        if (!copies.has(p)) {
          copyFileSync(join(FILES, name), p)
          copies.set(p, readFileSync(p))
        }
        return p
      }
      const args = c.args.map((a) =>
        a
          .replace('{AWS_AUTH}', () => copyOf('aws-auth.yaml'))
          .replace(/\{F:([^}]+)\}/, (_, name: string) => copyOf(name))
          .replace('{BIG}', BIG)
          .replace('{DIR}', dir)
          .replace('{MINTED}', MINTED),
      )
      const before = readdirSync(dir).sort()
      const r = await runCase(args, caseEnv(dir, c.env))
      const message = r.error?.message ?? ''
      const all = [message, r.stderr, r.stdout].join('\n')

      expect(r.exit, all).toBe(c.expectExit)
      expect(r.exit).not.toBe(0)
      expect(r.exit, `exit 1 means an internal error: ${all}`).not.toBe(1)
      expect(all).toMatch(new RegExp(c.expectMessage, 's'))
      // one line, no stack trace
      if (r.error) expect(message.trim().split('\n'), message).toHaveLength(1)
      expect(all).not.toMatch(STACK)
      expect(all).not.toMatch(/internal error/)
      // nothing written: inputs byte-identical, no new file next to them (lock, temp), no backup, no cache
      for (const [p, bytes] of copies) expect(readFileSync(p).equals(bytes), `${p} changed`).toBe(true)
      expect(readdirSync(dir).sort()).toEqual(before)
      expect(readFileSync(BIG).length).toBe(BIG_BYTES.length)
    })
  }
})

describe('the corpus files themselves', () => {
  it('every file under files/ is used by at least one case', () => {
    const used = new Set(CASES.flatMap((c) => c.args.flatMap((a) => [...a.matchAll(/\{F:([^}]+)\}/g)].map((m) => m[1]!))))
    used.add('aws-auth.yaml')
    for (const f of readdirSync(FILES)) expect(used, f).toContain(f)
  })

  it('the write target itself is a valid aws-auth the commands accept (so every rejection above is about the bad input)', async () => {
    const dir = mkdtempSync(join(tmp, 'ok-'))
    mkdirSync(join(dir, 'x'))
    const p = join(dir, 'x', 'aws-auth.yaml')
    copyFileSync(join(FILES, 'aws-auth.yaml'), p)
    const r = await runCase(['map-role', '--arn', 'arn:aws:iam::111122223333:role/Dev', '--group', 'developers', '--file', p, '--dry-run', '--no-verify-iam'], caseEnv(dir))
    expect(r.exit, `${r.error?.message} ${r.stderr}`).toBe(0)
  })
})
