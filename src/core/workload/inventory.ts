/**
 * Offline inputs of the workload-identity audit, read into typed models:
 * - IAM roles from `aws iam get-account-authorization-details` (RoleDetailList), `aws iam list-roles` (Roles) or
 *   `aws iam get-role` (Role); only Arn, RoleName, RoleId, Path and AssumeRolePolicyDocument are read.
 * - Pod Identity associations from `aws eks list-pod-identity-associations` / `describe-pod-identity-association`
 *   (one or many documents, or an array of them).
 * - Clusters from `aws eks describe-cluster` (one or many).
 * Malformed input throws EksauthError(BAD_INPUT) with one line that names the fix. Pure: callers pass parsed JSON
 * or the file text.
 */
import {badInput} from '../errors.js'
import type {FindingLocation} from './finding.js'
import {issuerHostPath, parseTrustPolicy, type TrustPolicy} from './trust-policy.js'
import {clusterInfoFromDescribeCluster, parseClusterArn} from '../cluster-info.js'

export interface IamRoleRecord {
  arn: string
  name: string
  roleId?: string
  path?: string
  /** from the ARN */
  accountId: string
  trustPolicy: TrustPolicy
  /** where it was read, e.g. {file, path: 'RoleDetailList[3]'}; rules append `.AssumeRolePolicyDocument.Statement[i]` */
  location?: FindingLocation
}

export interface PodIdentityAssociation {
  clusterName?: string
  namespace: string
  serviceAccount: string
  /** absent in list-pod-identity-associations output (describe each association to get it) */
  roleArn?: string
  /** cross-account associations: the role in the other account that the first role chains into */
  targetRoleArn?: string
  associationArn?: string
  associationId?: string
  ownerArn?: string
}

export interface ClusterRecord {
  name: string
  arn: string
  /** from the ARN */
  accountId: string
  region?: string
  partition?: string
  /** cluster.identity.oidc.issuer, https://oidc.eks.REGION.amazonaws.com/id/ID */
  issuer: string
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined)

function json(input: unknown, source: string, hint: string): unknown {
  if (typeof input !== 'string') return input
  if (input.trim() === '') throw badInput(`${source} is empty: ${hint}`)
  try {
    return JSON.parse(input) as unknown
  } catch (error) {
    throw badInput(`${source} is not JSON (${(error as Error).message.split('\n')[0]}): ${hint}`)
  }
}

const IAM_HINT = 'pass the output of `aws iam get-account-authorization-details --filter Role --output json`'
const ROLE_ARN = /^arn:([^:]+):iam::(\d{12}):role\/(.+)$/

/** One role object as IAM returns it (GetRole Role, ListRoles Roles[i], RoleDetailList[i]). */
export function roleFromIam(v: unknown, where: string, file?: string, path?: string): IamRoleRecord {
  if (!isRecord(v)) throw badInput(`${where} is not a role object: ${IAM_HINT}`)
  const arn = str(v.Arn)
  if (!arn) throw badInput(`${where} has no Arn: ${IAM_HINT}`)
  const m = ROLE_ARN.exec(arn)
  if (!m) throw badInput(`${where}: '${arn}' is not an IAM role ARN (arn:aws:iam::ACCOUNT:role/NAME): ${IAM_HINT}`)
  const name = str(v.RoleName) ?? m[3]!.split('/').at(-1)!
  const doc = v.AssumeRolePolicyDocument
  if (doc === undefined || doc === null) {
    throw badInput(`${where} (${name}) has no AssumeRolePolicyDocument: ${IAM_HINT} (list-roles and get-role include it too)`)
  }
  const rec: IamRoleRecord = {
    accountId: m[2]!,
    arn,
    name,
    trustPolicy: parseTrustPolicy(doc, `${where} (${name}) AssumeRolePolicyDocument`),
  }
  const roleId = str(v.RoleId)
  if (roleId) rec.roleId = roleId
  const p = str(v.Path)
  if (p) rec.path = p
  if (file !== undefined || path !== undefined) {
    rec.location = {}
    if (file !== undefined) rec.location.file = file
    if (path !== undefined) rec.location.path = path
  }
  return rec
}

/**
 * Roles of `aws iam get-account-authorization-details` (also accepts list-roles `{Roles}` and get-role `{Role}`
 * output, or a bare array of role objects). `source` names the file in messages and finding locations.
 */
