/**
 * Property tests (issue #7, part 3) of the pure aws-auth core with fast-check: applyIntent (the text-splicing edit),
 * parseAwsAuth (the authenticator view) and canonicalize (ARNs). numRuns is bounded so the file stays well under a
 * few seconds; a failure prints the seed and the shrunk counterexample.
 */
import fc from 'fast-check'
import {describe, expect, it} from 'vitest'

import {canonicalize, lookupKey} from '../../src/core/arn.js'
import {type MappingSection, parseAwsAuth} from '../../src/core/aws-auth/authenticator.js'
import {applyIntent, type EditIntent, formatScalar, verifyEdit} from '../../src/core/aws-auth/edit.js'
import {valueProblem} from '../../src/core/aws-auth/validate-input.js'

const RUNS = 200
const opts = {numRuns: RUNS}

// ---------------------------------------------------------------------------------------------------------------
// Generators

const chars = (alphabet: string, min: number, max: number) =>
  fc.array(fc.constantFrom(...alphabet.split('')), {maxLength: max, minLength: min}).map((a) => a.join(''))

const ALNUM = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789'
const account = chars('0123456789', 12, 12)
/** IAM names: [\w+=,.@-], 1-64 */
const iamNameArb = chars(`${ALNUM}+=,.@_-`, 1, 24)
const partition = fc.constantFrom('aws', 'aws-cn', 'aws-us-gov')
const roleArn = fc.tuple(partition, account, iamNameArb).map(([p, a, n]) => `arn:${p}:iam::${a}:role/${n}`)
const userArn = fc.tuple(partition, account, iamNameArb).map(([p, a, n]) => `arn:${p}:iam::${a}:user/${n}`)

/**
 * Usernames and groups a user may legitimately ask for (what map-role/map-user accept after validation), biased
 * towards the characters that matter to YAML: ':', '#', quotes, braces, placeholders, non-ASCII.
 */
const PIECES = ['a', 'Z', '9', ':', '-', '_', '.', '@', '#', '"', "'", ' ', '{{SessionName}}', '{{AccountID}}', '{{EC2PrivateDNSName}}', ',', '[', ']', '!', '&', '*', '%', '|', '>', '?', 'é', '中', 'yes', 'null', '~', '0x1F', '1e3', 'system:']
const valueArb = (what: 'username' | 'group') =>
  fc
    .array(fc.constantFrom(...PIECES), {maxLength: 8, minLength: 1})
    .map((a) => a.join(''))
    .filter((v) => valueProblem(v, what) === undefined)
const groupsArb = fc.uniqueArray(valueArb('group'), {maxLength: 4, minLength: 0})

interface Mapping {
  section: MappingSection
  arn: string
  username: string
  groups: string[]
}

const mappingArb: fc.Arbitrary<Mapping> = fc.oneof(
  fc.record({arn: roleArn, groups: groupsArb, section: fc.constant<MappingSection>('mapRoles'), username: valueArb('username')}),
  fc.record({arn: userArn, groups: groupsArb, section: fc.constant<MappingSection>('mapUsers'), username: valueArb('username')}),
)
/** a mapping set: no two entries with the same ARN (compared as EKS does, case-insensitively) */
const mappingSetArb = fc.uniqueArray(mappingArb, {maxLength: 8, selector: (m) => lookupKey(m.arn)})

const upsert = (m: Mapping): EditIntent => ({arn: m.arn, groups: m.groups, kind: 'upsert', section: m.section, username: m.username})

/** applyIntent + the verification the edit service runs before every write */
function apply(data: Record<string, string>, intent: EditIntent): Record<string, string> {
  const r = applyIntent(data, intent)
  if (r.changed) verifyEdit(data, r.data, intent, r)
  return r.data
}

/** serialise: the mappings written one by one through the edit path, starting from an empty aws-auth */
const serialise = (ms: Mapping[], start: Record<string, string> = {}): Record<string, string> => ms.reduce((d, m) => apply(d, upsert(m)), start)

const entriesOf = (data: Record<string, string>, section: MappingSection) => {
  const v = parseAwsAuth(data)
  return (section === 'mapRoles' ? v.roles : v.users).map((e) => ({arn: e.arn, groups: e.groups, invalid: e.invalid, username: e.username}))
}
const expected = (ms: Mapping[], section: MappingSection) =>
  ms.filter((m) => m.section === section).map((m) => ({arn: m.arn, groups: m.groups, invalid: undefined, username: m.username}))

/**
 * A hand-written aws-auth in assorted styles (comments, blank lines, flow and block lists, quoted and plain scalars),
 * so edits are exercised against text the edit path did not produce itself. Returns the data and, per entry, its
 * exact text block.
 */
