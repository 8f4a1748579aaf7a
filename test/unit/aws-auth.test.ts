import {readFileSync} from 'node:fs'
import {join} from 'node:path'
import {describe, expect, it} from 'vitest'

import {parseAwsAuth} from '../../src/core/aws-auth/authenticator.js'
import {readAwsAuthFile} from '../../src/core/aws-auth/configmap.js'
import {analyseAwsAuth} from '../../src/core/aws-auth/diagnostics.js'
import {EksauthError} from '../../src/core/errors.js'

const FIX = join(import.meta.dirname, '..', 'fixtures', 'aws-auth')
const load = (name: string) => {
  const file = readAwsAuthFile(readFileSync(join(FIX, name), 'utf8'), name)
  return {file, ...analyseAwsAuth(file.data, file.locations)}
}
const roles = (yaml: string) => parseAwsAuth({mapRoles: yaml})

describe('reading the ConfigMap out of files', () => {
  it('a manifest, JSON, kubectl -o yaml output and a List all work', () => {
    expect(load('manifest.json').view.roles).toHaveLength(2)
    expect(load('kubectl-get-output.yaml').file.resourceVersion).toBe('1392')
    expect(load('list-of-objects.yaml').view.roles).toHaveLength(1)
  })
  it('a multi-document file finds aws-auth among other objects', () => {
    const text = `apiVersion: v1\nkind: Namespace\nmetadata: {name: x}\n---\n${readFileSync(join(FIX, 'manifest.json'), 'utf8')}`
    expect(readAwsAuthFile(text, 'multi').data.mapRoles).toContain('role/nodes')
  })
  it.each([
    ['\u0000\u0001binary', 'binary'],
    ['key: [unclosed', 'not valid YAML'],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: coredns, namespace: kube-system}\ndata: {}\n', 'no ConfigMap named aws-auth'],
    ['apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: default}\ndata: {}\n', 'only reads kube-system/aws-auth'],
    ['', 'empty'],
  ])('rejects %j with a one-line reason (%s)', (text, why) => {
    expect(() => readAwsAuthFile(text, 'f')).toThrowError(why)
    try {
      readAwsAuthFile(text, 'f')
    } catch (error) {
      expect((error as EksauthError).exit).toBe(4)
      expect((error as Error).message).not.toContain('\n')
    }
  })
  it('C6: a non-string data value (mapRoles: without |) is rejected as the API server would', () => {
    const text = 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: aws-auth, namespace: kube-system}\ndata:\n  mapRoles:\n    - rolearn: x\n'
    expect(() => readAwsAuthFile(text, 'f')).toThrowError(/not a string: the API server rejects this ConfigMap \(C6\)/)
  })
  it('line numbers point into the file (block scalars keep their lines)', () => {
    const a = load('risky.yaml')
    expect(a.rows.map((r) => r.line)).toEqual([11, 17, 21, 25, 29, 33, 37, 41, 45, 50])
  })
})

