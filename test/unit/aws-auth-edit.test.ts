import {readdirSync, readFileSync} from 'node:fs'
import {join} from 'node:path'

import {describe, expect, it} from 'vitest'

import {renderAwsAuthFileText} from '../../src/adapters/files/aws-auth-store.js'
import {parseAwsAuth} from '../../src/core/aws-auth/authenticator.js'
import {readAwsAuthFile} from '../../src/core/aws-auth/configmap.js'
import {applyIntent, type EditIntent, formatScalar, verifyEdit} from '../../src/core/aws-auth/edit.js'
import {normaliseArnInput, validateGroups, validateUsername, valueProblem} from '../../src/core/aws-auth/validate-input.js'
import {EksauthError, ExitCode} from '../../src/core/errors.js'
import {type AwsAuthSnapshot, type AwsAuthStore, ConflictError} from '../../src/core/ports.js'
import {backoffMs, DEFAULT_RETRY, editAwsAuth} from '../../src/services/edit-aws-auth.js'

const DIR = join(import.meta.dirname, '..', 'fixtures', 'aws-auth')
const FIXTURES = readdirSync(DIR).filter((f) => /\.(ya?ml|json)$/.test(f))
const load = (name: string): {text: string; data: Record<string, string>} => {
  const text = readFileSync(join(DIR, name), 'utf8')
  return {data: readAwsAuthFile(text, name).data, text}
}
const ROLE = 'arn:aws:iam::111122223333:role/NewTeam'
const USER = 'arn:aws:iam::111122223333:user/newbie'

function apply(data: Record<string, string>, intent: EditIntent) {
  const r = applyIntent(data, intent)
  verifyEdit(data, r.data, intent, r)
  return r
}

const exitOf = (fn: () => unknown): number | undefined => {
  try {
    fn()
  } catch (error) {
    if (error instanceof EksauthError) return error.exit
    throw error
  }
  return undefined
}

const broken = (data: Record<string, string>, s: 'mapRoles' | 'mapUsers'): boolean => Boolean(parseAwsAuth(data).sections[s].error)

describe('applyIntent on every fixture (property: untouched bytes stay, round trips, idempotency)', () => {
  for (const name of FIXTURES) {
    const {data} = load(name)
    for (const [section, arn] of [
      ['mapRoles', ROLE],
      ['mapUsers', USER],
    ] as const) {
      it(`${name}: ${section} upsert appends without touching other bytes; unmap restores; repeat is a no-op`, () => {
        const intent: EditIntent = {arn, groups: ['team:view', 'odd group: yes'], kind: 'upsert', section, username: 'new:{{SessionName}}'}
        if (broken(data, section)) {
          expect(exitOf(() => applyIntent(data, intent))).toBe(ExitCode.REFUSED)
          return
        }
        const r = apply(data, intent)
        expect(r.action).toBe('created')
        for (const k of Object.keys(data)) if (k !== section) expect(r.data[k]).toBe(data[k])
        const old = data[section]
        if (old !== undefined && old.trim() !== '[]') expect(r.data[section]!.startsWith(old)).toBe(true)
        const entry = parseAwsAuth(r.data)[section === 'mapRoles' ? 'roleIndex' : 'userIndex'].get(section === 'mapRoles' ? arn.toLowerCase() : arn)!
        expect(entry.username).toBe('new:{{SessionName}}')
        expect(entry.groups).toEqual(['team:view', 'odd group: yes'])
        // idempotent
        const again = apply(r.data, intent)
        expect(again.action).toBe('unchanged')
        expect(again.changed).toBe(false)
        // unmap restores the original text
        const back = apply(r.data, {by: 'arn', kind: 'remove', value: arn})
        if (old === undefined) expect(back.data[section]).toBe('[]\n')
        else if (old.trim() === '[]') expect(back.data[section]).toBe('[]\n')
        else expect(back.data[section]).toBe(old)
      })
    }
    it(`${name}: the file write keeps every byte outside the edited value`, () => {
      const {text} = load(name)
      if (broken(data, 'mapRoles')) return
      const r = apply(data, {arn: ROLE, groups: ['g'], kind: 'upsert', section: 'mapRoles'})
      const out = renderAwsAuthFileText(text, name, r.data)
      expect(readAwsAuthFile(out, name).data).toEqual(r.data)
      // the original text is a prefix/suffix split around one insertion (for block literals) or one replaced value
      const loc = readAwsAuthFile(text, name).locations.mapRoles
      if (loc) {
        expect(out.slice(0, loc.start)).toBe(text.slice(0, loc.start))
        expect(out.slice(out.length - (text.length - loc.end))).toBe(text.slice(loc.end))
      }
      if (loc?.style === 'BLOCK_LITERAL') {
        // only lines were added
        const a = text.split('\n')
        const b = out.split('\n')
        let i = 0
        for (const line of b) if (i < a.length && line === a[i]) i++
        expect(i).toBe(a.length)
      }
    })
  }
})

