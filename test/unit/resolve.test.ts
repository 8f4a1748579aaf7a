import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {readAwsAuthFile} from '../../src/core/aws-auth/configmap.js'
import {analyseAwsAuth} from '../../src/core/aws-auth/diagnostics.js'
import {type ResolveOptions, resolveIdentity} from '../../src/core/identity/resolve.js'
import {renderTemplate} from '../../src/core/identity/template.js'
import type {AccessEntry} from '../../src/core/ports.js'

const FIX = join(import.meta.dirname, '..', 'fixtures', 'aws-auth')
function opts(name: string): ResolveOptions {
  const file = readAwsAuthFile(readFileSync(join(FIX, name), 'utf8'), name)
  const a = analyseAwsAuth(file.data, file.locations)
  return {awsAuth: a.view, droppedSectionArns: a.droppedSectionArns, lineOf: a.lineOf}
}
function inline(data: Record<string, string>): ResolveOptions {
  const a = analyseAwsAuth(data)
  return {awsAuth: a.view, droppedSectionArns: a.droppedSectionArns, lineOf: a.lineOf}
}

describe('D2 matching', () => {
  it('D2: assumed-role caller matches its role in mapRoles; templates rendered', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane'}, opts('kubectl-get-output.yaml'))
    expect(r.authenticated).toBe(true)
    expect(r.mapping).toMatchObject({index: 1, line: 11, source: 'mapRoles', username: 'platform-admin:jane'})
    expect(r.user!.groups).toEqual(['platform:admins', 'system:authenticated'])
  })
  it('D2/B6: matching is case-insensitive and says so', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::111122223333:assumed-role/platformadmin/jane'}, opts('kubectl-get-output.yaml'))
    expect(r.authenticated).toBe(true)
    expect(r.notes.join()).toContain('differs from the caller ARN only in letter case')
  })
  it('D2: a role ARN with a path never matches, and the reason names the path', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::111122223333:assumed-role/Operator/x'}, opts('risky.yaml'))
    expect(r.authenticated).toBe(false)
    expect(r.diagnosis).toBe('path-in-role-arn')
    expect(r.reason).toContain('remove the path')
  })
  it('D2: an STS session ARN entry never matches', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::111122223333:assumed-role/Developer/jane'}, opts('risky.yaml'))
    expect(r.diagnosis).toBe('sts-arn-entry')
    expect(r.reason).toContain('write the role ARN arn:aws:iam::111122223333:role/Developer')
  })
  it('D2: a user ARN in mapRoles still matches (plain string compare)', () => {
    const r = resolveIdentity({arn: 'arn:aws:iam::111122223333:user/bob'}, opts('risky.yaml'))
    expect(r.mapping).toMatchObject({index: 1, source: 'mapRoles'})
  })
  it('D2: mapRoles wins over mapUsers for the same ARN', () => {
    const r = resolveIdentity(
      {arn: 'arn:aws:iam::1:user/u'},
      inline({mapRoles: '- rolearn: arn:aws:iam::1:user/u\n  username: from-roles\n', mapUsers: '- userarn: arn:aws:iam::1:user/u\n  username: from-users\n'}),
    )
    expect(r.mapping?.username).toBe('from-roles')
    expect(r.notes.join()).toContain('mapRoles is checked first')
  })
  it('C7: the last duplicate wins and the shadowed one is named', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::111122223333:assumed-role/Deployer/ci'}, opts('risky.yaml'))
    expect(r.mapping).toMatchObject({groups: ['deployers'], index: 6})
    expect(r.notes.join()).toContain('mapRoles entry 6 (line 33) maps the same ARN but is shadowed')
  })
  it('C3: a caller whose entry sits in a dropped section gets the parse error as the reason', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::111122223333:assumed-role/TeamA/x'}, opts('section-broken-indentation.yaml'))
    expect(r.diagnosis).toBe('section-dropped')
    expect(r.reason).toContain('mapRoles failed to parse')
  })
  it('C3: groups written as a string: authenticated with no groups', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::111122223333:assumed-role/Admin/x'}, opts('groups-as-string.yaml'))
    expect(r.authenticated).toBe(true)
    expect(r.user!.groups).toEqual(['system:authenticated'])
  })
  it('not mapped at all', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::111122223333:assumed-role/Nobody/x'}, opts('kubectl-get-output.yaml'))
    expect(r).toMatchObject({authenticated: false, diagnosis: 'not-mapped', mapping: null, user: null})
  })
  it('without aws-auth it only canonicalises', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::111122223333:assumed-role/A/s'})
    expect(r).toMatchObject({authenticated: false, canonicalArn: 'arn:aws:iam::111122223333:role/A', diagnosis: 'canonicalized-only'})
  })
  it('B1: a bad ARN is bad input (exit 4)', () => {
    expect(() => resolveIdentity({arn: 'not-an-arn'})).toThrowError(expect.objectContaining({exit: 4}))
  })
})

describe('D3 mapAccounts', () => {
  it('D3: an unmapped principal of a listed account gets its canonical ARN (original case) and no groups', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::777788889999:assumed-role/SomeRole/s'}, opts('risky.yaml'))
    expect(r.mapping).toMatchObject({groups: [], source: 'mapAccounts', username: 'arn:aws:iam::777788889999:role/SomeRole'})
    expect(r.user!.groups).toEqual(['system:authenticated'])
  })
  it('D3: explicit mappings win over mapAccounts', () => {
    const r = resolveIdentity(
      {arn: 'arn:aws:iam::777788889999:user/x'},
      inline({mapAccounts: '- "777788889999"', mapUsers: '- userarn: arn:aws:iam::777788889999:user/x\n  username: x\n'}),
    )
    expect(r.mapping?.source).toBe('mapUsers')
  })
})

