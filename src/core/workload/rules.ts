/**
 * Workload identity audit (issue #8): WI001-WI007 over IAM role trust policies, EKS clusters and Pod Identity
 * associations, plus the `simulate --service-account` query. Pure: inputs are already-read models, output is data.
 */
import {badInput} from '../errors.js'
import {covers, tokenize} from './glob.js'
import {type Finding, type FindingLocation, maxSeverity, type Severity} from './finding.js'
import type {ClusterRecord, IamRoleRecord, PodIdentityAssociation} from './inventory.js'
import {
  assumableBy,
  canAssume,
  type CanAssumeOptions,
  type ClusterRef,
  type IrsaTrust,
  SA_PREFIX,
  STS_AUDIENCE,
  type SubjectPattern,
  tokensOf,
  trustedOidcProviders,
  WEB_IDENTITY_ACTION,
} from './irsa.js'
import {
  actionMatches,
  issuerHostPath,
  isEksIssuer,
  parseOidcProviderArn,
  sameIssuer,
  type TrustStatement,
} from './trust-policy.js'

export const POD_IDENTITY_SERVICE = 'pods.eks.amazonaws.com'

export interface WorkloadAuditInput {
  roles: IamRoleRecord[]
  /** the clusters in scope (describe-cluster / --cluster-json): names and accounts for messages, WI004, WI006 */
  clusters: (ClusterRecord | ClusterRef)[]
  podIdentityAssociations?: PodIdentityAssociation[]
  /**
   * The issuers of every cluster that exists (e.g. ListClusters + DescribeCluster over the account's regions).
   * Only when given does WI004 report trust in EKS issuers of clusters that no longer exist.
   */
  knownClusterIssuers?: string[]
}

interface RuleMeta {
  title: string
  rationale: string
  fix: string
}

/** The rule catalogue entries (severity is per finding; the base severity is in `baseSeverity`). */
export const WI_RULES: Record<string, RuleMeta & {baseSeverity: Severity}> = {
  WI001: {
    baseSeverity: 'critical',
    fix: 'Add a StringEquals condition on "<issuer>:sub": "system:serviceaccount:<namespace>:<serviceaccount>" (and "<issuer>:aud": "sts.amazonaws.com") to the statement.',
    rationale:
      'Without a sub condition STS accepts a web identity token of any service account of the cluster (and of any cluster whose issuer has an IAM OIDC provider in the account), so any pod that can mount a projected token can assume the role.',
    title: 'IRSA trust without a sub condition',
  },
  WI002: {
    baseSeverity: 'high',
    fix: 'Replace the StringLike wildcard with StringEquals on the exact "system:serviceaccount:<namespace>:<serviceaccount>"; if several are needed, list them.',
    rationale:
      'A sub wildcard that spans namespaces lets anyone who can create a service account (or a pod) in a matching namespace assume the role; namespaces are the usual tenancy boundary in a cluster.',
    title: 'IRSA sub wildcard across namespaces',
  },
  WI003: {
    baseSeverity: 'medium',
    fix: 'Add "StringEquals": {"<issuer>:aud": "sts.amazonaws.com"} to the statement (the audience the EKS Pod Identity Webhook requests).',
    rationale:
      'The aud condition pins the tokens STS accepts to those minted for STS. Without it, or with another audience, tokens a pod requested for other consumers (Vault, a custom API) can be replayed to AWS; a wrong value can also make the role unusable.',
    title: 'IRSA trust with a missing or wrong aud condition',
  },
  WI004: {
    baseSeverity: 'medium',
    fix: 'Remove the statement if the cluster is gone (and delete the IAM OIDC provider); for cross-account trust, confirm it is intended and pin sub to exact service accounts.',
    rationale:
      'Trust in an OIDC provider of a deleted cluster is dead weight that hides the real trust; trust in another account\'s cluster hands the decision over who gets the role to that account\'s cluster admins; and an OIDC provider ARN of another account can never be used.',
    title: 'IRSA trust in an unknown cluster or another account',
  },
  WI005: {
    baseSeverity: 'high',
    fix: 'Give the workload its own service account outside kube-system and trust exactly that one; never trust a namespace\'s default service account.',
    rationale:
      'kube-system service accounts belong to cluster components and whoever can run pods there; every pod without serviceAccountName runs as its namespace\'s default service account, so trusting `default` trusts every such pod. High for a wildcard over kube-system or its default account, medium for another namespace\'s default account, low for one named kube-system add-on account (review that it is the add-on).',
    title: 'Role assumable by kube-system or default service accounts',
  },
  WI006: {
    baseSeverity: 'medium',
    fix: 'Use one role per cluster (or per workload and cluster), so a compromise of one cluster does not reach another cluster\'s AWS permissions.',
    rationale:
      'A role trusted by several clusters joins their blast radius: anyone who controls the trusted service account in the weakest cluster gets the role.',
    title: 'Role trusted by several clusters',
  },
  WI007: {
    baseSeverity: 'high',
    fix: 'Keep the Pod Identity role\'s trust policy to the pods.eks.amazonaws.com statement (with aws:SourceAccount/aws:SourceArn); move other uses to separate roles.',
    rationale:
      'A Pod Identity association scopes a role to one service account, but the trust policy decides who else can assume it; a wildcard, account-wide or unrestricted web identity statement makes the association a false boundary.',
    title: 'Pod Identity role also assumable broadly',
  },
}

