/**
 * IamDirectory over the IAM API.
 *
 * lookup(arns):
 * - up to `listThreshold` (20) distinct names of a kind: GetRole / GetUser by name (the last path segment), at most
 *   `concurrency` (4) at a time;
 * - more than that: ListRoles / ListUsers paged once (1,000 per page) and answered from memory, so 1,000 ARNs cost
 *   a handful of calls. A listing, once made, also answers later lookups and similarRoles().
 * - The answer per ARN: exists (IAM's own ARN, with its real path and case, and the RoleId/UserId) | missing |
 *   denied (the message names iam:GetRole / iam:ListRoles ...) | error.
 * - Names are compared case-insensitively when answering from a listing, as IAM itself does (real GetRole is
 *   case-insensitive too; moto's is not).
 * - root ARNs are reported `exists` without a call: an account's root always exists, and checking the account would
 *   need Organizations access. sts assumed-role ARNs are looked up as their role. federated-user ARNs are `error`.
 * - IAM only answers for the account of the credentials: the account is learned with one sts:GetCallerIdentity
 *   (unless `accountId` is given) and ARNs of other accounts are `error` ("cannot check another account").
 * - Missing or expired credentials throw (NOT_AUTHORIZED with the fix) instead of being reported per ARN: nothing
 *   else the command does can work without them.
 */
import type {IAMClient, Role, User} from '@aws-sdk/client-iam'
import type {STSClient} from '@aws-sdk/client-sts'
import pLimit from 'p-limit'

import {canonicalize, iamName} from '../../core/arn.js'
import type {IamDirectory, IamPrincipalInfo} from '../../core/ports.js'
import {type AwsClientOptions, awsError, classifyAwsError, iamClient, safeMessage, stsClient} from './clients.js'

export interface SdkIamDirectoryOptions extends AwsClientOptions {
  /** the account of the credentials; when absent it is learned with one sts:GetCallerIdentity */
  accountId?: string
  /** more distinct names of one kind than this: list instead of get (default 20) */
  listThreshold?: number
  /** parallel GetRole/GetUser calls (default 4) */
  concurrency?: number
  /** ListRoles/ListUsers MaxItems (default 1000, IAM's maximum) */
  pageSize?: number
  /** prebuilt clients (tests) */
  clients?: {iam?: IAMClient; sts?: STSClient}
}

export interface IamDirectoryStats {
  /** every AWS API call made (each page of a listing is one call), retries not counted */
  calls: number
  byAction: Record<string, number>
}

type Kind = 'role' | 'user'

interface Principal {
  arn: string
  id?: string
  name: string
}

/** A listing of one kind, or why there is none. */
type Listing = {ok: true; byName: Map<string, Principal[]>} | {ok: false; info: IamPrincipalInfo; error: Error}

const SSO_PREFIX = /^AWSReservedSSO_/i
/** AWSReservedSSO_<permission set>_<16 hex> */
const SSO_SUFFIX = /_[0-9a-f]{16}$/i

export class SdkIamDirectory implements IamDirectory {
  private readonly opts: SdkIamDirectoryOptions
  private readonly counts: Record<string, number> = {}
  private iam?: Promise<IAMClient>
  private account?: Promise<string | undefined>
  private readonly listings = new Map<Kind, Promise<Listing>>()

  constructor(opts: SdkIamDirectoryOptions = {}) {
    this.opts = opts
    if (opts.accountId) this.account = Promise.resolve(opts.accountId)
  }

  stats(): IamDirectoryStats {
    return {byAction: {...this.counts}, calls: Object.values(this.counts).reduce((a, b) => a + b, 0)}
  }