describe('comments-and-layout.yaml byte preservation', () => {
  const {data, text} = load('comments-and-layout.yaml')
  it('updating one entry changes only its groups line', () => {
    const r = apply(data, {arn: 'arn:aws:iam::111122223333:role/AWSReservedSSO_ReadOnly_0123456789abcdef', groups: ['view-all', 'audit'], kind: 'upsert', section: 'mapRoles'})
    expect(r.action).toBe('updated')
    const out = renderAwsAuthFileText(text, 'x', r.data)
    expect(out).toBe(text.replace('          - view-all\n', '          - view-all\n          - audit\n'))
  })
  it('a new user copies the indentation of the existing entries', () => {
    const r = apply(data, {arn: USER, groups: ['developers'], kind: 'upsert', section: 'mapUsers', username: 'newbie'})
    const out = renderAwsAuthFileText(text, 'x', r.data)
    expect(out).toBe(`${text}      - userarn: ${USER}\n        username: newbie\n        groups:\n          - developers\n`)
  })
  it('upsert then unmap on the file gives the original bytes', () => {
    const r = apply(data, {arn: ROLE, groups: ['g'], kind: 'upsert', section: 'mapRoles'})
    const mid = renderAwsAuthFileText(text, 'x', r.data)
    const back = apply(r.data, {by: 'arn', kind: 'remove', value: ROLE})
    expect(renderAwsAuthFileText(mid, 'x', back.data)).toBe(text)
  })
})

