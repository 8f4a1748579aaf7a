import {describe, expect, it} from 'vitest'

import {ArnError, canonicalize, normaliseForMapping, PARTITIONS, parseArn, stripPath} from '../../src/core/arn.js'
import {caught} from '../support/errors.js'

const err = (f: () => unknown): ArnError => caught(ArnError, f)

describe('B1 parse', () => {
  it('B1: needs a lower-case arn: prefix and names the fix for ARN:', () => {
    const e = err(() => parseArn('ARN:aws:iam::111122223333:role/Admin'))
    expect(e.reason).toBe('invalid-prefix')
    expect(e.suggestion).toBe('arn:aws:iam::111122223333:role/Admin')
  })
  it('B1: six sections, the sixth may hold ":"', () => {
    expect(parseArn('arn:aws:iam::111122223333:role/a:b').resource).toBe('role/a:b')
    expect(err(() => parseArn('arn:aws:iam:111122223333')).reason).toBe('sections')
  })
  it('B1: no other syntax check (account and region are not validated)', () => {
    expect(canonicalize('arn:aws:iam::12:role/x').canonicalArn).toBe('arn:aws:iam::12:role/x')
  })
})

describe('B2 partitions', () => {
  it.each(PARTITIONS)('B2: %s is recognised', (p) => {
    expect(canonicalize(`arn:${p}:iam::111122223333:role/R`).kind).toBe('role')
  })
  it('B2: unknown or wrong-case partition is rejected with the authenticator wording and a suggestion', () => {
    const e = err(() => canonicalize('arn:aws-us-govt:iam::111122223333:role/R'))
    expect(e.message).toContain('does not have a recognized partition')
    expect(e.suggestion).toBe('arn:aws-us-gov:iam::111122223333:role/R')
    expect(err(() => canonicalize('arn:AWS:iam::111122223333:role/R')).reason).toBe('partition')
  })
})

describe('B3/B4 canonicalisation', () => {
  it('B4: assumed-role -> role, session dropped, case preserved', () => {
    const p = canonicalize('arn:aws:sts::123456789012:assumed-role/Admin/Session')
    expect(p.canonicalArn).toBe('arn:aws:iam::123456789012:role/Admin')
    expect(p.sessionName).toBe('Session')
  })
  it('B4: assumed-role middle parts are joined with /', () => {
    expect(canonicalize('arn:aws:sts::123456789012:assumed-role/Org/Team/Admin/Session').canonicalArn).toBe(
      'arn:aws:iam::123456789012:role/Org/Team/Admin',
    )
  })
  it('B3: assumed-role with fewer than 3 parts has no role', () => {
    expect(err(() => canonicalize('arn:aws:sts::123456789012:assumed-role/Admin')).reason).toBe('assumed-role-no-role')
  })
  it('B3: region is dropped for assumed roles, kept verbatim for iam role ARNs', () => {
    expect(canonicalize('arn:aws:sts:us-east-1:123456789012:assumed-role/A/s').canonicalArn).toBe('arn:aws:iam::123456789012:role/A')
    expect(canonicalize('arn:aws:iam:us-east-1:123456789012:role/A').canonicalArn).toBe('arn:aws:iam:us-east-1:123456789012:role/A')
  })
  it('B4: role with SSO path stays as is', () => {
    const a = 'arn:aws:iam::123456789012:role/aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_X_abc'
    expect(canonicalize(a).canonicalArn).toBe(a)
  })
  it('B3: federated-user, user and root unchanged', () => {
    for (const a of ['arn:aws:sts::123456789012:federated-user/Bob', 'arn:aws:iam::123456789012:user/p/Bob', 'arn:aws:iam::123456789012:root']) {
      expect(canonicalize(a).canonicalArn).toBe(a)
    }
  })
  it('B3: other resources and services are rejected', () => {
    expect(err(() => canonicalize('arn:aws:iam::123456789012:group/devs')).reason).toBe('resource')
    expect(err(() => canonicalize('arn:aws:sts::123456789012:role/x')).reason).toBe('resource')
    expect(err(() => canonicalize('arn:aws:s3:::bucket')).reason).toBe('service')
  })
  it('B5: stripPath removes the path of roles and users', () => {
    expect(stripPath('arn:aws:iam::123456789012:role/a/b/Name')).toBe('arn:aws:iam::123456789012:role/Name')
  })
})

describe('write-time normalisation (issue #3 input rules)', () => {
  it('STS session ARN becomes its role, explained', () => {
    const n = normaliseForMapping('arn:aws:sts::111122223333:assumed-role/Dev/jane', 'role')
    expect(n.arn).toBe('arn:aws:iam::111122223333:role/Dev')
    expect(n.notes[0]).toContain('STS session ARN')
  })
  it('D2: a role path is stripped, explained', () => {
    const n = normaliseForMapping('arn:aws:iam::111122223333:role/teams/Dev', 'role')
    expect(n.arn).toBe('arn:aws:iam::111122223333:role/Dev')
    expect(n.notes[0]).toContain('path')
  })
  it('a user ARN to map-role names map-user, and vice versa', () => {
    expect(err(() => normaliseForMapping('arn:aws:iam::111122223333:user/bob', 'role')).message).toContain('eksauth map-user')
    expect(err(() => normaliseForMapping('arn:aws:iam::111122223333:role/Dev', 'user')).message).toContain('eksauth map-role')
  })
  it.each([
    ['arn:aws:iam::11112222333:role/Dev', '12 digits'],
    ['arn:aws:iam::111122223333:role/Dev ', 'spaces'],
    ['arn:aws:iam::111122223333:role/D\u0435v', 'non-ASCII'],
    ['arn:aws:iam::111122223333:role/', 'name is missing'],
    ['arn:aws:iam::111122223333:role/bad!name', 'not a valid IAM role name'],
    ['arn:aws:iam:us-east-1:111122223333:role/Dev', 'no region'],
  ])('rejects %s (%s)', (arn, why) => {
    expect(err(() => normaliseForMapping(arn, 'role')).message).toContain(why)
  })
})
