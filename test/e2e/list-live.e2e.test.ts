/** `eksauth list` reads the live cluster by default (issue #3 item 9), with the same output as --file. */
import {readFileSync, writeFileSync, mkdtempSync, rmSync} from 'node:fs'
import {tmpdir} from 'node:os'
import {join} from 'node:path'
import {afterAll, beforeAll, describe, expect, it} from 'vitest'

import {readAwsAuthFile} from '../../src/core/aws-auth/configmap.js'
import {ROOT, runCli, runCliJson} from '../support/cli.js'
import {type ApiServer, requireOpenssl, startApiServer} from '../support/k8s-api-server.js'

const FIXTURE = join(ROOT, 'test', 'fixtures', 'aws-auth', 'risky.yaml')
let srv: ApiServer
let kubeconfig: string
let tmp: string

beforeAll(async () => {
  requireOpenssl()
  tmp = mkdtempSync(join(tmpdir(), 'eksauth-list-live-'))
  const data = readAwsAuthFile(readFileSync(FIXTURE, 'utf8'), 'risky').data
  srv = await startApiServer({
    seed: {configMaps: [{data}]},
    users: {'tok-reader-0123456789': {groups: ['readers'], username: 'reader'}, 'tok-nobody-0123456789': {groups: [], username: 'nobody'}},
    authorize: (a) => a.user.username === 'reader',
  })
  kubeconfig = srv.kubeconfig()
}, 60_000)
afterAll(async () => {
  await srv?.stop()
  rmSync(tmp, {force: true, recursive: true})
})

describe('list (live)', () => {
  it('reads kube-system/aws-auth of the context and gives the same rows as --file', async () => {
    const live = await runCliJson(['list', '--kubeconfig', kubeconfig, '--context', 'reader'])
    const file = await runCliJson(['list', '--file', FIXTURE])
    expect(live.code).toBe(0)
    // the same rows; only file line numbers are absent for a live read
    const strip = (rows: {line?: number; notes: string[]}[]) => rows.map(({line: _line, ...r}) => ({...r, notes: r.notes.map((n) => n.replace(/ \(line \d+\)/, ''))}))
    expect(strip(live.json.rows)).toEqual(strip(file.json.rows))
    expect(live.json.source).toContain('kube-system/aws-auth')
  })
  it('a context without permission exits 6 and names the missing permission', async () => {
    const r = await runCli(['list', '--kubeconfig', kubeconfig, '--context', 'nobody'])
    expect(r.code).toBe(6)
    expect(r.stderr).toContain('"get" on configmaps "aws-auth"')
  })
  it('an unknown context exits 8 and lists the contexts', async () => {
    const r = await runCli(['list', '--kubeconfig', kubeconfig, '--context', 'nope'])
    expect(r.code).toBe(8)
    expect(r.stderr).toMatch(/reader/)
  })
  it('no kubeconfig at all exits non-zero with a one-line reason', async () => {
    const empty = join(tmp, 'missing-kubeconfig')
    writeFileSync(join(tmp, 'note'), '')
    const r = await runCli(['list'], {env: {HOME: tmp, KUBECONFIG: empty}})
    expect(r.code).toBe(8)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })
})
