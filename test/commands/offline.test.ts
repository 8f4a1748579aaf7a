import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {ROOT, run} from '../support/run-command.js'

const FIX = join(ROOT, 'test', 'fixtures', 'aws-auth')

describe('list --file', () => {
  it('prints one row per mapping with notes (risky fixture)', async () => {
    const {stdout, exit} = await run(['list', '--file', join(FIX, 'risky.yaml'), '--no-color'])
    expect(exit).toBe(0)
    expect(stdout).toContain('dead: STS session ARN never matches')
    expect(stdout).toContain('8 mapRoles, 1 mapUsers, 1 mapAccounts')
  })
  it('--json is the typed result', async () => {
    const {stdout} = await run(['list', '--file', join(FIX, 'kubectl-get-output.yaml'), '--json'])
    const json = JSON.parse(stdout)
    expect(json.summary).toEqual({effective: 3, mapAccounts: 0, mapRoles: 2, mapUsers: 1, withNotes: 0})
    expect(json.rows[0]).toMatchObject({arn: expect.stringContaining('NodeInstanceRole'), line: 6, section: 'mapRoles'})
  })
  it('--output yaml', async () => {
    const {stdout} = await run(['list', '--file', join(FIX, 'manifest.json'), '-o', 'yaml'])
    expect(stdout).toMatch(/^source: /)
    expect(stdout).toContain('section: mapUsers')
  })
  it('bad input: one line, exit 4, under --json too', async () => {
    const human = await run(['list', '--file', join(FIX, 'missing.yaml')])
    expect(human.exit).toBe(4)
    const json = await run(['list', '--file', join(ROOT, 'package.json'), '--json'])
    expect(json.exit).toBe(4)
    expect(JSON.parse(json.stdout).error.message).toContain('no ConfigMap named aws-auth')
  })
})

describe('simulate', () => {
  it('--json has the contract fields', async () => {
    const {stdout} = await run([
      'simulate',
      '--arn',
      'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane',
      '--aws-auth',
      join(FIX, 'kubectl-get-output.yaml'),
      '--json',
    ])
    const r = JSON.parse(stdout)
    expect(Object.keys(r).slice(0, 7)).toEqual(['input', 'canonicalArn', 'authenticated', 'mapping', 'user', 'reason', 'steps'])
    expect(r).toMatchObject({
      authenticated: true,
      canonicalArn: 'arn:aws:iam::111122223333:role/PlatformAdmin',
      mapping: {groups: ['platform:admins'], index: 1, source: 'mapRoles', username: 'platform-admin:jane'},
      user: {groups: ['platform:admins', 'system:authenticated'], username: 'platform-admin:jane'},
    })
  })
  it('not mapped: exit 0, authenticated false, a reason', async () => {
    const {stdout, exit} = await run(['simulate', '--arn', 'arn:aws:iam::111122223333:user/nobody', '--aws-auth', join(FIX, 'risky.yaml'), '--json'])
    expect(exit).toBe(0)
    expect(JSON.parse(stdout)).toMatchObject({authenticated: false, mapping: null, user: null})
  })
  it('an unparseable ARN exits 4 with the error object under --json', async () => {
    const {stdout, exit} = await run(['simulate', '--arn', 'arn:aws:iam::111122223333:group/devs', '--json'])
    expect(exit).toBe(4)
    expect(JSON.parse(stdout).error.message).toContain('IAM groups cannot be mapped')
  })
  it('human output prints the chain, one step a line', async () => {
    const {stdout} = await run(['simulate', '--arn', 'arn:aws:sts::111122223333:assumed-role/Admin/x', '--aws-auth', join(FIX, 'groups-as-string.yaml'), '--no-color'])
    expect(stdout.split('\n')[0]).toMatch(/^1\. caller /)
    expect(stdout).toContain('authenticated as "admin:x" in groups system:authenticated')
  })
})

