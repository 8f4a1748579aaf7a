/**
 * The full offline chain: identity (resolveIdentity) -> groups -> RBAC decision (authorizer), with EKS access
 * policies of a matching access entry modelled as RBAC. Pure.
 */
import {accessEntryRbac} from './rbac/eks-access-policies.js'
import {mergeRbacObjects} from './rbac/defaults.js'
import {type AccessRequest, buildIndex, canI, listRules, type RulesList} from './rbac/authorizer.js'
import {emptyRbacObjects, type RbacObjects} from './rbac/objects.js'
import {badInput} from './errors.js'
import type {AccessEntry} from './ports.js'
import type {SimulateResult} from './identity/resolve.js'

export interface RequestFlags {
  verb?: string
  resource?: string
  apiGroup?: string
  namespace?: string
  name?: string
  nonResourceUrl?: string
}

export interface SimulateDecision {
  allowed: boolean
  reason: string
  via: {binding: unknown; role: unknown; rule: unknown} | null
  request: AccessRequest
}

export interface FullSimulateResult extends SimulateResult {
  decision?: SimulateDecision
  rules?: RulesList
}

/** --verb/--resource R[/SUB]/--api-group/--namespace/--name or --verb/--non-resource-url -> a request (or none). */
export function requestFromFlags(f: RequestFlags): AccessRequest | undefined {
  const any = f.resource ?? f.nonResourceUrl ?? f.apiGroup ?? f.name
  if (!f.verb && !any) return undefined
  if (!f.verb) throw badInput('a request needs --verb (get, list, create, update, patch, delete, ...)')
  if (f.nonResourceUrl !== undefined) {
    if (f.resource || f.namespace || f.name || f.apiGroup) throw badInput('--non-resource-url cannot be combined with --resource, --api-group, --namespace or --name')
    if (!f.nonResourceUrl.startsWith('/')) throw badInput(`--non-resource-url ${f.nonResourceUrl}: a path starts with /, e.g. /healthz`)
    return {nonResourceURL: f.nonResourceUrl, verb: f.verb}
  }
  if (!f.resource) throw badInput('a request needs --resource R[/SUBRESOURCE] (e.g. pods, pods/exec, configmaps) or --non-resource-url PATH')
  const [resource, subresource, extra] = f.resource.split('/')
  if (!resource || extra !== undefined || subresource === '') throw badInput(`--resource ${f.resource}: expected RESOURCE or RESOURCE/SUBRESOURCE`)
  return {
    apiGroup: f.apiGroup ?? '',
    resource,
    verb: f.verb,
    ...(subresource ? {subresource} : {}),
    ...(f.namespace ? {namespace: f.namespace} : {}),
    ...(f.name ? {name: f.name} : {}),
  }
}

export function authorize(
  identity: SimulateResult,
  opts: {rbac?: RbacObjects; accessEntries?: AccessEntry[]; request?: AccessRequest; list?: boolean; namespace?: string},
): FullSimulateResult {
  const result: FullSimulateResult = {...identity}
  if (!opts.request && !opts.list) return result
  const user = identity.user
  if (!user) {
    if (opts.request) result.decision = {allowed: false, reason: `not authenticated: ${identity.reason}`, request: opts.request, via: null}
    return result
  }
  let objects = opts.rbac ?? emptyRbacObjects()
  const m = identity.mapping
  if (m?.source === 'accessEntry' && m.accessPolicies?.length) {
    const entry = opts.accessEntries?.[m.index]
    if (entry) {
      const extra = accessEntryRbac(entry, user.username)
      objects = mergeRbacObjects(objects, extra)
      if (extra.unknownPolicies.length > 0) result.notes.push(`access policies not modelled (they grant nothing here): ${extra.unknownPolicies.join(', ')}`)
      result.notes.push(...extra.notes)
    }
  }
  const index = buildIndex(objects)
  const rbacUser = {groups: user.groups, username: user.username}
  if (opts.request) {
    const d = canI(index, rbacUser, opts.request)
    result.decision = {allowed: d.allowed, reason: d.reason, request: opts.request, via: d.via ? {binding: d.via.binding, role: d.via.role, rule: d.via.rule} : null}
    result.steps.push(`${d.allowed ? 'allowed' : 'denied'}: ${d.reason}`)
  }
  if (opts.list) result.rules = listRules(index, rbacUser, opts.namespace)
  return result
}

/** A Kubernetes identity known without an AWS step; the API server adds system:authenticated. */
function knownIdentity(username: string, groups: string[], reason: string, step: string): SimulateResult {
  const all = [...new Set([...groups, 'system:authenticated'])]
  return {
    authenticated: true,
    canonicalArn: null,
    diagnosis: 'mapped',
    input: {arn: ''},
    mapping: null,
    notes: [],
    principal: null,
    reason,
    steps: [`${step}user ${JSON.stringify(username)} in groups ${all.join(', ')}`],
    user: {groups: all, username},
  }
}

/** `--username U --group G...`: an already-known Kubernetes identity (no AWS step). */
export const directIdentity = (username: string, groups: string[]): SimulateResult =>
  knownIdentity(username, groups, 'identity given directly (--username/--group)', 'given: ')

/** A service account as the API server authenticates it: its username and the service-account groups. */
export const serviceAccountIdentity = (namespace: string, name: string): SimulateResult =>
  knownIdentity(
    `system:serviceaccount:${namespace}:${name}`,
    ['system:serviceaccounts', `system:serviceaccounts:${namespace}`],
    `service account ${namespace}/${name}`,
    `service account ${namespace}/${name}: `,
  )