function handWritten(ms: Mapping[], styleSeed: number[]): {data: Record<string, string>; blocks: Map<string, string>} {
  const blocks = new Map<string, string>()
  const text: Record<MappingSection, string> = {mapRoles: '', mapUsers: ''}
  ms.forEach((m, i) => {
    const s = styleSeed[i % styleSeed.length]! % 3
    const key = m.section === 'mapRoles' ? 'rolearn' : 'userarn'
    const groups =
      s === 0
        ? `  groups: [${m.groups.map((g) => formatScalar(g, 'flow')).join(', ')}]\n`
        : m.groups.length === 0
          ? '  groups: []\n'
          : `  groups:\n${m.groups.map((g) => `    - ${formatScalar(g)}`).join('\n')}\n`
    const head = s === 2 ? `# entry ${i}: keep this comment\n` : ''
    const block = `${head}- ${key}: ${m.arn}\n  username: ${formatScalar(m.username)}${s === 1 ? '   # trailing comment' : ''}\n${groups}${s === 2 ? '\n' : ''}`
    blocks.set(lookupKey(m.arn), block)
    text[m.section] += block
  })
  return {blocks, data: {mapAccounts: '- "444455556666"\n', mapRoles: text.mapRoles || '[]\n', mapUsers: text.mapUsers || '[]\n', other: 'kept: yes\n'}}
}

const styles = fc.array(fc.nat(2), {maxLength: 5, minLength: 1})

// ---------------------------------------------------------------------------------------------------------------

describe('properties of the aws-auth edit core', () => {
  it('parse(serialise(m)) = m for any mapping set', () => {
    fc.assert(
      fc.property(mappingSetArb, (ms) => {
        const data = serialise(ms)
        const view = parseAwsAuth(data)
        expect(view.sections.mapRoles.error).toBeUndefined()
        expect(view.sections.mapUsers.error).toBeUndefined()
        expect(entriesOf(data, 'mapRoles')).toEqual(expected(ms, 'mapRoles'))
        expect(entriesOf(data, 'mapUsers')).toEqual(expected(ms, 'mapUsers'))
        // and hand-written text in every style reads back as the same mappings
        const hw = handWritten(ms, [0, 1, 2]).data
        expect(entriesOf(hw, 'mapRoles')).toEqual(expected(ms, 'mapRoles'))
        expect(entriesOf(hw, 'mapUsers')).toEqual(expected(ms, 'mapUsers'))
      }),
      opts,
    )
  })

  it('upsert is idempotent: the same upsert again changes nothing (action unchanged, same bytes)', () => {
    fc.assert(
      fc.property(mappingSetArb, mappingArb, styles, fc.boolean(), (ms, m, st, fromHand) => {
        const base = fromHand ? handWritten(ms, st).data : serialise(ms)
        const once = apply(base, upsert(m))
        const again = applyIntent(once, upsert(m))
        expect(again.changed).toBe(false)
        expect(again.action).toBe('unchanged')
        expect(again.data).toEqual(once)
        // also when the mapping already exists with those values in the original text
        const existing = ms[0]
        if (existing) expect(applyIntent(base, upsert(existing)).changed).toBe(false)
      }),
      opts,
    )
  })

  it('upsert of a new ARN then unmap of it restores the original entries (and the original bytes)', () => {
    fc.assert(
      fc.property(mappingSetArb, mappingArb, styles, fc.boolean(), (ms, m, st, fromHand) => {
        fc.pre(!ms.some((x) => lookupKey(x.arn) === lookupKey(m.arn)))
        const base = fromHand ? handWritten(ms, st).data : serialise(ms)
        const added = apply(base, upsert(m))
        const removed = apply(added, {by: 'arn', kind: 'remove', value: m.arn})
        for (const s of ['mapRoles', 'mapUsers'] as const) expect(entriesOf(removed, s)).toEqual(entriesOf(base, s))
        // bytes: every key is byte-identical, except that a section the new entry created stays as the empty list
        for (const k of Object.keys(removed)) expect(removed[k]).toBe(k in base ? base[k] : '[]\n')
        expect(Object.keys(base).every((k) => k in removed)).toBe(true)
      }),
      opts,
    )
  })

  it('untouched entries stay byte for byte after any edit (upsert new, update existing, unmap another)', () => {
    const editArb = fc.oneof(
      mappingArb.map((m) => ({kind: 'new' as const, m})),
      fc.record({groups: groupsArb, i: fc.nat(), kind: fc.constant('update' as const), username: valueArb('username')}),
      fc.record({i: fc.nat(), kind: fc.constant('remove' as const)}),
    )
    fc.assert(
      fc.property(mappingSetArb, styles, editArb, (ms, st, edit) => {
        const {blocks, data} = handWritten(ms, st)
        let intent: EditIntent
        let touched: string | undefined
        if (edit.kind === 'new') {
          fc.pre(!ms.some((x) => lookupKey(x.arn) === lookupKey(edit.m.arn)))
          intent = upsert(edit.m)
        } else {
          fc.pre(ms.length > 0)
          const target = ms[edit.i % ms.length]!
          touched = lookupKey(target.arn)
          intent =
            edit.kind === 'update'
              ? {...upsert(target), groups: edit.groups, username: edit.username}
              : {by: 'arn', kind: 'remove', value: target.arn}
        }
        const after = apply(data, intent)
        for (const k of ['mapAccounts', 'other']) expect(after[k]).toBe(data[k])
        for (const m of ms) {
          if (lookupKey(m.arn) === touched) continue
          const block = blocks.get(lookupKey(m.arn))!
          // the entry's block is still there verbatim (its trailing blank line aside, which belongs to the gap)
          expect(after[m.section]).toContain(block.replace(/\n\n$/, '\n'))
        }
        // and the untouched sections are identical
        const sections = edit.kind === 'new' ? [edit.m.section] : ['mapRoles', 'mapUsers']
        for (const s of ['mapRoles', 'mapUsers'] as const) if (!sections.includes(s)) expect(after[s]).toBe(data[s])
      }),
      opts,
    )
  })
})