const ACTIONS_OF_INTEREST = ['sts:AssumeRole', WEB_IDENTITY_ACTION, 'sts:AssumeRoleWithSAML']

function stmtLocation(role: IamRoleRecord, indexes: number[]): FindingLocation | undefined {
  const base = role.location?.path
  const file = role.location?.file
  const stmt = indexes.length === 1 ? `.Statement[${indexes[0]}]` : ''
  const path = `${base ? `${base}.` : ''}AssumeRolePolicyDocument${stmt}`
  const loc: FindingLocation = {path}
  if (file !== undefined) loc.file = file
  if (role.location?.line !== undefined) loc.line = role.location.line
  return loc
}

function finding(
  ruleId: keyof typeof WI_RULES,
  severity: Severity,
  role: IamRoleRecord,
  message: string,
  statements: number[],
  evidence: Record<string, unknown>,
): Finding {
  const meta = WI_RULES[ruleId]!
  const f: Finding = {
    evidence: {statements, ...evidence},
    fix: meta.fix,
    message,
    rationale: meta.rationale,
    ruleId,
    severity,
    subject: {arn: role.arn, kind: 'iam-role', name: role.name},
    title: meta.title,
  }
  const loc = stmtLocation(role, statements)
  if (loc) f.location = loc
  return f
}

const uniq = <T>(xs: T[]): T[] => [...new Set(xs)]
const stmts = (xs: {statement?: number; index?: number}[]): number[] =>
  uniq(xs.map((x) => x.statement ?? x.index ?? -1).filter((n) => n >= 0)).sort((a, b) => a - b)
const plural = (n: number, word: string): string => `${word}${n === 1 ? '' : 's'}`
const stmtText = (ns: number[]): string => `${plural(ns.length, 'statement')} ${ns.join(', ')}`

/** The issuers a role's trust policy reaches, with the cluster each belongs to (when known). */
function issuersOf(role: IamRoleRecord, clusters: ClusterRef[]): {issuer: string; cluster?: ClusterRef}[] {
  const out: {issuer: string; cluster?: ClusterRef}[] = []
  const add = (issuer: string): void => {
    if (out.some((o) => o.issuer === issuer || (issuer !== '*' && o.issuer !== '*' && sameIssuer(o.issuer, issuer)))) return
    const cluster = issuer === '*' ? undefined : clusters.find((c) => sameIssuer(c.issuer, issuer))
    if (issuer !== '*' && !cluster && !isEksIssuer(issuer)) return // GitHub Actions, GitLab, ...: not a cluster
    out.push(cluster ? {cluster, issuer} : {issuer})
  }
  for (const p of trustedOidcProviders(role.trustPolicy)) add(p.issuer)
  for (const st of role.trustPolicy.statements) {
    if (st.effect !== 'Allow' || !actionMatches(st, WEB_IDENTITY_ACTION)) continue
    const wildcard = st.principal ? st.principal.wildcard : st.notPrincipal !== undefined
    if (!wildcard) continue
    const keyed = st.conditions
      .map((c) => /^(.+\/.+):(sub|aud)$/i.exec(c.key)?.[1])
      .filter((k): k is string => k !== undefined)
    for (const k of keyed) add(`https://${k}`)
    for (const c of clusters) add(c.issuer)
    if (keyed.length === 0 && clusters.length === 0) add('*')
  }
  return out
}

