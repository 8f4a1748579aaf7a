/**
 * The simulate chain over the sources named on the command line: token checks (--token), identity (ARN, username,
 * service account), and the RBAC decision. The command only parses and renders.
 */
import {loadAccessEntriesFile} from '../adapters/files/access-entries-file.js'
import {loadAwsAuthFile} from '../adapters/files/aws-auth-file.js'
import {loadWorkloadFiles} from '../adapters/files/workload-files.js'
import {loadRbacManifests} from '../adapters/offline-state.js'
import type {TokenVerdict} from '../adapters/aws/sts.js'
import {badInput} from '../core/errors.js'
import {type Diagnosis, resolveIdentity} from '../core/identity/resolve.js'
import {defaultRbacObjects} from '../core/rbac/defaults.js'
import {authorize, directIdentity, type FullSimulateResult, requestFromFlags, serviceAccountIdentity} from '../core/simulate.js'
import {parseServiceAccount, type ServiceAccountRole, serviceAccountRoles} from '../core/workload/rules.js'

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/** simulate --token: the verify result comes first; a failing token ends the chain (diagnosis token-rejected). */
export type SimulateTokenResult = Omit<FullSimulateResult, 'diagnosis'> & {
  diagnosis: Diagnosis | 'token-rejected'
  token?: TokenVerdict
  assumableRoles?: ServiceAccountRole[]
}

export interface SimulateFlags {
  arn?: string
  'user-id'?: string
  'access-key-id'?: string
  'ec2-private-dns-name'?: string
  username?: string
  group?: string[]
  'service-account'?: string
  'iam-inventory'?: string
  'cluster-json'?: string
  'pod-identity-associations'?: string
  'aws-auth'?: string
  'access-entries'?: string
  'auth-mode'?: 'CONFIG_MAP' | 'API_AND_CONFIG_MAP' | 'API'
  manifests?: string[]
  defaults: boolean
  verb?: string
  resource?: string
  'api-group'?: string
  namespace?: string
  name?: string
  'non-resource-url'?: string
  list: boolean
  'sso-role-match': boolean
  token?: string
  'cluster-id'?: string
  at?: string
  sts: boolean
  'sts-endpoint'?: string
}

export async function simulate(f: SimulateFlags): Promise<SimulateTokenResult> {
if (f['service-account'] !== undefined) return simulateServiceAccount(f, f['service-account'])
  if (!f.arn && f.username === undefined && !(f.token !== undefined && f.sts)) {
    throw badInput('say who: pass --arn ARN (the caller as STS reports it), --username U [--group G ...], --service-account NS/SA, or --token T --sts', 'E_NO_IDENTITY')
  }
  if (f.token !== undefined && f.username !== undefined) throw badInput('--token explains an AWS identity: use it with --arn or --sts, not --username', 'E_BAD_INPUT')
  const request = requestFromFlags({apiGroup: f['api-group'], name: f.name, namespace: f.namespace, nonResourceUrl: f['non-resource-url'], resource: f.resource, verb: f.verb})
  let token: TokenVerdict | undefined
  let arn = f.arn
  if (f.token !== undefined) {
    token = await checkToken(f.token, f['cluster-id']!, f.at, f.sts, f['sts-endpoint'])
    if (!token.valid) {
      const rejected: SimulateTokenResult = {
        authenticated: false,
        canonicalArn: null,
        diagnosis: 'token-rejected',
        input: {arn: f.arn ?? token.callerArn ?? ''},
        mapping: null,
        notes: [],
        principal: null,
        reason: `token rejected (${token.reason}): ${token.message}`,
        steps: [`token: ${token.reason}`],
        token,
        user: null,
      }
      return rejected
    }
    if (!arn && token.callerArn) arn = token.callerArn
  }
  const awsAuth = f['aws-auth'] ? loadAwsAuthFile(f['aws-auth']) : undefined
  const accessEntries = f['access-entries'] ? loadAccessEntriesFile(f['access-entries']) : undefined
  const identity = arn
    ? resolveIdentity(
        {accessKeyId: f['access-key-id'], arn, ec2PrivateDnsName: f['ec2-private-dns-name'], userId: f['user-id']},
        {
          accessEntries,
          authMode: f['auth-mode'],
          awsAuth: awsAuth?.view,
          droppedSectionArns: awsAuth?.droppedSectionArns,
          lineOf: awsAuth?.lineOf,
          ssoRoleMatch: f['sso-role-match'],
        },
      )
    : directIdentity(f.username!, f.group ?? [])
  const needsRbac = Boolean(request) || f.list
  const rbac = needsRbac && f.manifests ? loadRbacManifests(f.manifests, f.defaults) : undefined
  if (needsRbac && !f.manifests) identity.notes.push('no --manifests: deciding with Kubernetes\' default roles and bindings only')
  const result = authorize(identity, {
    accessEntries,
    list: f.list,
    namespace: f.namespace,
    rbac: rbac?.objects ?? (needsRbac && f.defaults ? defaultRbacObjects() : undefined),
    request,
  })
  if (token) {
    result.steps.unshift(`token valid for cluster id ${JSON.stringify(f['cluster-id'])}${token.callerArn ? `, signed by ${token.callerArn} (STS)` : ''}, expires ${token.expiresAt}`)
  }
  return token ? {token, ...result} : result
}