describe('upsert semantics', () => {
  const {data} = load('kubectl-get-output.yaml')
  const admin = 'arn:aws:iam::111122223333:role/PlatformAdmin'
  it('identical mapping (ARN in another case, groups in another order) is a no-op', () => {
    const r = apply(data, {arn: admin.toUpperCase().replace('ARN:AWS:IAM', 'arn:aws:iam'), groups: ['platform:admins'], kind: 'upsert', section: 'mapRoles', username: 'platform-admin:{{SessionName}}'})
    expect(r.action).toBe('unchanged')
    expect(r.notes[0]).toMatch(/already mapped/)
  })
  it('omitted username keeps the existing one; changed groups are replaced in place', () => {
    const r = apply(data, {arn: admin, groups: ['a', 'b'], kind: 'upsert', section: 'mapRoles'})
    expect(r.action).toBe('updated')
    expect(r.data.mapRoles).toContain('- groups:\n  - a\n  - b\n  rolearn: arn:aws:iam::111122223333:role/PlatformAdmin\n  username: platform-admin:{{SessionName}}')
    expect(parseAwsAuth(r.data).roles).toHaveLength(2)
  })
  it('--append-groups adds without duplicating', () => {
    const r = apply(data, {appendGroups: true, arn: admin, groups: ['platform:admins', 'x'], kind: 'upsert', section: 'mapRoles'})
    expect(r.target!.groups).toEqual(['platform:admins', 'x'])
  })
  it('new role without username gets <RoleName>:{{SessionName}}, quoted', () => {
    const r = apply(data, {arn: ROLE, groups: ['g'], kind: 'upsert', section: 'mapRoles'})
    expect(r.data.mapRoles).toContain('username: "NewTeam:{{SessionName}}"')
    expect(r.data.mapRoles!.endsWith(`- rolearn: ${ROLE}\n  username: "NewTeam:{{SessionName}}"\n  groups:\n  - g\n`)).toBe(true)
  })
  it('duplicates: the last (effective) one is edited, never a new one appended', () => {
    const {data: risky} = load('risky.yaml')
    const r = apply(risky, {arn: 'arn:aws:iam::111122223333:role/DEPLOYER', groups: ['deployers', 'x'], kind: 'upsert', section: 'mapRoles'})
    expect(r.action).toBe('updated')
    expect(r.entriesBefore[0]!.index).toBe(6)
    expect(parseAwsAuth(r.data).roles).toHaveLength(parseAwsAuth(risky).roles.length)
    expect(r.notes.join(' ')).toMatch(/2 entries/)
  })
  it('an empty [] section becomes a block list', () => {
    const {data: mng} = load('managed-nodegroups.yaml')
    const r = apply(mng, {arn: USER, groups: ['g'], kind: 'upsert', section: 'mapUsers', username: 'u'})
    expect(r.data.mapUsers).toBe(`- userarn: ${USER}\n  username: u\n  groups:\n    - g\n`)
    expect(r.data.mapAccounts).toBe(mng.mapAccounts)
  })
  it('groups written as a string are repaired into a list', () => {
    const {data: g} = load('groups-as-string.yaml')
    const r = apply(g, {arn: 'arn:aws:iam::111122223333:role/Admin', groups: ['system:masters'], kind: 'upsert', section: 'mapRoles'})
    expect(r.action).toBe('updated')
    expect(parseAwsAuth(r.data).roles[0]!.groups).toEqual(['system:masters'])
  })
  it('a broken section is refused for editing (REFUSED) and a flow list too', () => {
    const {data: b} = load('unquoted-template.yaml')
    expect(exitOf(() => applyIntent(b, {arn: ROLE, groups: ['g'], kind: 'upsert', section: 'mapRoles'}))).toBe(ExitCode.REFUSED)
    const flow = {mapRoles: `[{rolearn: ${ROLE}, username: x, groups: [a]}]\n`}
    expect(exitOf(() => applyIntent(flow, {arn: 'arn:aws:iam::111122223333:role/Other', groups: ['g'], kind: 'upsert', section: 'mapRoles'}))).toBe(ExitCode.REFUSED)
  })
  it('values that would not read back plain are double-quoted', () => {
    for (const v of ['yes', 'on', '1:30', '0777', 'null', '~', 'a: b', '{{SessionName}}', 'x,y', 'trailing:']) {
      const f = formatScalar(v)
      expect(f.startsWith('"')).toBe(true)
    }
    for (const v of ['system:masters', 'developers', 'arn:aws:iam::111122223333:role/X']) expect(formatScalar(v)).toBe(v)
  })
})

describe('remove semantics', () => {
  it('by ARN removes every duplicate, by username every entry, missing is NOT_FOUND', () => {
    const {data} = load('risky.yaml')
    const r = apply(data, {by: 'arn', kind: 'remove', value: 'arn:aws:iam::111122223333:role/deployer'})
    expect(r.entriesBefore).toHaveLength(2)
    expect(parseAwsAuth(r.data).roles.some((e) => e.arn.toLowerCase().endsWith('deployer'))).toBe(false)
    expect(r.data.mapAccounts).toBe(data.mapAccounts)
    const u = apply(data, {by: 'username', kind: 'remove', value: 'root'})
    expect(u.entriesBefore[0]!.section).toBe('mapUsers')
    expect(exitOf(() => applyIntent(data, {by: 'arn', kind: 'remove', value: 'arn:aws:iam::111122223333:role/Nope'}))).toBe(ExitCode.NOT_FOUND)
  })
  it('an STS ARN finds the role entry it would match', () => {
    const {data} = load('kubectl-get-output.yaml')
    const r = apply(data, {by: 'arn', kind: 'remove', value: 'arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane'})
    expect(r.entriesBefore[0]!.arn).toBe('arn:aws:iam::111122223333:role/PlatformAdmin')
  })
})

