import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {loadAccessEntriesFile} from '../adapters/files/access-entries-file.js'
import {loadAwsAuthFile} from '../adapters/files/aws-auth-file.js'
import {loadRbacManifests} from '../adapters/offline-state.js'
import {badInput} from '../core/errors.js'
import {resolveIdentity} from '../core/identity/resolve.js'
import {defaultRbacObjects} from '../core/rbac/defaults.js'
import {authorize, directIdentity, type FullSimulateResult, requestFromFlags} from '../core/simulate.js'
import {renderSimulate} from '../render/simulate.js'

export default class Simulate extends BaseCommand<typeof Simulate> {
  static override summary = 'Work out, offline, what EKS makes of an AWS identity: username, groups, RBAC decision, or why it is rejected.'
  static override description = `Follows aws-iam-authenticator rule for rule: the caller ARN is canonicalised (assumed-role -> role), looked up in
access entries (per the authentication mode), then mapRoles, mapUsers and mapAccounts, and the username and group
templates are rendered. With --manifests and a request (--verb/--resource or --non-resource-url) it then decides the
request as the API server would (system:masters before RBAC, then RBAC; access policies of a matching access entry
count too). Needs no cluster, credentials or network. Without --aws-auth it only canonicalises.
An identity that is not mapped, or a request that is denied, is an answer, not an error: exit 0.`

  static override examples = [
    '<%= config.bin %> simulate --arn arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane --aws-auth examples/aws-auth.yaml',
    '<%= config.bin %> simulate --arn arn:aws:sts::111122223333:assumed-role/SecurityAudit/sam --aws-auth examples/aws-auth.yaml --manifests examples/rbac --verb get --resource secrets --namespace kube-system',
    '<%= config.bin %> simulate --username jenkins --group deployers --manifests examples/rbac --list',
    '<%= config.bin %> simulate --arn arn:aws:sts::111122223333:assumed-role/nodes/i-0123456789abcdef0 --aws-auth examples/aws-auth.yaml --ec2-private-dns-name ip-10-0-1-23.ec2.internal',
  ]

  static override flags = {
    arn: Flags.string({description: 'Caller ARN as `aws sts get-caller-identity` prints it.', exclusive: ['username'], helpGroup: 'IDENTITY', helpValue: 'ARN'}),
    'user-id': Flags.string({description: 'STS UserId (ROLEID:SESSION for roles); derived from the ARN when omitted.', helpGroup: 'IDENTITY', helpValue: 'ID'}),
    'access-key-id': Flags.string({description: 'Access key id, for {{AccessKeyID}} templates.', helpGroup: 'IDENTITY', helpValue: 'AKID'}),
    'ec2-private-dns-name': Flags.string({description: 'Value of {{EC2PrivateDNSName}} (otherwise it stays symbolic).', helpGroup: 'IDENTITY', helpValue: 'DNS'}),
    username: Flags.string({description: 'A Kubernetes username to decide for directly, instead of --arn.', helpGroup: 'IDENTITY', helpValue: 'U'}),
    group: Flags.string({dependsOn: ['username'], description: 'A group of --username (repeatable).', helpGroup: 'IDENTITY', helpValue: 'G', multiple: true}),
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
  }

  async run(): Promise<FullSimulateResult> {
    const f = this.flags
    if (!f.arn && f.username === undefined) throw badInput('say who: pass --arn ARN (the caller as STS reports it) or --username U [--group G ...]', 'E_NO_IDENTITY')
    const request = requestFromFlags({apiGroup: f['api-group'], name: f.name, namespace: f.namespace, nonResourceUrl: f['non-resource-url'], resource: f.resource, verb: f.verb})
    const awsAuth = f['aws-auth'] ? loadAwsAuthFile(f['aws-auth']) : undefined
    const accessEntries = f['access-entries'] ? loadAccessEntriesFile(f['access-entries']) : undefined
    const identity = f.arn
      ? resolveIdentity(
          {accessKeyId: f['access-key-id'], arn: f.arn, ec2PrivateDnsName: f['ec2-private-dns-name'], userId: f['user-id']},
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
    this.out(renderSimulate(result))
    return result
  }
}
