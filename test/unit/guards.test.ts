import {readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {readAwsAuthFile} from '../../src/core/aws-auth/configmap.js'
import {applyIntent} from '../../src/core/aws-auth/edit.js'
import {checkGuards, enforceGuards} from '../../src/core/aws-auth/guards.js'
import {EksauthError, ExitCode} from '../../src/core/errors.js'

const load = (name: string): Record<string, string> =>
  readAwsAuthFile(readFileSync(join(import.meta.dirname, '..', 'fixtures', 'aws-auth', name), 'utf8'), name).data

const codes = (before: Record<string, string>, after: Record<string, string>, callerArn?: string): string[] =>
  checkGuards({after, before, callerArn}).map((v) => v.code)

describe('lock-out guard', () => {
  const k = load('kubectl-get-output.yaml')
  const node = 'arn:aws:iam::111122223333:role/eksctl-demo-nodegroup-ng-1-NodeInstanceRole-X1Y2Z3'
  it('removing a node mapping is refused', () => {
    const after = applyIntent(k, {by: 'arn', kind: 'remove', value: node}).data
    expect(codes(k, after)).toContain('node-mapping')
  })
  it('altering a node mapping is refused', () => {
    const after = applyIntent(k, {arn: node, groups: ['system:nodes'], kind: 'upsert', section: 'mapRoles'}).data
    expect(codes(k, after)).toEqual(['node-mapping'])
  })
  it('Fargate (system:node:{{SessionName}}) counts as a node mapping', () => {
    const m = load('managed-nodegroups.yaml')
    const after = applyIntent(m, {by: 'username', kind: 'remove', value: 'system:node:{{SessionName}}'}).data
    expect(codes(m, after)).toContain('node-mapping')
  })
  it('removing the last system:masters mapping is refused, not one of several', () => {
    const g = load('comments-and-layout.yaml')
    const admin = applyIntent(g, {arn: 'arn:aws:iam::111122223333:role/Admin', groups: ['system:masters'], kind: 'upsert', section: 'mapRoles'}).data
    const removed = applyIntent(admin, {by: 'arn', kind: 'remove', value: 'arn:aws:iam::111122223333:role/Admin'}).data
    expect(codes(admin, removed)).toEqual(['last-masters'])
    const two = applyIntent(admin, {arn: 'arn:aws:iam::111122223333:role/Admin2', groups: ['system:masters'], kind: 'upsert', section: 'mapRoles'}).data
    const one = applyIntent(two, {by: 'arn', kind: 'remove', value: 'arn:aws:iam::111122223333:role/Admin'}).data
    expect(codes(two, one)).toEqual([])
  })
  it('editing while a section does not parse is refused, naming the section and line', () => {
    const b = load('section-broken-indentation.yaml')
    const after = applyIntent(b, {arn: 'arn:aws:iam::111122223333:user/bob', groups: ['g'], kind: 'upsert', section: 'mapUsers', username: 'bob'}).data
    const v = checkGuards({after, before: b, fileLine: (_s, l) => (l === undefined ? undefined : 9 + l)})
    expect(v.map((x) => x.code)).toEqual(['section-unparseable'])
    expect(v[0]!.message).toMatch(/mapRoles does not parse.*line \d+.*EKS is already ignoring the whole section/)
  })
  it("unmapping the caller's own identity is refused", () => {
    const after = applyIntent(k, {by: 'arn', kind: 'remove', value: 'arn:aws:iam::111122223333:role/PlatformAdmin'}).data
    expect(codes(k, after, 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane')).toEqual(['caller-unmapped'])
    expect(codes(k, after, 'arn:aws:sts::111122223333:assumed-role/Other/jane')).toEqual([])
  })
  it('enforceGuards: REFUSED without --force, warnings with it', () => {
    const after = applyIntent(k, {by: 'arn', kind: 'remove', value: node}).data
    const v = checkGuards({after, before: k})
    try {
      enforceGuards(v, false)
      expect.unreachable()
    } catch (error) {
      expect(error).toBeInstanceOf(EksauthError)
      expect((error as EksauthError).exit).toBe(ExitCode.REFUSED)
      expect((error as EksauthError).message).toMatch(/node mapping/)
    }
    expect(enforceGuards(v, true)[0]).toMatch(/^--force: /)
  })
  it('a harmless change trips nothing', () => {
    const after = applyIntent(k, {arn: 'arn:aws:iam::111122223333:role/Dev', groups: ['dev'], kind: 'upsert', section: 'mapRoles'}).data
    expect(codes(k, after, 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane')).toEqual([])
  })
})