  async lookup(arns: string[]): Promise<Map<string, IamPrincipalInfo>> {
    const out = new Map<string, IamPrincipalInfo>()
    const wanted: Record<Kind, Map<string, string[]>> = {role: new Map(), user: new Map()}
    let partition: string | undefined
    for (const arn of new Set(arns)) {
      let p
      try {
        p = canonicalize(arn)
      } catch (error) {
        out.set(arn, {message: (error as Error).message, status: 'error'})
        continue
      }
      if (p.kind === 'root') {
        out.set(arn, {arn: p.canonicalArn, status: 'exists'})
        continue
      }
      if (p.kind === 'federated-user') {
        out.set(arn, {message: `${arn} is an STS federated-user session, not an IAM principal: it cannot be looked up`, status: 'error'})
        continue
      }
      const kind: Kind = p.kind === 'user' ? 'user' : 'role'
      // assumed-role/ROLE/SESSION is looked up as its role
      const name = iamName(p.canonicalArn)
      partition ??= p.parsed.partition
      const list = wanted[kind].get(name) ?? []
      list.push(arn)
      wanted[kind].set(name, list)
    }
    if (wanted.role.size + wanted.user.size === 0) return out

    this.iam ??= this.opts.clients?.iam ? Promise.resolve(this.opts.clients.iam) : iamClient(this.opts, partition)
    const account = await this.callerAccount()

    // other accounts cannot be checked with these credentials
    for (const kind of ['role', 'user'] as const) {
      for (const [name, list] of [...wanted[kind]]) {
        const foreign = account ? list.filter((a) => canonicalize(a).accountId !== account) : []
        for (const a of foreign) {
          out.set(a, {
            message: `${a} is in account ${canonicalize(a).accountId}, but the AWS credentials are for account ${account}: IAM can only be checked in the credentials' account (use --profile for that account)`,
            status: 'error',
          })
        }
        const mine = list.filter((a) => !foreign.includes(a))
        if (mine.length === 0) wanted[kind].delete(name)
        else wanted[kind].set(name, mine)
      }
    }

    const threshold = this.opts.listThreshold ?? 20
    await Promise.all(
      (['role', 'user'] as const).map(async (kind) => {
        const names = wanted[kind]
        if (names.size === 0) return
        if (names.size > threshold || this.listings.has(kind)) {
          const listing = await this.listing(kind)
          for (const [name, list] of names) {
            const info = listing.ok ? pick(listing.byName.get(name.toLowerCase()), name) : listing.info
            for (const a of list) out.set(a, info)
          }
          return
        }
        const limit = pLimit(this.opts.concurrency ?? 4)
        await Promise.all(
          [...names].map(([name, list]) =>
            limit(async () => {
              const info = await this.getOne(kind, name)
              for (const a of list) out.set(a, info)
            }),
          ),
        )
      }),
    )
    return out
  }

  /**
   * "Did you mean": the real ARNs of every role whose name equals `name` case-insensitively (any path), and for
   * `AWSReservedSSO_<set>[_<suffix>]` every concrete SSO role of that permission set. One ListRoles pass, cached.
   * Throws the mapped EksauthError when the listing fails (callers treat the hint as best effort).
   */
  async similarRoles(name: string): Promise<string[]> {
    this.iam ??= this.opts.clients?.iam ? Promise.resolve(this.opts.clients.iam) : iamClient(this.opts)
    const listing = await this.listing('role')
    if (!listing.ok) throw listing.error
    const found = new Set<string>()
    for (const p of listing.byName.get(name.toLowerCase()) ?? []) found.add(p.arn)
    if (SSO_PREFIX.test(name)) {
      const set = name.replace(SSO_PREFIX, '').replace(SSO_SUFFIX, '').toLowerCase()
      const prefix = `awsreservedsso_${set}_`
      for (const [lower, list] of listing.byName) {
        if (lower.startsWith(prefix) && SSO_SUFFIX.test(lower) && lower.length === prefix.length + 16) for (const p of list) found.add(p.arn)
      }
    }
    return [...found].sort()
  }

  // -------------------------------------------------------------------------------------------------------------

  private count(action: string): void {
    this.counts[action] = (this.counts[action] ?? 0) + 1
  }

  private async callerAccount(): Promise<string | undefined> {
    this.account ??= (async () => {
      const sts = this.opts.clients?.sts ?? (await stsClient(this.opts))
      const {GetCallerIdentityCommand} = await import('@aws-sdk/client-sts')
      this.count('sts:GetCallerIdentity')
      try {
        return (await sts.send(new GetCallerIdentityCommand({}))).Account || undefined
      } catch (error) {
        if (classifyAwsError(error) === 'credentials') throw awsError(error, {action: 'sts:GetCallerIdentity', profile: this.opts.profile})
        // without the account every ARN is checked in the credentials' account, as IAM would
        return undefined
      }
    })()
    try {
      return await this.account
    } catch (error) {
      this.account = undefined
      throw error
    }
  }