/** --service-account NS/SA: the IAM roles it can assume, and (with a request or --list) what RBAC lets it do. */
async function simulateServiceAccount(f: SimulateFlags, ref: string): Promise<SimulateTokenResult> {
  const {name, namespace} = parseServiceAccount(ref)
  if (!f['iam-inventory'] && !f['pod-identity-associations'] && !f.manifests && !f.verb && !f.list) {
    throw badInput('--service-account needs a question: --iam-inventory FILE --cluster-json FILE (which IAM roles it can assume) and/or --manifests PATH with --verb/--resource or --list')
  }
  if (f['iam-inventory'] && !f['cluster-json']) throw badInput('--iam-inventory with --service-account needs --cluster-json FILE: IRSA trust names the cluster\'s OIDC issuer')
  const wi = loadWorkloadFiles({clusterJson: f['cluster-json'], iamInventory: f['iam-inventory'], podIdentityAssociations: f['pod-identity-associations']})
  const cluster = wi.clusters[0]
  const roles = cluster || wi.podIdentityAssociations ? serviceAccountRoles(wi.roles, cluster ?? {issuer: ''}, ref, wi.podIdentityAssociations) : []
  const identity = serviceAccountIdentity(namespace, name)
  const request = requestFromFlags({apiGroup: f['api-group'], name: f.name, namespace: f.namespace, nonResourceUrl: f['non-resource-url'], resource: f.resource, verb: f.verb})
  const needsRbac = Boolean(request) || f.list
  const rbac = needsRbac && f.manifests ? loadRbacManifests(f.manifests, f.defaults) : undefined
  const result: FullSimulateResult & {assumableRoles?: ServiceAccountRole[]} = authorize(identity, {
    list: f.list,
    namespace: f.namespace,
    rbac: rbac?.objects ?? (needsRbac && f.defaults ? defaultRbacObjects() : undefined),
    request,
  })
  if (f['iam-inventory'] || f['pod-identity-associations']) {
    result.assumableRoles = roles
    result.steps.push(
      roles.length === 0
        ? `no IAM role in the inventory can be assumed by ${namespace}/${name}${cluster ? ` of ${cluster.name ?? cluster.issuer}` : ''}`
        : `${roles.length} IAM role${roles.length === 1 ? '' : 's'} assumable: ${roles.map((r) => `${r.roleArn} (${r.via === 'irsa' ? `IRSA, statement ${(r.statement ?? 0) + 1}` : 'Pod Identity'})`).join('; ')}`,
    )
  }
  return result
}

/** Format checks, the signature when the local static keys signed it, and the STS replay with --sts. */
async function checkToken(token: string, clusterId: string, at: string | undefined, sts: boolean, endpoint: string | undefined): Promise<TokenVerdict> {
  let now: Date | undefined
  if (at !== undefined) {
    now = RFC3339.test(at) ? new Date(at) : undefined
    if (!now || Number.isNaN(now.getTime())) throw badInput(`--at "${at}" is not an RFC 3339 time`, 'E_BAD_INPUT', ['e.g. --at 2026-01-01T12:00:00Z'])
  }
  const env = endpoint ? {...process.env, AWS_ENDPOINT_URL_STS: endpoint} : process.env
  // recompute the signature only with static keys: never wait on a credential chain (IMDS) for an offline answer
  const signature = Boolean(env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY && !env.AWS_PROFILE)
  const {verifyToken} = await import('../adapters/aws/sts.js')
  const v = await verifyToken(token, {clusterId, env, now, signature, sts})
  if (v.valid && !signature && !sts) v.message = `${v.message}; signature not checked (no static AWS keys here; --sts asks STS)`
  return v
}
