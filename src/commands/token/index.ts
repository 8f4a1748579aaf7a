import {Flags} from '@oclif/core'

import {mintToken} from '../../adapters/aws/token-signer.js'
import {type ExecCredential, buildExecCredential, execCredentialApiVersion} from '../../core/identity/token.js'
import {BaseCommand} from '../../base-command.js'

export default class Token extends BaseCommand<typeof Token> {
  static override summary = 'Print an EKS bearer token as a kubeconfig ExecCredential (a drop-in for `aws eks get-token`).'
  static override description = `Presigns sts:GetCallerIdentity for the cluster exactly like \`aws eks get-token\` (regional STS endpoint, signed
x-k8s-aws-id header, X-Amz-Expires=60) and prints the ExecCredential kubectl expects on stdout, expiring 14 minutes
after signing (the token itself lives 15). Use it as the exec command of a kubeconfig user.

stdout is always the ExecCredential object, with or without --json (--json changes only the layout and puts
errors on stdout as JSON), so kubectl can parse it either way. apiVersion follows KUBERNETES_EXEC_INFO.
--cache keeps the token in $XDG_CACHE_HOME/eksauth/tokens (0600 files in a 0700 directory) and reuses it until a
minute before its expirationTimestamp; with --role-arn that also saves the AssumeRole call.
AWS_STS_REGIONAL_ENDPOINTS=legacy signs us-east-1 and the other legacy regions for sts.amazonaws.com, like the AWS CLI.`

  static override examples = [
    '<%= config.bin %> token --cluster-name prod --region eu-west-1',
    '<%= config.bin %> token --cluster-name prod --role-arn arn:aws:iam::111122223333:role/EksAdmin --cache',
  ]

  static override flags = {
    'cluster-name': Flags.string({description: 'EKS cluster name (signed as x-k8s-aws-id).', helpValue: 'NAME', required: true}),
    region: Flags.string({description: 'Region to sign for (default: AWS_REGION, AWS_DEFAULT_REGION, the profile\'s region).', helpValue: 'REGION'}),
    'role-arn': Flags.string({description: 'Assume this role (session EKSGetTokenAuth) and sign with its credentials.', helpValue: 'ARN'}),
    profile: Flags.string({description: 'AWS profile (default: AWS_PROFILE, then the default chain).', helpValue: 'PROFILE'}),
    cache: Flags.boolean({default: false, description: 'Reuse a token cached on disk until a minute before it expires.'}),
  }

  async run(): Promise<ExecCredential> {
    const f = this.flags
    const minted = await mintToken({cache: f.cache, clusterName: f['cluster-name'], profile: f.profile, region: f.region, roleArn: f['role-arn']})
    const {apiVersion, warning} = execCredentialApiVersion(process.env.KUBERNETES_EXEC_INFO)
    if (warning) this.logToStderr(`eksauth: ${warning}`)
    const cred = buildExecCredential(minted.token, minted.signedAt, apiVersion)
    this.out(JSON.stringify(cred, null, 4))
    return cred
  }
}