describe('simulate authorization (issue #4)', () => {
  const RBAC = join(ROOT, 'examples', 'rbac')
  const AWS_AUTH = join(ROOT, 'examples', 'aws-auth.yaml')
  it('--json adds decision with the binding, role and rule that allow', async () => {
    const {stdout, exit} = await run([
      'simulate', '--arn', 'arn:aws:sts::111122223333:assumed-role/SecurityAudit/sam', '--aws-auth', AWS_AUTH,
      '--manifests', RBAC, '--verb', 'get', '--resource', 'secrets', '--namespace', 'kube-system', '--json',
    ])
    expect(exit).toBe(0)
    const r = JSON.parse(stdout)
    expect(r.decision).toMatchObject({allowed: true, via: {binding: {kind: 'ClusterRoleBinding', name: 'auditors'}, role: {kind: 'ClusterRole', name: 'security-auditor'}}})
  })
  it('a denied request is an answer (exit 0, allowed false, via null)', async () => {
    const {stdout, exit} = await run(['simulate', '--username', 'jenkins', '--group', 'deployers', '--manifests', RBAC, '--verb', 'delete', '--resource', 'secrets', '-n', 'apps', '--json'])
    expect(exit).toBe(0)
    expect(JSON.parse(stdout).decision).toMatchObject({allowed: false, via: null})
  })
  it('system:masters is allowed before RBAC', async () => {
    const {stdout} = await run(['simulate', '--arn', 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane', '--aws-auth', AWS_AUTH, '--verb', 'delete', '--resource', 'nodes', '--json'])
    expect(JSON.parse(stdout).decision).toMatchObject({allowed: true, via: null})
  })
  it('an unauthenticated identity is denied with the authentication reason', async () => {
    const {stdout} = await run(['simulate', '--arn', 'arn:aws:iam::111122223333:user/nobody', '--aws-auth', AWS_AUTH, '--manifests', RBAC, '--verb', 'get', '--resource', 'pods', '--json'])
    expect(JSON.parse(stdout).decision.reason).toMatch(/^not authenticated: /)
  })
  it('--list prints every rule in the namespace', async () => {
    const {stdout} = await run(['simulate', '--username', 'jenkins', '--group', 'deployers', '--manifests', RBAC, '--list', '-n', 'apps', '--json'])
    const rules = JSON.parse(stdout).rules
    expect(rules.namespace).toBe('apps')
    expect(rules.resourceRules.some((x: {role: {name: string}}) => x.role.name === 'deployer')).toBe(true)
  })
  it('access policies of an access entry decide (E5)', async () => {
    const {stdout} = await run([
      'simulate', '--arn', 'arn:aws:sts::111122223333:assumed-role/Viewer/v', '--access-entries', join(ROOT, 'examples', 'access-entries.json'),
      '--verb', 'list', '--resource', 'pods', '-n', 'default', '--json',
    ])
    const r = JSON.parse(stdout)
    expect(r.mapping.source).toBe('accessEntry')
    expect(r.decision.allowed).toBe(true)
  })
  it.each([
    [['--verb', 'get'], 'needs --resource'],
    [['--resource', 'pods'], 'needs --verb'],
    [['--verb', 'get', '--non-resource-url', 'healthz'], 'starts with /'],
  ])('a malformed request %j exits 4 (%s)', async (args, why) => {
    const {stdout, exit} = await run(['simulate', '--username', 'u', ...args, '--json'])
    expect(exit).toBe(4)
    expect(JSON.parse(stdout).error.message).toContain(why)
  })
})

describe('simulate --service-account (issue #8)', () => {
  const WL = join(ROOT, 'test', 'fixtures', 'workload')
  const base = ['--iam-inventory', join(WL, 'authorization-details.json'), '--cluster-json', join(WL, 'describe-cluster.json')]
  it('lists the IAM roles the service account can assume through IRSA', async () => {
    const {stdout, exit} = await run(['simulate', '--service-account', 'apps/web', ...base, '--json'])
    expect(exit).toBe(0)
    const r = JSON.parse(stdout)
    expect(r.user.username).toBe('system:serviceaccount:apps:web')
    expect(r.assumableRoles.map((x: {roleArn: string}) => x.roleArn)).toContain('arn:aws:iam::111122223333:role/irsa-no-sub')
    expect(r.assumableRoles.every((x: {via: string}) => x.via === 'irsa')).toBe(true)
  })
  it('decides RBAC for the service account with its groups', async () => {
    const {stdout} = await run(['simulate', '--service-account', 'apps/web', '--manifests', join(ROOT, 'examples', 'rbac'), '--verb', 'get', '--resource', 'pods', '-n', 'apps', '--json'])
    const r = JSON.parse(stdout)
    expect(r.user.groups).toEqual(['system:serviceaccounts', 'system:serviceaccounts:apps', 'system:authenticated'])
    expect(r.decision.allowed).toBe(true)
  })
  it.each([
    [['--service-account', 'web'], 'NAMESPACE/NAME'],
    [['--service-account', 'apps/web'], 'needs a question'],
    [['--service-account', 'apps/web', '--iam-inventory', join(WL, 'authorization-details.json')], 'needs --cluster-json'],
  ])('bad input %j exits 4 (%s)', async (args, why) => {
    const {stdout, exit} = await run(['simulate', ...args, '--json'])
    expect(exit).toBe(4)
    expect(JSON.parse(stdout).error.message).toContain(why)
  })
})
