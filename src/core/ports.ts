/**
 * One small interface per external system. The core and the commands depend on these; src/adapters/ implements them
 * (cluster, files, AWS) and tests implement fakes. Nothing here imports an SDK.
 */

/** What was read of kube-system/aws-auth. */
export interface AwsAuthSnapshot {
  /** false when the ConfigMap does not exist (yet): data is then {} and resourceVersion undefined */
  exists: boolean
  /** the ConfigMap's data, every value a string (the API server guarantees it; files are checked on read) */
  data: Record<string, string>
  /** metadata.resourceVersion as read; the write is conditional on it */
  resourceVersion?: string
  /** human description of where it came from: a file path, or `context/kube-system/aws-auth` */
  source: string
  /** files only: the whole file text, so a write can keep every byte it does not change */
  text?: string
  /** files only: 1-based line in `text` where each data value starts (for diagnostics) */
  lines?: Record<string, number>
}

export interface AwsAuthWriteOptions {
  /** validate on the server (dryRun=All) or in memory, persist nothing */
  dryRun?: boolean
}

/** Reads and conditionally replaces aws-auth; implemented for a live cluster and for a manifest file. */
export interface AwsAuthStore {
  read(): Promise<AwsAuthSnapshot>
  /**
   * Replace the data of the snapshot that was read. Must be conditional on `base.resourceVersion` (cluster) or on the
   * file being unchanged since `base.text` (file). Throws ConflictError when someone else wrote first (HTTP 409, or
   * AlreadyExists when creating), EksauthError for everything else.
   */
  write(data: Record<string, string>, base: AwsAuthSnapshot, opts?: AwsAuthWriteOptions): Promise<{resourceVersion?: string}>
  /** `file examples/aws-auth.yaml` or `cluster prod (context prod-admin)` */
  describe(): string
}

/** Someone else changed aws-auth between our read and our write: re-read, re-apply the intent, retry. */
export class ConflictError extends Error {
  constructor(message = 'aws-auth was modified by someone else since it was read') {
    super(message)
    this.name = 'ConflictError'
  }
}

export type PrincipalLookup = 'exists' | 'missing' | 'denied' | 'error'

export interface IamPrincipalInfo {
  status: PrincipalLookup
  /** the ARN IAM returns (with its real path and case) when it exists */
  arn?: string
  /** RoleId / UserId */
  id?: string
  /** AccessDenied or other error text */
  message?: string
}

/** IAM existence checks, batched and concurrency-limited by the adapter. */
export interface IamDirectory {
  lookup(arns: string[]): Promise<Map<string, IamPrincipalInfo>>
  /** every role of the account whose name matches, case-insensitively (for "did you mean") */
  similarRoles?(name: string): Promise<string[]>
}

export type AuthenticationMode = 'CONFIG_MAP' | 'API_AND_CONFIG_MAP' | 'API'

export interface AccessPolicyAssociation {
  policyArn: string
  accessScope: {type: 'cluster' | 'namespace'; namespaces?: string[]}
}

export interface AccessEntry {
  principalArn: string
  kubernetesGroups: string[]
  username?: string
  type?: string
  accessPolicies: AccessPolicyAssociation[]
  createdAt?: string
}

export interface ClusterInfo {
  name: string
  arn?: string
  authenticationMode?: AuthenticationMode
  bootstrapClusterCreatorAdminPermissions?: boolean
  endpointPublicAccess?: boolean
  endpointPrivateAccess?: boolean
  publicAccessCidrs?: string[]
  enabledLogTypes?: string[]
  oidcIssuer?: string
  accountId?: string
}

export interface EksAccess {
  cluster(): Promise<ClusterInfo>
  accessEntries(): Promise<AccessEntry[]>
}

export interface CallerIdentityInfo {
  arn: string
  account: string
  userId: string
}

export interface CallerIdentity {
  whoami(): Promise<CallerIdentityInfo>
}
