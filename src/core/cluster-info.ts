/**
 * `aws eks describe-cluster` output -> ClusterInfo. Pure (no SDK): the live adapter (SdkEksAccess) and the offline
 * `--cluster-json` input both go through clusterInfoFromDescribeCluster, so both read the same fields the same way.
 */
import {badInput} from './errors.js'
import type {AuthenticationMode, ClusterInfo} from './ports.js'

const MODES: readonly AuthenticationMode[] = ['CONFIG_MAP', 'API_AND_CONFIG_MAP', 'API']
const HINT = 'pass the output of `aws eks describe-cluster --name NAME --output json`'
/** arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME */
const CLUSTER_ARN = /^arn:([^:]+):eks:([^:]*):(\d{12}):cluster\/(.+)$/

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)
const bool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : undefined)
const strings = (v: unknown): string[] | undefined => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined)

/** The parts of an EKS cluster ARN, or undefined when it is not one. */
export function parseClusterArn(arn: string): {partition: string; region: string; accountId: string; name: string} | undefined {
  const m = CLUSTER_ARN.exec(arn)
  return m ? {accountId: m[3]!, name: m[4]!, partition: m[1]!, region: m[2]!} : undefined
}

/**
 * Accepts `aws eks describe-cluster` output (`{cluster: {...}}`), the bare cluster object (as the SDK's
 * DescribeClusterCommand returns it in `.cluster`), or the JSON text of either. Throws BAD_INPUT (exit 4) with a
 * hint for anything else (list-clusters output, a non-object, an unknown authenticationMode).
 *
 * - authenticationMode and bootstrapClusterCreatorAdminPermissions come from `accessConfig`; absent means the input
 *   did not say (older CLI output, moto), and is left undefined rather than guessed.
 * - enabledLogTypes are the types of every `logging.clusterLogging[]` group with `enabled: true`.
 * - accountId comes from the cluster ARN.
 */
export function clusterInfoFromDescribeCluster(input: unknown, source = 'cluster JSON'): ClusterInfo {
  let doc = input
  if (typeof doc === 'string') {
    try {
      doc = JSON.parse(doc) as unknown
    } catch (error) {
      throw badInput(`${source} is not JSON (${(error as Error).message}): ${HINT}`)
    }
  }
  if (isRecord(doc) && Array.isArray(doc.clusters)) {
    throw badInput(`${source} is list-clusters output (names only): ${HINT}`)
  }
  const c = isRecord(doc) && isRecord(doc.cluster) ? doc.cluster : doc
  if (!isRecord(c)) throw badInput(`${source} is not a cluster: ${HINT}`)

  const arn = str(c.arn)
  const parsedArn = arn ? parseClusterArn(arn) : undefined
  if (arn && !parsedArn) throw badInput(`${source}: '${arn}' is not an EKS cluster ARN (arn:aws:eks:REGION:ACCOUNT:cluster/NAME)`)
  const name = str(c.name) ?? parsedArn?.name
  if (!name) throw badInput(`${source} has neither cluster.name nor cluster.arn: ${HINT}`)

  const info: ClusterInfo = {name}
  if (arn) info.arn = arn
  if (parsedArn) info.accountId = parsedArn.accountId

  const access = isRecord(c.accessConfig) ? c.accessConfig : undefined
  if (access) {
    const mode = str(access.authenticationMode)
    if (mode !== undefined) {
      if (!(MODES as readonly string[]).includes(mode)) {
        throw badInput(`${source}: unknown accessConfig.authenticationMode '${mode}' (expected ${MODES.join(', ')})`)
      }
      info.authenticationMode = mode as AuthenticationMode
    }
    const bootstrap = bool(access.bootstrapClusterCreatorAdminPermissions)
    if (bootstrap !== undefined) info.bootstrapClusterCreatorAdminPermissions = bootstrap
  }

  const vpc = isRecord(c.resourcesVpcConfig) ? c.resourcesVpcConfig : undefined
  if (vpc) {
    const pub = bool(vpc.endpointPublicAccess)
    const priv = bool(vpc.endpointPrivateAccess)
    const cidrs = strings(vpc.publicAccessCidrs)
    if (pub !== undefined) info.endpointPublicAccess = pub
    if (priv !== undefined) info.endpointPrivateAccess = priv
    if (cidrs) info.publicAccessCidrs = cidrs
  }

  const logging = isRecord(c.logging) ? c.logging : undefined
  if (logging && Array.isArray(logging.clusterLogging)) {
    const enabled: string[] = []
    for (const group of logging.clusterLogging) {
      if (!isRecord(group) || group.enabled !== true) continue
      for (const t of strings(group.types) ?? []) if (!enabled.includes(t)) enabled.push(t)
    }
    info.enabledLogTypes = enabled
  }

  const identity = isRecord(c.identity) ? c.identity : undefined
  const oidc = identity && isRecord(identity.oidc) ? identity.oidc : undefined
  const issuer = oidc ? str(oidc.issuer) : undefined
  if (issuer) info.oidcIssuer = issuer

  return info
}