const where = (issuer: string, cluster?: ClusterRef): string =>
  issuer === '*' ? 'any OIDC provider of the account' : cluster?.name ? `cluster ${cluster.name}` : `the cluster with OIDC issuer ${issuer}`

function subjectList(ps: SubjectPattern[]): string {
  return uniq(ps.map((p) => p.pattern)).join(', ')
}

function irsaFindings(role: IamRoleRecord, issuer: string, cluster: ClusterRef | undefined, trust: IrsaTrust): Finding[] {
  const out: Finding[] = []
  if (!trust.trusted || trust.deniedAll) return out
  const label = where(issuer, cluster)
  const base = {clusterName: cluster?.name, issuer}

  // WI001: no sub condition
  const noSub = trust.statements.filter((s) => !s.subConstrained)
  if (trust.any && noSub.length > 0) {
    const ns = stmts(noSub)
    const wildcard = noSub.some((s) => s.principal === 'wildcard')
    const excluded = uniq(noSub.flatMap((s) => s.excluded))
    const scope = cluster
      ? `any service account of ${label}`
      : issuer === '*'
        ? 'any service account of any cluster with an IAM OIDC provider in the account'
        : `any service account of any cluster using the OIDC provider ${issuerHostPath(issuer)}`
    out.push(
      finding(
        'WI001',
        'critical',
        role,
        `${role.name} can be assumed by ${scope}: ${stmtText(ns)} ${wildcard ? 'trust Principal "*" with' : 'allow sts:AssumeRoleWithWebIdentity with'} no sub condition${excluded.length > 0 ? ` (only ${excluded.join(', ')} excluded)` : ''}`,
        ns,
        {...base, excluded, principal: wildcard ? 'wildcard' : 'provider'},
      ),
    )
  }

  // WI002: wildcard sub spanning namespaces
  const wild = [
    ...trust.subjects.filter((p) => p.crossNamespace),
    ...(trust.any ? trust.statements.filter((s) => s.subConstrained && s.any).flatMap((s) => s.subjects.filter((p) => p.coversAll)) : []),
  ]
  if (wild.length > 0) {
    const all = wild.some((p) => p.coversAll)
    const ns = stmts(wild)
    out.push(
      finding(
        'WI002',
        all ? 'critical' : 'high',
        role,
        `${role.name}: sub ${subjectList(wild)} in ${stmtText(ns)} ${all ? `matches every service account of ${label}` : `matches service accounts in more than one namespace of ${label}`}`,
        ns,
        {
          ...base,
          coversAll: all,
          includesDefault: wild.some((p) => p.includesDefault),
          includesKubeSystem: wild.some((p) => p.includesKubeSystem),
          patterns: uniq(wild.map((p) => p.pattern)),
        },
      ),
    )
  }

  // WI003: aud missing or wrong
  if (issuer !== '*') {
    const missing = trust.statements.filter((s) => !s.aud.constrained)
    const wrong = trust.statements.filter((s) => s.aud.constrained && (!s.aud.allowsSts || s.aud.allowsOthers))
    if (missing.length > 0 || wrong.length > 0) {
      const ns = stmts([...missing, ...wrong])
      const parts: string[] = []
      if (missing.length > 0) parts.push(`${stmtText(stmts(missing))} ${missing.length === 1 ? 'has' : 'have'} no aud condition`)
      for (const s of wrong) {
        parts.push(
          `statement ${s.index} allows aud ${s.aud.values.join(', ')}${s.aud.allowsSts ? ` (not only ${STS_AUDIENCE})` : ` (not ${STS_AUDIENCE}: IRSA tokens are rejected)`}`,
        )
      }
      out.push(
        finding('WI003', wrong.length > 0 ? 'medium' : 'low', role, `${role.name} (trusting ${label}): ${parts.join('; ')}`, ns, {
          ...base,
          missing: stmts(missing),
          wrong: wrong.map((s) => ({statement: s.index, values: s.aud.values})),
        }),
      )
    }
  }

  // WI005: kube-system or default service accounts (namespace-bound patterns; cross-namespace ones are WI002)
  if (!trust.any) {
    const denied = (sa: string): boolean => trust.deniedSubjects.some((d) => covers(tokensOf(d.pattern, d.match), tokenize(sa, false)))
    const bound = trust.subjects.filter((p) => !p.crossNamespace && p.namespace !== undefined)
    const ks = bound.filter((p) => p.namespace === 'kube-system')
    const def = bound.filter((p) => p.includesDefault && !denied(`${SA_PREFIX}${p.namespace}:default`))
    // a named add-on service account in kube-system (ebs-csi-controller-sa, ...) is common and only low;
    // a wildcard over kube-system, or kube-system's default service account, is high
    const ksWide = ks.filter((p) => p.name === undefined || p.name === 'default')
    if (ks.length > 0 || def.length > 0) {
      const ns = stmts([...ks, ...def])
      const parts: string[] = []
      if (ks.length > 0) parts.push(`kube-system service accounts (${subjectList(ks)})`)
      const defOnly = def.filter((p) => !ks.includes(p))
      if (defOnly.length > 0) {
        const namespaces = uniq(defOnly.map((p) => p.namespace!))
        parts.push(`the default service account of ${plural(namespaces.length, 'namespace')} ${namespaces.join(', ')} (${subjectList(defOnly)})`)
      }
      out.push(
        finding('WI005', ksWide.length > 0 ? 'high' : def.length > 0 ? 'medium' : 'low', role, `${role.name} can be assumed by ${parts.join(' and ')} of ${label}`, ns, {
          ...base,
          defaultServiceAccount: uniq(def.map((p) => p.pattern)),
          kubeSystem: uniq(ks.map((p) => p.pattern)),
        }),
      )
    }
  }
  return out
}

