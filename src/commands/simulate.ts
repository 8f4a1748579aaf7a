import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import type {FullSimulateResult} from '../core/simulate.js'
import {renderSimulate, renderTokenStep} from '../render/simulate.js'
import {simulate, type SimulateTokenResult} from '../services/simulate.js'

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
    const result = await simulate(this.flags)
    if (result.token && this.flags.token !== undefined) this.out(renderTokenStep(result.token, this.flags.token))
    this.out(renderSimulate(result as FullSimulateResult))
    return result
  }
}