describe('C1-C7 authenticator view', () => {
  it('C1: data keys are exact-case; maproles is ignored (crazy-case-keys fixture)', () => {
    const a = load('crazy-case-keys.yaml')
    expect(a.view.ignoredKeys).toEqual(['maproles'])
    expect([...a.view.roleIndex.keys()]).toEqual(['arn:aws:iam::111122223333:role/ops'])
    expect(a.notes.join()).toContain("data key 'maproles' is ignored")
  })
  it('C3: entry field names match case-insensitively (roleARN, Username, GROUPS)', () => {
    const e = load('crazy-case-keys.yaml').view.roles[0]!
    expect(e).toMatchObject({arn: 'arn:aws:iam::111122223333:role/Ops', groups: ['operators'], username: 'ops:{{SessionName}}'})
  })
  it('C3: unknown fields (role_arn, arn) are ignored and the entry is then invalid', () => {
    const v = roles('- role_arn: arn:aws:iam::1:role/A\n  username: a\n')
    expect(v.roles[0]!.unknownFields).toEqual(['role_arn'])
    expect(v.roles[0]!.invalid).toBe('one of rolearn or SSO must be supplied')
    expect(v.roleIndex.size).toBe(0)
  })
  it("C3: Go json folds the long s (ſ) like s", () => {
    expect(roles('- rolearn: arn:aws:iam::1:role/A\n  uſername: a\n').roles[0]!.username).toBe('a')
  })
  it('C2: empty, ``, "" and \'\' values are skipped without error', () => {
    for (const v of ['', '  \n', '``', '""', "''"]) {
      const view = parseAwsAuth({mapRoles: v})
      expect(view.sections.mapRoles.skipped).toBe(true)
      expect(view.sections.mapRoles.error).toBeUndefined()
    }
  })
  it('C3: bad indentation drops the whole section and keeps the other (section-broken-indentation fixture)', () => {
    const a = load('section-broken-indentation.yaml')
    expect(a.view.sections.mapRoles.error).toBeDefined()
    expect(a.view.roleIndex.size).toBe(0)
    expect(a.view.userIndex.size).toBe(1)
    expect(a.notes.join()).toMatch(/mapRoles failed to parse at line 16/)
  })
  it('C3: an unquoted {{SessionName}} value drops the whole section (unquoted-template fixture)', () => {
    const a = load('unquoted-template.yaml')
    expect(a.view.sections.mapRoles.error?.message).toContain('invalid map key')
    expect(a.view.roleIndex.size).toBe(0)
    expect(a.rows.every((r) => !r.effective && r.notes[0]!.startsWith('dropped'))).toBe(true)
  })
  it('C3: tabs in indentation drop the section', () => {
    expect(roles('- rolearn: a\n\tusername: b\n').sections.mapRoles.error).toBeDefined()
  })
  it('C3: a value that is not a list drops the section', () => {
    expect(roles('rolearn: arn:aws:iam::1:role/A\n').sections.mapRoles.error?.message).toContain('not a list')
  })
  it('C3: groups as a scalar keeps the entry with no groups (groups-as-string fixture)', () => {
    const a = load('groups-as-string.yaml')
    const admin = a.view.roleIndex.get('arn:aws:iam::111122223333:role/admin')!
    expect(admin.groups).toEqual([])
    expect(admin.fieldErrors[0]).toContain('not a list')
  })
  it('C3: a more-indented "- item" continues the previous plain scalar', () => {
    const nodes = load('groups-as-string.yaml').view.roleIndex.get('arn:aws:iam::111122223333:role/nodes')!
    expect(nodes.groups).toEqual(['system:bootstrappers - system:nodes'])
  })
  it('C3: YAML 1.1 booleans and numbers are type errors that empty the field (go-yaml v2)', () => {
    const e = roles('- rolearn: arn:aws:iam::1:role/A\n  username: yes\n  groups: [on, dev, 123]\n').roles[0]!
    expect(e.username).toBe('')
    expect(e.groups).toEqual(['', 'dev', ''])
    expect(e.invalid).toBeUndefined()
  })
  it('C3: duplicate keys inside an entry: the last wins', () => {
    expect(roles('- rolearn: arn:aws:iam::1:role/A\n  username: a\n  username: b\n').roles[0]!.username).toBe('b')
  })
  it('C4: rolearn or sso, exactly one; userarn required; no ARN syntax check; empty username allowed', () => {
    const v = parseAwsAuth({
      mapRoles: '- username: x\n- rolearn: arn:iam:matlan\n- rolearn: arn:aws:iam::1:role/A\n  sso: {permissionSetName: P, accountID: "111122223333"}\n',
      mapUsers: '- username: u\n- userarn: arn:aws:iam::1:user/u\n',
    })
    expect(v.roles.map((r) => r.invalid)).toEqual([
      'one of rolearn or SSO must be supplied',
      undefined,
      'only one of rolearn or SSO can be supplied',
    ])
    expect(v.users.map((r) => r.invalid)).toEqual(['value for userarn must be supplied', undefined])
    expect(v.users[1]!.username).toBe('')
  })
  it('C4: sso needs a 12-digit account, a valid permission set and a known partition', () => {
    const v = roles(
      '- sso: {permissionSetName: Admin, accountID: "123"}\n- sso: {permissionSetName: "bad name", accountID: "111122223333"}\n- sso: {permissionSetName: A, accountID: "111122223333", partition: aws-us-govt}\n- sso: {permissionSetName: A, accountID: "111122223333"}\n',
    )
    expect(v.roles.map((r) => r.invalid?.split(' ')[0])).toEqual(['AccountID', 'PermissionSetName', 'partition', undefined])
  })
  it('C5: mapAccounts keeps the original text of unquoted numbers', () => {
    const v = parseAwsAuth({mapAccounts: '- 012345678901\n- "777788889999"\n- yes\n'})
    expect([...v.accountSet]).toEqual(['012345678901', '777788889999', 'yes'])
  })
  it('C6: errors never reject the ConfigMap: good sections are kept', () => {
    const v = parseAwsAuth({mapAccounts: '- 111122223333', mapRoles: '- rolearn: a\nusername: b', mapUsers: '- userarn: arn:aws:iam::1:user/u'})
    expect(v.userIndex.size).toBe(1)
    expect(v.accountSet.size).toBe(1)
  })
  it('C7: duplicate rolearns differing in case: the last one wins (risky fixture)', () => {
    const a = load('risky.yaml')
    expect(a.view.roleIndex.get('arn:aws:iam::111122223333:role/deployer')!.groups).toEqual(['deployers'])
    const shadowed = a.rows.find((r) => r.arn === 'arn:aws:iam::111122223333:role/Deployer')!
    expect(shadowed.effective).toBe(false)
    expect(shadowed.notes[0]).toMatch(/shadowed by entry 7 \(line 37\)/)
  })
  it('C7: mapUsers duplicates differing only in case are both kept and flagged as non-deterministic', () => {
    const v = parseAwsAuth({mapUsers: '- userarn: arn:aws:iam::1:user/Bob\n  username: a\n- userarn: arn:aws:iam::1:user/bob\n  username: b\n'})
    expect(v.userIndex.size).toBe(2)
    const a = analyseAwsAuth({mapUsers: '- userarn: arn:aws:iam::1:user/Bob\n  username: a\n- userarn: arn:aws:iam::1:user/bob\n  username: b\n'})
    expect(a.rows[0]!.notes.join()).toContain('not deterministic')
  })
  it('never throws on arbitrary strings', () => {
    for (const s of ['{', '- [', '*a', '&a [*a]', '!!binary x', '? [a]: b', '%YAML 9\n---', 'a: *b', '- <<: *x']) {
      expect(() => parseAwsAuth({mapAccounts: s, mapRoles: s, mapUsers: s})).not.toThrow()
    }
  })
})