function wi004(role: IamRoleRecord, clusters: ClusterRef[], known: string[] | undefined): Finding[] {
  const out: Finding[] = []
  for (const p of trustedOidcProviders(role.trustPolicy)) {
    const cluster = clusters.find((c) => sameIssuer(c.issuer, p.issuer))
    const reasons: {reason: string; severity: Severity; text: string}[] = []
    if (p.accountId !== role.accountId) {
      reasons.push({
        reason: 'provider-in-other-account',
        severity: 'low',
        text: `the OIDC provider ARN is in account ${p.accountId}, not the role's account ${role.accountId} (STS only uses providers of the role's account)`,
      })
    }
    if (cluster?.accountId && cluster.accountId !== role.accountId) {
      reasons.push({
        reason: 'cluster-in-other-account',
        severity: 'medium',
        text: `cluster ${cluster.name ?? p.issuer} is in account ${cluster.accountId}, not the role's account ${role.accountId}`,
      })
    }
    if (!cluster && known && isEksIssuer(p.issuer) && !known.some((k) => sameIssuer(k, p.issuer))) {
      reasons.push({reason: 'unknown-cluster', severity: 'medium', text: `no existing cluster has the issuer ${p.issuer} (deleted cluster?)`})
    }
    if (reasons.length === 0) continue
    const severity = reasons.map((r) => r.severity).reduce(maxSeverity)
    out.push(
      finding('WI004', severity, role, `${role.name} trusts ${p.arn}: ${reasons.map((r) => r.text).join('; ')}`, p.statements, {
        clusterName: cluster?.name,
        issuer: p.issuer,
        providerArn: p.arn,
        reasons: reasons.map((r) => r.reason),
      }),
    )
  }
  return out
}

function wi006(role: IamRoleRecord, clusters: ClusterRef[]): Finding[] {
  const issuers: {issuer: string; cluster?: string; statements: number[]}[] = []
  for (const p of trustedOidcProviders(role.trustPolicy)) {
    const cluster = clusters.find((c) => sameIssuer(c.issuer, p.issuer))
    if (!cluster && !isEksIssuer(p.issuer)) continue
    const seen = issuers.find((i) => sameIssuer(i.issuer, p.issuer))
    if (seen) seen.statements = uniq([...seen.statements, ...p.statements])
    else issuers.push(cluster?.name ? {cluster: cluster.name, issuer: p.issuer, statements: p.statements} : {issuer: p.issuer, statements: p.statements})
  }
  if (issuers.length < 2) return []
  const ns = uniq(issuers.flatMap((i) => i.statements)).sort((a, b) => a - b)
  return [
    finding(
      'WI006',
      'medium',
      role,
      `${role.name} is trusted by ${issuers.length} clusters: ${issuers.map((i) => i.cluster ?? i.issuer).join(', ')}`,
      ns,
      {clusters: issuers.map((i) => ({issuer: i.issuer, name: i.cluster}))},
    ),
  ]
}

