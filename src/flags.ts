/** Flag definitions shared by the commands that talk to a cluster, to AWS, or edit aws-auth. */
import {Flags} from '@oclif/core'

export const clusterFlags = {
  context: Flags.string({
    description: 'kubeconfig context to use (default: the current context).',
    helpGroup: 'CLUSTER',
    helpValue: 'NAME',
  }),
  kubeconfig: Flags.string({
    description: 'kubeconfig file (default: $KUBECONFIG, else ~/.kube/config).',
    helpGroup: 'CLUSTER',
    helpValue: 'PATH',
  }),
}

export const awsFlags = {
  profile: Flags.string({description: 'AWS profile for IAM and STS calls (default: $AWS_PROFILE).', helpGroup: 'AWS', helpValue: 'NAME'}),
  region: Flags.string({description: 'AWS region for STS calls (default: the profile region).', helpGroup: 'AWS', helpValue: 'REGION'}),
}

/** Flags of map-role, map-user, unmap and restore. */
export const editFlags = {
  ...clusterFlags,
  ...awsFlags,
  'dry-run': Flags.boolean({
    description: 'Print the diff and write nothing (against a cluster the write is still sent with dryRun=All, so the API server validates it).',
  }),
  file: Flags.string({
    char: 'f',
    description: 'Edit the aws-auth manifest in this file instead of the cluster (GitOps mode: same checks, atomic write, every other byte kept).',
    helpValue: 'PATH',
  }),
  force: Flags.boolean({
    description:
      'Override the lock-out guard: removing or altering a node mapping, removing the last system:masters mapping, editing while a section does not parse, unmapping your own identity.',
  }),
  yes: Flags.boolean({char: 'y', description: 'Do not ask for confirmation (required to write when stdin is not a terminal).'}),
}

/** `--verify-iam` (default on; `--no-verify-iam` turns it off). */
export const verifyIamFlag = {
  'verify-iam': Flags.boolean({
    allowNo: true,
    default: true,
    description:
      'Check with IAM (GetRole/GetUser) that the principal exists before writing; a missing one is an error with "did you mean", AccessDenied only a warning.',
    helpGroup: 'AWS',
  }),
}
