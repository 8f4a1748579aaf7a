import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {loadAccessEntriesFile} from '../adapters/files/access-entries-file.js'
import {loadAwsAuthFile} from '../adapters/files/aws-auth-file.js'
import {loadRbacManifests} from '../adapters/offline-state.js'
import {badInput} from '../core/errors.js'
import {resolveIdentity} from '../core/identity/resolve.js'
import {defaultRbacObjects} from '../core/rbac/defaults.js'
import {authorize, directIdentity, serviceAccountIdentity, type FullSimulateResult, requestFromFlags} from '../core/simulate.js'
import {loadWorkloadFiles} from '../adapters/files/workload-files.js'
import {parseServiceAccount, type ServiceAccountRole, serviceAccountRoles} from '../core/workload/rules.js'
import {renderSimulate, renderTokenStep} from '../render/simulate.js'
import type {TokenVerdict} from '../adapters/aws/sts.js'
import type {Diagnosis} from '../core/identity/resolve.js'

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

/** simulate --token: the verify result comes first; a failing token ends the chain (diagnosis token-rejected). */
export type SimulateTokenResult = Omit<FullSimulateResult, 'diagnosis'> & {diagnosis: Diagnosis | 'token-rejected'; token?: TokenVerdict}

export default class Simulate extends BaseCommand<typeof Simulate> {
  static override summary = 'Work out, offline, what EKS makes of an AWS identity: username, groups, RBAC decision, or why it is rejected.'
  static override description = `Follows aws-iam-authenticator rule for rule: the caller ARN is canonicalised (assumed-role -> role), looked up in
access entries (per the authentication mode), then mapRoles, mapUsers and mapAccounts, and the username and group
templates are rendered. With --manifests and a request (--verb/--resource or --non-resource-url) it then decides the
request as the API server would (system:masters before RBAC, then RBAC; access policies of a matching access entry
count too). Needs no cluster, credentials or network. Without --aws-auth it only canonicalises.
With --token T --cluster-id C the token is checked first (the authenticator's format checks, expiry at --at, the
signature when the local static keys signed it, and with --sts a replay to STS, which also names the caller when --arn
is omitted); a failing token ends the chain with its reason keyword, and --json carries the verify result as "token".
An identity that is not mapped, a rejected token or a denied request is an answer, not an error: exit 0.`

  static override examples = [
    '<%= config.bin %> simulate --arn arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane --aws-auth examples/aws-auth.yaml',
    '<%= config.bin %> simulate --arn arn:aws:sts::111122223333:assumed-role/SecurityAudit/sam --aws-auth examples/aws-auth.yaml --manifests examples/rbac --verb get --resource secrets --namespace kube-system',
    '<%= config.bin %> simulate --username jenkins --group deployers --manifests examples/rbac --list',
    '<%= config.bin %> simulate --token "$TOKEN" --cluster-id prod --sts --aws-auth examples/aws-auth.yaml',
    '<%= config.bin %> simulate --arn arn:aws:sts::111122223333:assumed-role/nodes/i-0123456789abcdef0 --aws-auth examples/aws-auth.yaml --ec2-private-dns-name ip-10-0-1-23.ec2.internal',
  ]