const ACCOUNT_ROOT = /^(?:arn:[^:]+:iam::(\d{12}):root|(\d{12}))$/

/** Allow statements of a role that let principals other than one service account in broadly. */
export function broadTrust(role: IamRoleRecord, clusters: ClusterRef[]): {statement: number; reason: string; severity: Severity; text: string}[] {
  const out: {statement: number; reason: string; severity: Severity; text: string}[] = []
  for (const st of role.trustPolicy.statements) {
    if (st.effect !== 'Allow' || !ACTIONS_OF_INTEREST.some((a) => actionMatches(st, a))) continue
    const p = st.principal
    if (!p || p.wildcard) {
      const conditioned = st.conditions.length > 0
      out.push({
        reason: 'wildcard-principal',
        severity: conditioned ? 'high' : 'critical',
        statement: st.index,
        text: `statement ${st.index} trusts ${p ? 'Principal "*"' : 'everyone outside NotPrincipal'}${conditioned ? ' (limited only by its conditions)' : ' with no condition'}`,
      })
      continue
    }
    for (const a of p.aws) {
      const m = ACCOUNT_ROOT.exec(a)
      if (!m) continue
      const acct = m[1] ?? m[2]!
      const other = acct !== role.accountId
      out.push({
        reason: other ? 'other-account-root' : 'account-root',
        severity: other ? 'high' : 'medium',
        statement: st.index,
        text: `statement ${st.index} trusts every principal of ${other ? 'another ' : 'its own '}account ${acct} that is allowed sts:AssumeRole`,
      })
    }
    if (p.federated.length > 0 && actionMatches(st, WEB_IDENTITY_ACTION)) {
      for (const arn of p.federated) {
        const prov = parseOidcProviderArn(arn)
        if (!prov) continue
        const cluster = clusters.find((c) => sameIssuer(c.issuer, prov.issuer))
        const single: TrustStatement = st
        const trust = assumableBy({statements: [single]}, cluster ?? {accountId: role.accountId, issuer: prov.issuer})
        const wide = trust.subjects.filter((s) => s.crossNamespace)
        if (trust.any || wide.length > 0) {
          out.push({
            reason: trust.any ? 'any-service-account' : 'cross-namespace-service-accounts',
            severity: 'high',
            statement: st.index,
            text: `statement ${st.index} trusts ${trust.any ? 'any service account' : `service accounts ${subjectList(wide)}`} of ${where(prov.issuer, cluster)}`,
          })
        }
      }
    }
  }
  return out
}

function wi007(role: IamRoleRecord, clusters: ClusterRef[], associations: PodIdentityAssociation[]): Finding[] {
  const arn = role.arn.toLowerCase()
  const mine = associations.filter((a) => a.roleArn?.toLowerCase() === arn || a.targetRoleArn?.toLowerCase() === arn)
  if (mine.length === 0) return []
  const broad = broadTrust(role, clusters)
  if (broad.length === 0) return []
  const severity = broad.map((b) => b.severity).reduce(maxSeverity)
  const who = mine.map((a) => `${a.clusterName ? `${a.clusterName}:` : ''}${a.namespace}/${a.serviceAccount}`)
  return [
    finding(
      'WI007',
      severity,
      role,
      `${role.name} is associated through Pod Identity with ${uniq(who).join(', ')}, but ${broad.map((b) => b.text).join('; ')}`,
      stmts(broad),
      {
        associations: mine.map((a) => ({associationId: a.associationId, clusterName: a.clusterName, namespace: a.namespace, serviceAccount: a.serviceAccount})),
        broad: broad.map((b) => ({reason: b.reason, statement: b.statement})),
      },
    ),
  ]
}

