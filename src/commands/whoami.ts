import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {badInput, ExitCode} from '../core/errors.js'
import {diagnose, type WhoamiResult} from '../core/identity/diagnose.js'
import {requestFromFlags} from '../core/simulate.js'
import {clusterFlags} from '../flags.js'
import {renderWhoami} from '../render/whoami.js'

const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/

export function parseAt(at: string | undefined): Date | undefined {
  if (at === undefined) return undefined
  const d = RFC3339.test(at) ? new Date(at) : undefined
  if (!d || Number.isNaN(d.getTime())) throw badInput(`--at "${at}" is not an RFC 3339 time`, 'E_BAD_INPUT', ['e.g. --at 2026-01-01T12:00:00Z'])
  return d
}

export default class Whoami extends BaseCommand<typeof Whoami> {
  static override summary = 'Explain who you are to an EKS cluster, step by step, and why you would be rejected.'
  static override description = `Follows the chain for the current shell and kubeconfig context: the kubeconfig and its exec plugin (command,
args, env, AWS profile/role, and whether that differs from the shell), the token the plugin returns (expiry, clock
skew, cluster name), STS GetCallerIdentity of the identity the plugin signs as, the canonical ARN, the cluster's
authentication mode (DescribeCluster), the access entry, the aws-auth mapping (when readable), RBAC for a request
asked with --verb/--resource, and SelfSubjectReview when the API server answers. Ends with a verdict and ONE
sentence that says what to change. Every call is time-limited; what cannot be read is shown as skipped, with why.

--offline answers from files only (--arn, --aws-auth, --access-entries, --auth-mode, --manifests, --token):
no cluster and no AWS call. --token explains a given token instead of the plugin's.
Exit 0 when the verdict is ok (or cannot be decided), ${ExitCode.CHECK_FAILED} when you would be rejected (unauthorized, or forbidden for
the request asked), also under --json.`

  static override examples = [
    '<%= config.bin %> whoami',
    '<%= config.bin %> whoami --context prod --verb get --resource pods --namespace default',
    '<%= config.bin %> whoami --offline --arn arn:aws:sts::111122223333:assumed-role/Dev/jane --aws-auth aws-auth.yaml',
    '<%= config.bin %> whoami --offline --token "$TOKEN" --cluster-id prod --arn arn:aws:sts::111122223333:assumed-role/Dev/jane --aws-auth aws-auth.yaml',
  ]

  static override flags = {
    ...clusterFlags,
    profile: Flags.string({description: 'AWS profile for your shell (default: $AWS_PROFILE); the plugin\'s own profile still applies to it.', helpGroup: 'AWS', helpValue: 'NAME'}),
    region: Flags.string({description: 'AWS region of the cluster (default: the cluster ARN, the plugin args, the server URL).', helpGroup: 'AWS', helpValue: 'REGION'}),
    'cluster-name': Flags.string({description: 'EKS cluster name (default: the kubeconfig cluster ARN, else the plugin\'s --cluster-name).', helpGroup: 'CLUSTER', helpValue: 'NAME'}),
    token: Flags.string({description: 'Explain this token (k8s-aws-v1.…) instead of the one the exec plugin returns.', helpGroup: 'TOKEN', helpValue: 'T'}),
    'cluster-id': Flags.string({description: 'Cluster name the token must be signed for (default: --cluster-name).', helpGroup: 'TOKEN', helpValue: 'NAME'}),
    at: Flags.string({description: 'Judge token expiry at this instant (RFC 3339) instead of now.', helpGroup: 'TOKEN', helpValue: 'TIME'}),
    offline: Flags.boolean({description: 'Use only the files given: no kubeconfig, no cluster, no AWS.', helpGroup: 'OFFLINE'}),
    arn: Flags.string({description: 'Caller ARN (offline; or to override STS).', helpGroup: 'OFFLINE', helpValue: 'ARN'}),
    'user-id': Flags.string({description: 'STS UserId (ROLEID:SESSION for roles).', helpGroup: 'OFFLINE', helpValue: 'ID'}),
    'aws-auth': Flags.string({description: 'aws-auth ConfigMap file (instead of reading the cluster).', helpGroup: 'OFFLINE', helpValue: 'FILE'}),
    'access-entries': Flags.string({description: 'Access entries JSON (instead of ListAccessEntries).', helpGroup: 'OFFLINE', helpValue: 'FILE'}),
    'auth-mode': Flags.option({description: 'Cluster authentication mode (instead of DescribeCluster).', helpGroup: 'OFFLINE', options: ['CONFIG_MAP', 'API_AND_CONFIG_MAP', 'API'] as const})(),
    manifests: Flags.string({description: 'RBAC manifests (instead of reading the cluster), repeatable.', helpGroup: 'OFFLINE', helpValue: 'PATH', multiple: true}),
    verb: Flags.string({description: 'Ask RBAC about this verb too.', helpGroup: 'REQUEST', helpValue: 'V'}),
    resource: Flags.string({description: 'Request resource, R or R/SUB.', helpGroup: 'REQUEST', helpValue: 'R[/SUB]'}),
    'api-group': Flags.string({description: 'API group of the resource.', helpGroup: 'REQUEST', helpValue: 'G'}),
    namespace: Flags.string({char: 'n', description: 'Request namespace.', helpGroup: 'REQUEST', helpValue: 'NS'}),
    name: Flags.string({description: 'Request object name.', helpGroup: 'REQUEST', helpValue: 'NAME'}),
  }

  async run(): Promise<WhoamiResult> {
    const f = this.flags
    const request = requestFromFlags({apiGroup: f['api-group'], name: f.name, namespace: f.namespace, resource: f.resource, verb: f.verb})
    const sources = {
      accessEntries: f['access-entries'],
      arn: f.arn,
      at: parseAt(f.at),
      authMode: f['auth-mode'],
      awsAuth: f['aws-auth'],
      clusterId: f['cluster-id'],
      clusterName: f['cluster-name'],
      context: f.context,
      kubeconfig: f.kubeconfig,
      manifests: f.manifests,
      offline: f.offline,
      profile: f.profile,
      region: f.region,
      request,
      token: f.token,
      userId: f['user-id'],
    }
    const {gatherLive, gatherOffline} = await import('../adapters/whoami-evidence.js')
    const evidence = f.offline ? await gatherOffline(sources) : await gatherLive(sources)
    const result = diagnose(evidence)
    this.out(renderWhoami(result))
    if (result.verdict === 'unauthorized' || result.verdict === 'forbidden') process.exitCode = ExitCode.CHECK_FAILED
    return result
  }
}
