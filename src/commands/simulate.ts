import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {loadAccessEntriesFile} from '../adapters/files/access-entries-file.js'
import {loadAwsAuthFile} from '../adapters/files/aws-auth-file.js'
import {resolveIdentity, type SimulateResult} from '../core/identity/resolve.js'
import {renderSimulate} from '../render/simulate.js'

export default class Simulate extends BaseCommand<typeof Simulate> {
  static override summary = 'Work out, offline, what EKS makes of an AWS identity: username, groups, or why it is rejected.'
  static override description = `Follows aws-iam-authenticator rule for rule: the caller ARN is canonicalised (assumed-role -> role), looked up in
access entries (per the authentication mode), then mapRoles, mapUsers and mapAccounts, and the username and group
templates are rendered. Needs no cluster, credentials or network. Without --aws-auth it only canonicalises.
An identity that is not mapped is an answer, not an error: exit 0 with "authenticated": false and the reason.`

  static override examples = [
    '<%= config.bin %> simulate --arn arn:aws:sts::111122223333:assumed-role/PlatformAdmin/jane --aws-auth examples/aws-auth.yaml',
    '<%= config.bin %> simulate --arn arn:aws:sts::111122223333:assumed-role/nodes/i-0123456789abcdef0 --aws-auth examples/aws-auth.yaml --ec2-private-dns-name ip-10-0-1-23.ec2.internal',
    '<%= config.bin %> simulate --arn arn:aws:iam::111122223333:user/alice --aws-auth examples/aws-auth.yaml --json',
  ]

  static override flags = {
    arn: Flags.string({description: 'Caller ARN as `aws sts get-caller-identity` prints it.', helpValue: 'ARN', required: true}),
    'user-id': Flags.string({description: 'STS UserId (ROLEID:SESSION for roles); derived from the ARN when omitted.', helpValue: 'ID'}),
    'access-key-id': Flags.string({description: 'Access key id, for {{AccessKeyID}} templates.', helpValue: 'AKID'}),
    'ec2-private-dns-name': Flags.string({description: 'Value of {{EC2PrivateDNSName}} (otherwise it stays symbolic).', helpValue: 'DNS'}),
    'aws-auth': Flags.string({description: 'aws-auth ConfigMap file (manifest or kubectl output; - for stdin).', helpValue: 'FILE'}),
    'access-entries': Flags.string({description: 'Access entries JSON (aws eks describe-access-entry / list-associated-access-policies output).', helpValue: 'FILE'}),
    'auth-mode': Flags.option({
      description: 'Cluster authentication mode (default CONFIG_MAP, or API_AND_CONFIG_MAP with --access-entries).',
      options: ['CONFIG_MAP', 'API_AND_CONFIG_MAP', 'API'] as const,
    })(),
    'sso-role-match': Flags.boolean({description: 'Assume the authenticator\'s alpha SSORoleMatch gate is on (D6).', hidden: true}),
  }

  async run(): Promise<SimulateResult> {
    const f = this.flags
    const awsAuth = f['aws-auth'] ? loadAwsAuthFile(f['aws-auth']) : undefined
    const accessEntries = f['access-entries'] ? loadAccessEntriesFile(f['access-entries']) : undefined
    const result = resolveIdentity(
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
    this.out(renderSimulate(result))
    return result
  }
}