  static override flags = {
    arn: Flags.string({description: 'Caller ARN as `aws sts get-caller-identity` prints it.', exclusive: ['username'], helpGroup: 'IDENTITY', helpValue: 'ARN'}),
    'user-id': Flags.string({description: 'STS UserId (ROLEID:SESSION for roles); derived from the ARN when omitted.', helpGroup: 'IDENTITY', helpValue: 'ID'}),
    'access-key-id': Flags.string({description: 'Access key id, for {{AccessKeyID}} templates.', helpGroup: 'IDENTITY', helpValue: 'AKID'}),
    'ec2-private-dns-name': Flags.string({description: 'Value of {{EC2PrivateDNSName}} (otherwise it stays symbolic).', helpGroup: 'IDENTITY', helpValue: 'DNS'}),
    username: Flags.string({description: 'A Kubernetes username to decide for directly, instead of --arn.', helpGroup: 'IDENTITY', helpValue: 'U'}),
    group: Flags.string({dependsOn: ['username'], description: 'A group of --username (repeatable).', helpGroup: 'IDENTITY', helpValue: 'G', multiple: true}),
    'service-account': Flags.string({
      description: 'A Kubernetes service account NS/NAME: which IAM roles it can assume (IRSA trust policies, Pod Identity) and, with a request, its RBAC decision.',
      exclusive: ['arn', 'username', 'token'],
      helpGroup: 'IDENTITY',
      helpValue: 'NS/SA',
    }),
    'iam-inventory': Flags.string({description: 'With --service-account: `aws iam get-account-authorization-details` output (role trust policies).', helpGroup: 'SOURCES', helpValue: 'FILE'}),
    'cluster-json': Flags.string({description: 'With --service-account: `aws eks describe-cluster` output (the OIDC issuer).', helpGroup: 'SOURCES', helpValue: 'FILE'}),
    'pod-identity-associations': Flags.string({description: 'With --service-account: `aws eks describe-pod-identity-association` output (one or many).', helpGroup: 'SOURCES', helpValue: 'FILE'}),
    'aws-auth': Flags.string({description: 'aws-auth ConfigMap file (manifest or kubectl output; - for stdin).', helpGroup: 'SOURCES', helpValue: 'FILE'}),
    'access-entries': Flags.string({description: 'Access entries JSON (aws eks describe-access-entry / list-associated-access-policies output).', helpGroup: 'SOURCES', helpValue: 'FILE'}),
    'auth-mode': Flags.option({
      description: 'Cluster authentication mode (default CONFIG_MAP, or API_AND_CONFIG_MAP with --access-entries).',
      helpGroup: 'SOURCES',
      options: ['CONFIG_MAP', 'API_AND_CONFIG_MAP', 'API'] as const,
    })(),
    manifests: Flags.string({description: 'RBAC manifests: files or directories (repeatable).', helpGroup: 'SOURCES', helpValue: 'PATH', multiple: true}),
    defaults: Flags.boolean({allowNo: true, default: true, description: 'Add Kubernetes\' default ClusterRoles and bindings the manifests lack.', helpGroup: 'SOURCES'}),
    verb: Flags.string({description: 'Request verb: get, list, watch, create, update, patch, delete, impersonate, ...', helpGroup: 'REQUEST', helpValue: 'V'}),
    resource: Flags.string({description: 'Request resource, RESOURCE or RESOURCE/SUBRESOURCE (pods, pods/exec).', helpGroup: 'REQUEST', helpValue: 'R[/SUB]'}),
    'api-group': Flags.string({description: 'API group of the resource ("" for core, apps, rbac.authorization.k8s.io...).', helpGroup: 'REQUEST', helpValue: 'G'}),
    namespace: Flags.string({char: 'n', description: 'Request namespace (omit for cluster-scoped or all-namespaces requests).', helpGroup: 'REQUEST', helpValue: 'NS'}),
    name: Flags.string({description: 'Object name of the request.', helpGroup: 'REQUEST', helpValue: 'NAME'}),
    'non-resource-url': Flags.string({description: 'A non-resource path such as /healthz or /metrics.', helpGroup: 'REQUEST', helpValue: 'PATH'}),
    list: Flags.boolean({description: 'List every rule the identity has (in --namespace), like kubectl auth can-i --list.', helpGroup: 'REQUEST'}),
    'sso-role-match': Flags.boolean({description: 'Assume the authenticator\'s alpha SSORoleMatch gate is on (D6).', hidden: true}),
    token: Flags.string({dependsOn: ['cluster-id'], description: 'Check this EKS token first (k8s-aws-v1.…); a failing token ends the chain with its reason keyword.', helpGroup: 'TOKEN', helpValue: 'T'}),
    'cluster-id': Flags.string({description: 'Cluster name the token must be signed for (the server\'s --cluster-id).', helpGroup: 'TOKEN', helpValue: 'NAME'}),
    at: Flags.string({dependsOn: ['token'], description: 'Judge token expiry at this instant (RFC 3339) instead of now.', helpGroup: 'TOKEN', helpValue: 'TIME'}),
    sts: Flags.boolean({dependsOn: ['token'], description: 'Replay the token to STS (as the server does); without --arn the caller ARN comes from STS.', helpGroup: 'TOKEN'}),
    'sts-endpoint': Flags.string({dependsOn: ['sts'], description: 'STS endpoint for --sts (tests).', hidden: true}),
  }

  async run(): Promise<SimulateTokenResult> {
    const f = this.flags
    if (f['service-account'] !== undefined) return this.serviceAccount(f['service-account'])
    if (!f.arn && f.username === undefined && !(f.token !== undefined && f.sts)) {
      throw badInput('say who: pass --arn ARN (the caller as STS reports it), --username U [--group G ...], --service-account NS/SA, or --token T --sts', 'E_NO_IDENTITY')
    }
    if (f.token !== undefined && f.username !== undefined) throw badInput('--token explains an AWS identity: use it with --arn or --sts, not --username', 'E_BAD_INPUT')
    const request = requestFromFlags({apiGroup: f['api-group'], name: f.name, namespace: f.namespace, nonResourceUrl: f['non-resource-url'], resource: f.resource, verb: f.verb})
    let token: TokenVerdict | undefined
    let arn = f.arn
    if (f.token !== undefined) {
      token = await this.checkToken(f.token, f['cluster-id']!, f.at, f.sts, f['sts-endpoint'])
      this.out(renderTokenStep(token, f.token))
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
        this.out(renderSimulate(rejected as FullSimulateResult))
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
    this.out(renderSimulate(result))
    return token ? {token, ...result} : result
  }

  /** --service-account NS/SA: the IAM roles it can assume, and (with a request or --list) what RBAC lets it do. */
  private async serviceAccount(ref: string): Promise<SimulateTokenResult> {
    const f = this.flags
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
    this.out(renderSimulate(result))
    return result
  }

  /** Format checks, the signature when the local static keys signed it, and the STS replay with --sts. */
  private async checkToken(token: string, clusterId: string, at: string | undefined, sts: boolean, endpoint: string | undefined): Promise<TokenVerdict> {
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
}