describe('verifyEdit', () => {
  const {data} = load('comments-and-layout.yaml')
  const intent: EditIntent = {arn: ROLE, groups: ['g'], kind: 'upsert', section: 'mapRoles'}
  it('refuses text that does not read back as intended', () => {
    const r = applyIntent(data, intent)
    const tampered = {...r.data, mapRoles: r.data.mapRoles!.replace('groups: [g]', 'groups: [h]')}
    expect(exitOf(() => verifyEdit(data, tampered, intent, r))).toBe(ExitCode.REFUSED)
    const lost = {...r.data, mapUsers: ''}
    expect(exitOf(() => verifyEdit(data, lost, intent, r))).toBe(ExitCode.REFUSED)
    const brokenText = {...r.data, mapRoles: r.data.mapRoles!.replace('username: "NewTeam', 'username: {{x}} "NewTeam')}
    expect(exitOf(() => verifyEdit(data, brokenText, intent, r))).toBe(ExitCode.REFUSED)
  })
})

describe('input validation', () => {
  it.each([
    ['- system:masters', /pasted YAML/],
    ['admins # comment', /' #'/],
    [' admins', /spaces/],
    ['adm\tins', /control/],
    ['a\nb', /control/],
    ['{{sessionName}}', /unknown placeholder/],
    ['groups: [a]', /pasted YAML/],
    ['[a, b]', /list or mapping/],
    ['', /empty/],
  ])('rejects %j', (v, re) => {
    expect(valueProblem(v, 'group')).toMatch(re)
    expect(() => validateGroups([v])).toThrow(EksauthError)
  })
  it('accepts templates and normal names; de-duplicates groups', () => {
    expect(validateUsername('admin:{{SessionName}}')).toBe('admin:{{SessionName}}')
    expect(validateGroups(['a', 'a', 'b']).groups).toEqual(['a', 'b'])
  })
  it('ARNs: STS -> role, path stripped, wrong kind names the command, bad account, bad name', () => {
    expect(normaliseArnInput('arn:aws:sts::111122223333:assumed-role/Dev/jane', 'role').arn).toBe('arn:aws:iam::111122223333:role/Dev')
    expect(normaliseArnInput('arn:aws:iam::111122223333:role/team/Dev', 'role').arn).toBe('arn:aws:iam::111122223333:role/Dev')
    expect(() => normaliseArnInput('arn:aws:iam::111122223333:user/bob', 'role')).toThrow(/map-user/)
    expect(() => normaliseArnInput('arn:aws:iam::111122223333:role/bob', 'user')).toThrow(/map-role/)
    expect(() => normaliseArnInput('arn:aws:iam::11112222333:role/bob', 'role')).toThrow(/12 digits/)
    expect(() => normaliseArnInput('arn:aws:iam::111122223333:role/bo b', 'role')).toThrow(EksauthError)
    expect(() => normaliseArnInput('arn:aws:iam::111122223333:role/b!b', 'role')).toThrow(/valid IAM role name/)
    expect(() => normaliseArnInput('not-an-arn', 'role')).toThrow(/not an ARN/)
  })
})

// ---------------------------------------------------------------------------------------------------------------

class FakeStore implements AwsAuthStore {
  writes: {data: Record<string, string>; dryRun?: boolean}[] = []
  conflicts = 0
  rv = 1
  constructor(public data: Record<string, string>, private onWrite?: (n: number) => void) {}
  describe() {
    return 'fake'
  }
  async read(): Promise<AwsAuthSnapshot> {
    return {data: {...this.data}, exists: true, resourceVersion: String(this.rv), source: 'fake'}
  }
  async write(data: Record<string, string>, base: AwsAuthSnapshot, opts: {dryRun?: boolean} = {}) {
    this.onWrite?.(this.writes.length)
    if (base.resourceVersion !== String(this.rv)) {
      this.conflicts++
      throw new ConflictError('rv changed')
    }
    this.writes.push({data, dryRun: opts.dryRun})
    if (!opts.dryRun) {
      this.data = data
      this.rv++
    }
    return {resourceVersion: String(this.rv)}
  }
}