describe('properties of ARNs and the authenticator view', () => {
  const sessionArb = chars(`${ALNUM}=,.@_-`, 2, 20)
  const pathArb = fc.array(iamNameArb, {maxLength: 3}).map((p) => (p.length === 0 ? '' : `${p.join('/')}/`))
  const anyIdentityArn = fc.oneof(
    fc.tuple(partition, account, pathArb, iamNameArb).map(([p, a, path, n]) => `arn:${p}:iam::${a}:role/${path}${n}`),
    fc.tuple(partition, account, pathArb, iamNameArb).map(([p, a, path, n]) => `arn:${p}:iam::${a}:user/${path}${n}`),
    fc.tuple(partition, account).map(([p, a]) => `arn:${p}:iam::${a}:root`),
    fc.tuple(partition, account, iamNameArb, sessionArb).map(([p, a, r, s]) => `arn:${p}:sts::${a}:assumed-role/${r}/${s}`),
    fc.tuple(partition, account, iamNameArb).map(([p, a, n]) => `arn:${p}:sts::${a}:federated-user/${n}`),
  )

  it('canonicalisation is idempotent (generated identity ARNs)', () => {
    fc.assert(
      fc.property(anyIdentityArn, (arn) => {
        const once = canonicalize(arn).canonicalArn
        expect(canonicalize(once).canonicalArn).toBe(once)
        expect(lookupKey(lookupKey(once))).toBe(lookupKey(once))
      }),
      {numRuns: 500},
    )
  })

  it('canonicalisation is idempotent on arbitrary strings it accepts, and only ever throws ArnError', () => {
    const arnish = fc.oneof(
      fc.string(),
      fc.array(fc.constantFrom('arn', 'aws', 'AWS', 'iam', 'sts', '', '111122223333', 'role', 'user', 'assumed-role', 'root', '/', ':', 'x', ' '), {maxLength: 12}).map((a) => a.join(':')),
      anyIdentityArn.map((a) => a.replace(/\//g, ':')),
    )
    fc.assert(
      fc.property(arnish, (s) => {
        let once: string
        try {
          once = canonicalize(s).canonicalArn
        } catch (error) {
          expect((error as Error).name).toBe('ArnError')
          return
        }
        expect(canonicalize(once).canonicalArn).toBe(once)
      }),
      {numRuns: 500},
    )
  })

  it('the authenticator view never throws on arbitrary strings', () => {
    const yamlish = fc
      .array(
        fc.constantFrom('- ', 'rolearn: ', 'userarn: ', 'username: ', 'groups:', '\n', '  ', '    - ', '[', ']', '{', '}', '&a ', '*a', '<<: ', '!!binary ', '"', "'", '#', '|', '>', '---\n', '...\n', '?', ':', 'arn:aws:iam::1:role/x', '\t', '%YAML 1.1\n', 'yes', '~', '\u0000', '\ufeff'),
        {maxLength: 40},
      )
      .map((a) => a.join(''))
    const value = fc.oneof(fc.string(), fc.string({unit: 'binary'}), yamlish)
    const key = fc.oneof(fc.constantFrom('mapRoles', 'mapUsers', 'mapAccounts', 'maproles', ''), fc.string())
    fc.assert(
      fc.property(fc.dictionary(key, value, {maxKeys: 4}), (data) => {
        const view = parseAwsAuth(data)
        expect(view.roleIndex.size).toBeLessThanOrEqual(view.roles.length)
        expect(view.userIndex.size).toBeLessThanOrEqual(view.users.length)
      }),
      {numRuns: 1000},
    )
  })
})