describe('D4 templates', () => {
  const id = {accessKeyId: 'ASIAEXAMPLE', accountId: '111122223333', ec2PrivateDnsName: 'ip-10-0-0-1.ec2.internal', sessionName: 'i-0123456789abcdef0'}
  it('D4: every placeholder', () => {
    expect(renderTemplate('{{AccountID}}/{{SessionName}}/{{SessionNameRaw}}/{{AccessKeyID}}/{{EC2PrivateDNSName}}', id)).toEqual({
      ok: true,
      symbolic: [],
      value: '111122223333/i-0123456789abcdef0/i-0123456789abcdef0/ASIAEXAMPLE/ip-10-0-0-1.ec2.internal',
    })
  })
  it('D4: SessionName replaces @ with -, SessionNameRaw keeps it', () => {
    expect(renderTemplate('{{SessionName}}|{{SessionNameRaw}}', {...id, sessionName: 'jane@example.com'})).toMatchObject({value: 'jane-example.com|jane@example.com'})
  })
  it('D4: EC2PrivateDNSName needs an instance-id session', () => {
    expect(renderTemplate('system:node:{{EC2PrivateDNSName}}', {...id, sessionName: 'jane'})).toEqual({
      error: 'SessionName did not contain an instance id',
      ok: false,
    })
    expect(renderTemplate('{{EC2PrivateDNSName}}', {...id, sessionName: 'i-01234567'}).ok).toBe(true)
  })
  it('D4: EC2PrivateDNSName without a value stays symbolic', () => {
    expect(renderTemplate('system:node:{{EC2PrivateDNSName}}', {...id, ec2PrivateDnsName: undefined})).toMatchObject({
      symbolic: ['EC2PrivateDNSName'],
      value: 'system:node:{{EC2PrivateDNSName}}',
    })
  })
  it('D4: placeholders are case-sensitive; unknown ones stay verbatim', () => {
    expect(renderTemplate('{{sessionname}}-{{Foo}}', id)).toMatchObject({value: '{{sessionname}}-{{Foo}}'})
  })
  it('D4: a render error denies the request (no mapAccounts fallback)', () => {
    const r = resolveIdentity(
      {arn: 'arn:aws:sts::111122223333:assumed-role/nodes/jane'},
      inline({mapAccounts: '- "111122223333"', mapRoles: '- rolearn: arn:aws:iam::111122223333:role/nodes\n  username: system:node:{{EC2PrivateDNSName}}\n'}),
    )
    expect(r).toMatchObject({authenticated: false, diagnosis: 'template-error'})
    expect(r.reason).toContain('SessionName did not contain an instance id')
  })
  it('node role with --ec2-private-dns-name renders system:node:<dns>', () => {
    const r = resolveIdentity(
      {arn: 'arn:aws:sts::111122223333:assumed-role/nodes/i-0123456789abcdef0', ec2PrivateDnsName: 'ip-10-0-0-1.ec2.internal'},
      opts('list-of-objects.yaml'),
    )
    expect(r.user).toMatchObject({groups: ['system:bootstrappers', 'system:nodes', 'system:authenticated'], username: 'system:node:ip-10-0-0-1.ec2.internal'})
  })
})

describe('A4 user id', () => {
  it('A4: a role identity needs ID:session; a malformed user id is rejected', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane', userId: 'AROANOSESSION'}, opts('kubectl-get-output.yaml'))
    expect(r.diagnosis).toBe('malformed-user-id')
  })
  it('A4: the session name comes from the user id', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane', userId: 'AROAX:bob'}, opts('kubectl-get-output.yaml'))
    expect(r.user?.username).toBe('platform-admin:bob')
    expect(r.user?.uid).toBe('aws-iam-authenticator:111122223333:AROAX')
  })
  it('A4: derived when absent', () => {
    expect(resolveIdentity({arn: 'arn:aws:sts::1:assumed-role/A/s'}).principal?.userId).toBe('AROAEXAMPLEROLEID:s')
  })
})

describe('E access entries and authentication modes', () => {
  const entries: AccessEntry[] = [
    {
      accessPolicies: [{accessScope: {type: 'cluster'}, policyArn: 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy'}],
      kubernetesGroups: ['viewers'],
      principalArn: 'arn:aws:iam::111122223333:role/teams/PlatformAdmin',
    },
  ]
  const base = opts('kubectl-get-output.yaml')
  const arn = 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane'
  it('E2: the access entry wins over aws-auth (paths allowed in access entries, E3)', () => {
    const r = resolveIdentity({arn}, {...base, accessEntries: entries, authMode: 'API_AND_CONFIG_MAP'})
    expect(r.mapping).toMatchObject({groups: ['viewers'], source: 'accessEntry', username: 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane'})
    expect(r.notes.join()).toContain('the access entry wins (E2)')
  })
  it('E1: CONFIG_MAP ignores access entries', () => {
    expect(resolveIdentity({arn}, {...base, accessEntries: entries, authMode: 'CONFIG_MAP'}).mapping?.source).toBe('mapRoles')
  })
  it('E1: API ignores aws-auth and says so', () => {
    const r = resolveIdentity({arn: 'arn:aws:sts::111122223333:assumed-role/nodes/i-0123456789abcdef0'}, {...opts('list-of-objects.yaml'), accessEntries: [], authMode: 'API'})
    expect(r.diagnosis).toBe('mode-api-ignores-aws-auth')
  })
})