/** WI001-WI007 over every role. Findings are ordered by role (input order), then rule id. */
export function auditWorkloadIdentity(input: WorkloadAuditInput): Finding[] {
  const clusters: ClusterRef[] = input.clusters
  const out: Finding[] = []
  for (const role of input.roles) {
    const mine: Finding[] = []
    for (const {cluster, issuer} of issuersOf(role, clusters)) {
      const ref: ClusterRef = cluster ?? {accountId: role.accountId, issuer}
      mine.push(...irsaFindings(role, issuer, cluster, assumableBy(role.trustPolicy, ref)))
    }
    mine.push(...wi004(role, clusters, input.knownClusterIssuers), ...wi006(role, clusters), ...wi007(role, clusters, input.podIdentityAssociations ?? []))
    mine.sort((a, b) => a.ruleId.localeCompare(b.ruleId))
    out.push(...mine)
  }
  return out
}

// ---------------------------------------------------------------------------------------------------------------
// simulate --service-account

export interface ServiceAccountRole {
  roleArn: string
  roleName?: string
  via: 'irsa' | 'pod-identity'
  /** IRSA: the Allow statement that admits the service account */
  statement?: number
  reason: string
  /** pod-identity: the association */
  associationId?: string
  /** pod-identity: whether the role's trust policy allows pods.eks.amazonaws.com (undefined: role not in the inventory) */
  trustsPodIdentity?: boolean
  /** pod-identity, cross-account: the role assumed in the other account */
  targetRoleArn?: string
}

/** `NS/SA` or `system:serviceaccount:NS:SA` -> [namespace, name]. */
export function parseServiceAccount(ref: string): {namespace: string; name: string} {
  const s = ref.trim()
  const m = s.startsWith(SA_PREFIX) ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(s) : /^([^/\s:]+)\/([^/\s:]+)$/.exec(s)
  if (!m) throw badInput(`'${ref}' is not a service account: use NAMESPACE/NAME (e.g. --service-account kube-system/aws-node)`)
  return {name: m[2]!, namespace: m[1]!}
}

export function trustsPodIdentity(role: IamRoleRecord): boolean {
  return role.trustPolicy.statements.some(
    (st) =>
      st.effect === 'Allow' &&
      actionMatches(st, 'sts:AssumeRole') &&
      (st.principal ? st.principal.wildcard || st.principal.service.some((s) => s.toLowerCase() === POD_IDENTITY_SERVICE) : false),
  )
}

/** Which IAM roles NS/SA of the cluster can get: through IRSA trust policies, and through Pod Identity associations. */
export function serviceAccountRoles(
  roles: IamRoleRecord[],
  cluster: ClusterRef,
  serviceAccount: string,
  associations: PodIdentityAssociation[] = [],
  opts: CanAssumeOptions = {},
): ServiceAccountRole[] {
  const {name, namespace} = parseServiceAccount(serviceAccount)
  const out: ServiceAccountRole[] = []
  for (const role of roles) {
    const r = canAssume(role.trustPolicy, cluster, namespace, name, opts)
    if (r.allowed) out.push({reason: r.reason, roleArn: role.arn, roleName: role.name, statement: r.statement, via: 'irsa'})
  }
  for (const a of associations) {
    if (a.namespace !== namespace || a.serviceAccount !== name) continue
    if (a.clusterName && cluster.name && a.clusterName !== cluster.name) continue
    if (!a.roleArn) continue
    const role = roles.find((r) => r.arn.toLowerCase() === a.roleArn!.toLowerCase())
    const e: ServiceAccountRole = {
      reason: `Pod Identity association ${a.associationId ?? ''} maps ${namespace}/${name} to ${a.roleArn}`.replace('  ', ' '),
      roleArn: a.roleArn,
      via: 'pod-identity',
    }
    if (role) {
      e.roleName = role.name
      e.trustsPodIdentity = trustsPodIdentity(role)
      if (!e.trustsPodIdentity) e.reason += ` (but its trust policy does not allow ${POD_IDENTITY_SERVICE}: the association fails)`
    }
    if (a.associationId) e.associationId = a.associationId
    if (a.targetRoleArn) e.targetRoleArn = a.targetRoleArn
    out.push(e)
  }
  return out
}