describe('edit service: conflict-only bounded retry', () => {
  const {data} = load('comments-and-layout.yaml')
  const intent: EditIntent = {arn: USER, groups: ['g'], kind: 'upsert', section: 'mapUsers', username: 'u'}
  const base = {confirm: async () => true, random: () => 0.5, sleep: async () => {}}
  it('a conflict re-reads, re-applies to the new text and keeps the other writer\'s change', async () => {
    const store = new FakeStore(data)
    let raced = false
    const racer = new FakeStore(data)
    store.read = async () => {
      const snap = {data: {...store.data}, exists: true, resourceVersion: String(store.rv), source: 'fake'}
      if (!raced) {
        raced = true
        // someone else maps a role between our read and our write
        store.data = applyIntent(store.data, {arn: ROLE, groups: ['x'], kind: 'upsert', section: 'mapRoles'}).data
        store.rv++
      }
      return snap
    }
    void racer
    const notices: string[] = []
    const out = await editAwsAuth({...base, intent, onNotice: (m) => notices.push(m), store})
    expect(out.attempts).toBe(2)
    expect(notices[0]).toMatch(/conflict.*attempt 2 of 15/)
    const view = parseAwsAuth(store.data)
    expect(view.roleIndex.has(ROLE.toLowerCase())).toBe(true)
    expect(view.userIndex.has(USER)).toBe(true)
  })
  it('gives up after the bound with CONFLICT (exit 3)', async () => {
    const store = new FakeStore(data)
    store.write = async () => {
      throw new ConflictError()
    }
    const sleeps: number[] = []
    await expect(editAwsAuth({...base, intent, sleep: async (ms) => void sleeps.push(ms), store})).rejects.toMatchObject({exit: ExitCode.CONFLICT})
    expect(sleeps).toHaveLength(DEFAULT_RETRY.attempts - 1)
  })
  it('does not retry other errors', async () => {
    const store = new FakeStore(data)
    let n = 0
    store.write = async () => {
      n++
      throw new EksauthError('forbidden', {code: 'E_FORBIDDEN', exit: ExitCode.NOT_AUTHORIZED})
    }
    await expect(editAwsAuth({...base, intent, store})).rejects.toMatchObject({exit: ExitCode.NOT_AUTHORIZED})
    expect(n).toBe(1)
  })
  it('backoff is full jitter, doubling from 50 ms to a 2 s cap', () => {
    expect(backoffMs(DEFAULT_RETRY, 1, () => 0.999)).toBe(49)
    expect(backoffMs(DEFAULT_RETRY, 6, () => 0.999)).toBe(1598)
    expect(backoffMs(DEFAULT_RETRY, 9, () => 0.999)).toBe(1998)
    expect(backoffMs(DEFAULT_RETRY, 3, () => 0)).toBe(0)
  })
  it('dry run writes with dryRun and takes no backup; declining cancels; no-op writes nothing', async () => {
    const store = new FakeStore(data)
    let backups = 0
    const out = await editAwsAuth({...base, backup: () => `b${++backups}`, dryRun: true, intent, store})
    expect(out.dryRun).toBe(true)
    expect(store.writes).toEqual([expect.objectContaining({dryRun: true})])
    expect(backups).toBe(0)
    expect(store.data).toBe(data)
    await expect(editAwsAuth({...base, confirm: async () => false, intent, store})).rejects.toMatchObject({exit: ExitCode.REFUSED})
    const live = await editAwsAuth({...base, backup: () => `b${++backups}`, intent, store})
    expect(live.backupPath).toBe('b1')
    const again = await editAwsAuth({...base, backup: () => `b${++backups}`, intent, store})
    expect(again.action).toBe('unchanged')
    expect(backups).toBe(1)
  })
})