export function parseAuthorizationDetails(input: unknown, source = 'IAM inventory'): IamRoleRecord[] {
  const doc = json(input, source, IAM_HINT)
  const file = source
  let list: unknown[]
  let key: string
  if (Array.isArray(doc)) {
    list = doc
    key = ''
  } else if (isRecord(doc) && Array.isArray(doc.RoleDetailList)) {
    list = doc.RoleDetailList
    key = 'RoleDetailList'
  } else if (isRecord(doc) && Array.isArray(doc.Roles)) {
    list = doc.Roles
    key = 'Roles'
  } else if (isRecord(doc) && isRecord(doc.Role)) {
    return [roleFromIam(doc.Role, `${source} Role`, file, 'Role')]
  } else if (isRecord(doc) && (Array.isArray(doc.UserDetailList) || Array.isArray(doc.Policies) || Array.isArray(doc.GroupDetailList))) {
    throw badInput(`${source} has no RoleDetailList: run get-account-authorization-details with --filter Role (or without --filter)`)
  } else {
    throw badInput(`${source} has no RoleDetailList: ${IAM_HINT}`)
  }
  return list.map((r, i) => roleFromIam(r, `${source} ${key}[${i}]`, file, `${key}[${i}]`))
}

const PIA_HINT = 'pass the output of `aws eks describe-pod-identity-association` or `list-pod-identity-associations` (--output json)'

function association(v: Record<string, unknown>, where: string): PodIdentityAssociation {
  const namespace = str(v.namespace)
  const serviceAccount = str(v.serviceAccount)
  if (!namespace || !serviceAccount) throw badInput(`${where} has no namespace/serviceAccount: ${PIA_HINT}`)
  const a: PodIdentityAssociation = {namespace, serviceAccount}
  for (const k of ['clusterName', 'roleArn', 'targetRoleArn', 'associationArn', 'associationId', 'ownerArn'] as const) {
    const s = str(v[k])
    if (s) a[k] = s
  }
  return a
}

/** Pod Identity associations: `{association}`, `{associations: [...]}`, or an array of either (or of bare items). */
export function parsePodIdentityAssociations(input: unknown, source = 'pod identity associations'): PodIdentityAssociation[] {
  const doc = json(input, source, PIA_HINT)
  const out: PodIdentityAssociation[] = []
  const visit = (v: unknown, where: string): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => visit(x, `${where}[${i}]`))
      return
    }
    if (!isRecord(v)) throw badInput(`${where} is not an object: ${PIA_HINT}`)
    if (isRecord(v.association)) out.push(association(v.association, `${where}.association`))
    else if (Array.isArray(v.associations)) v.associations.forEach((x, i) => (isRecord(x) ? out.push(association(x, `${where}.associations[${i}]`)) : visit(x, `${where}.associations[${i}]`)))
    else if ('namespace' in v || 'serviceAccount' in v) out.push(association(v, where))
    else throw badInput(`${where} has no association(s): ${PIA_HINT}`)
  }
  visit(doc, source)
  return out
}

const CLUSTER_HINT = 'pass the output of `aws eks describe-cluster --name NAME --output json`'

/** describe-cluster through the shared converter (core/cluster-info), plus what IRSA needs: the ARN and the issuer. */
function cluster(v: unknown, where: string): ClusterRecord {
  const info = clusterInfoFromDescribeCluster(v, where)
  const arn = info.arn
  if (!arn) throw badInput(`${where} has no cluster.arn: ${CLUSTER_HINT}`)
  const a = parseClusterArn(arn)! // the converter rejects an ARN it cannot parse
  const issuer = info.oidcIssuer
  if (!issuer) throw badInput(`${where} has no cluster.identity.oidc.issuer: ${CLUSTER_HINT} (not list-clusters)`)
  if (!/^https:\/\//i.test(issuer)) throw badInput(`${where}: OIDC issuer '${issuer}' is not an https URL: ${CLUSTER_HINT}`)
  return {
    accountId: a.accountId,
    arn,
    issuer: `https://${issuerHostPath(issuer)}`,
    name: info.name,
    partition: a.partition,
    region: a.region,
  }
}

/** One `aws eks describe-cluster` document ({cluster: {...}} or the bare cluster object). */
export function parseDescribeCluster(input: unknown, source = 'cluster JSON'): ClusterRecord {
  return cluster(json(input, source, CLUSTER_HINT), source)
}

/** One or many describe-cluster documents (an array, or `{clusters: [...]}` of describe-cluster `cluster` objects). */
export function parseClusters(input: unknown, source = 'cluster JSON'): ClusterRecord[] {
  const doc = json(input, source, CLUSTER_HINT)
  if (Array.isArray(doc)) return doc.map((d, i) => cluster(d, `${source}[${i}]`))
  if (isRecord(doc) && Array.isArray(doc.clusters)) {
    if (doc.clusters.every((c) => typeof c === 'string')) {
      throw badInput(`${source} is list-clusters output (names only): ${CLUSTER_HINT} for each cluster`)
    }
    return doc.clusters.map((d, i) => cluster(d, `${source}.clusters[${i}]`))
  }
  return [cluster(doc, source)]
}