describe('diagnostics (list notes) on every shared fixture', () => {
  it('risky.yaml: user ARN in mapRoles, STS ARN, role paths, duplicate, mapAccounts', () => {
    const notes = load('risky.yaml').rows.map((r) => r.notes.join(' | '))
    expect(notes[1]).toContain('user ARN in mapRoles')
    expect(notes[2]).toContain('dead: STS session ARN')
    expect(notes[3]).toContain('dead: role ARN has a path')
    expect(notes[4]).toContain('STS reports arn:aws:iam::111122223333:role/AWSReservedSSO_Admin_abcdef0123456789')
    expect(notes[9]).toContain('account 777788889999')
  })
  it('comments-and-layout.yaml: flow-style lists and odd indentation parse; nothing flagged', () => {
    const a = load('comments-and-layout.yaml')
    expect(a.view.roleIndex.size).toBe(2)
    expect(a.view.userIndex.size).toBe(1)
    expect(a.rows.every((r) => r.effective)).toBe(true)
  })
  it('govcloud-and-china.yaml: other partitions are valid', () => {
    expect(load('govcloud-and-china.yaml').rows.every((r) => r.effective && r.notes.length === 0)).toBe(true)
  })
  it('managed-nodegroups.yaml: quoted keys, [] sections', () => {
    const a = load('managed-nodegroups.yaml')
    expect(a.view.roleIndex.size).toBe(2)
    expect(a.view.users).toEqual([])
    expect(a.view.accounts).toEqual([])
  })
  it('kubectl-get-output.yaml and list-of-objects.yaml parse cleanly', () => {
    expect(load('kubectl-get-output.yaml').view.roleIndex.size).toBe(2)
    expect(load('list-of-objects.yaml').view.roleIndex.size).toBe(1)
  })
  it('groups-as-string.yaml: both problems are explained', () => {
    const notes = load('groups-as-string.yaml').rows.flatMap((r) => r.notes).join(' | ')
    expect(notes).toContain('not a list')
    expect(notes).toContain("holds ' - '")
  })
  it('D4: unknown placeholders are flagged (they are case-sensitive)', () => {
    const a = analyseAwsAuth({mapRoles: '- rolearn: arn:aws:iam::1:role/A\n  username: "a:{{sessionname}}"\n'})
    expect(a.rows[0]!.notes.join()).toContain('{{sessionname}} is not a placeholder')
  })
})