  private async getOne(kind: Kind, name: string): Promise<IamPrincipalInfo> {
    const iam = await this.iam!
    const action = kind === 'role' ? 'iam:GetRole' : 'iam:GetUser'
    this.count(action)
    try {
      if (kind === 'role') {
        const {GetRoleCommand} = await import('@aws-sdk/client-iam')
        const r = (await iam.send(new GetRoleCommand({RoleName: name}))).Role
        return {arn: r?.Arn, id: r?.RoleId, status: 'exists'}
      }
      const {GetUserCommand} = await import('@aws-sdk/client-iam')
      const u = (await iam.send(new GetUserCommand({UserName: name}))).User
      return {arn: u?.Arn, id: u?.UserId, status: 'exists'}
    } catch (error) {
      return this.failure(error, action, `${kind} ${name}`)
    }
  }

  /** NoSuchEntity -> missing, AccessDenied -> denied, credentials -> thrown, anything else -> error. */
  private failure(error: unknown, action: string, resource: string): IamPrincipalInfo {
    const kind = classifyAwsError(error)
    if (kind === 'not-found') return {message: safeMessage(error), status: 'missing'}
    const mapped = awsError(error, {action, profile: this.opts.profile, resource})
    if (kind === 'credentials') throw mapped
    if (kind === 'denied') return {message: `${action} was denied: ${safeMessage(error)}`, status: 'denied'}
    return {message: mapped.message, status: 'error'}
  }

  private listing(kind: Kind): Promise<Listing> {
    let p = this.listings.get(kind)
    if (!p) {
      p = this.list(kind)
      this.listings.set(kind, p)
      // a failed listing is not cached: a later call may try again
      p.then(
        (l) => {
          if (!l.ok) this.listings.delete(kind)
        },
        () => this.listings.delete(kind),
      )
    }
    return p
  }

  /** One ListRoles / ListUsers pass (every page counted as one call). */
  private async list(kind: Kind): Promise<Listing> {
    const iam = await this.iam!
    const action = kind === 'role' ? 'iam:ListRoles' : 'iam:ListUsers'
    const byName = new Map<string, Principal[]>()
    const add = (name: string | undefined, arn: string | undefined, id: string | undefined) => {
      if (!name || !arn) return
      const key = name.toLowerCase()
      const list = byName.get(key) ?? []
      list.push({arn, id, name})
      byName.set(key, list)
    }
    const pageSize = this.opts.pageSize ?? 1000
    try {
      const {paginateListRoles, paginateListUsers} = await import('@aws-sdk/client-iam')
      if (kind === 'role') {
        for await (const page of paginateListRoles({client: iam, pageSize}, {})) {
          this.count(action)
          for (const r of page.Roles ?? ([] as Role[])) add(r.RoleName, r.Arn, r.RoleId)
        }
      } else {
        for await (const page of paginateListUsers({client: iam, pageSize}, {})) {
          this.count(action)
          for (const u of page.Users ?? ([] as User[])) add(u.UserName, u.Arn, u.UserId)
        }
      }
      return {byName, ok: true}
    } catch (error) {
      this.count(action) // the page that failed
      const info = this.failure(error, action, kind === 'role' ? 'all roles' : 'all users')
      if (info.status === 'denied') {
        info.message = `${info.message} (more than ${this.opts.listThreshold ?? 20} ${kind}s are checked with one ${action} listing)`
      }
      return {error: awsError(error, {action, profile: this.opts.profile}), info, ok: false}
    }
  }
}

/** The principal for `name` from a listing: the exact spelling first, else the one IAM has (any case). */
function pick(candidates: Principal[] | undefined, name: string): IamPrincipalInfo {
  if (!candidates || candidates.length === 0) return {message: `no ${name} in the listing`, status: 'missing'}
  const p = candidates.find((c) => c.name === name) ?? candidates[0]!
  return {arn: p.arn, id: p.id, status: 'exists'}
}
