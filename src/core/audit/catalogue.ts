/**
 * The audit rule catalogue (audit-rules.md Part A; WI rules from issue #8). Ids are stable: SARIF, ignore files and
 * CI pipelines depend on them.
 */
import {WI_RULES} from '../workload/rules.js'
import type {Severity} from './finding.js'

/** Inputs a rule needs; a rule whose input is missing is reported as "not checked", never as passed. */
export type AuditSource = 'awsAuth' | 'accessEntries' | 'cluster' | 'rbac' | 'iam' | 'workload'

export interface RuleInfo {
  id: string
  name: string
  severity: Severity
  title: string
  rationale: string
  fix: string
  needs: AuditSource[]
}

const r = (id: string, name: string, severity: Severity, title: string, needs: AuditSource[], rationale: string, fix: string): RuleInfo => ({
  fix,
  id,
  name,
  needs,
  rationale,
  severity,
  title,
})

export const RULES: readonly RuleInfo[] = [
  r('AA001', 'masters-group-mapped', 'critical', 'system:masters granted through aws-auth', ['awsAuth'],
    'The API server lets system:masters through before RBAC runs, so no binding change can reduce it; it is the most common EKS takeover target.',
    'Map the principal to a group bound to a scoped ClusterRole, or move break-glass admin to an access entry with AmazonEKSClusterAdminPolicy (revocable).'),
  r('AA002', 'map-accounts-present', 'high', 'mapAccounts lets a whole AWS account in', ['awsAuth'],
    'Every IAM principal of a listed account authenticates (username = its ARN, no groups) and reaches whatever system:authenticated or ARN-named users are bound to.',
    'Remove mapAccounts and map the roles that need access explicitly.'),
  r('AA003', 'wildcard-role-arn', 'high', 'Wildcard in a role ARN', ['awsAuth'],
    'Newer authenticators match such entries as a glob: anyone who can create a role whose name matches gains the mapping.',
    'Replace the pattern with the concrete role ARNs.'),
  r('AA004', 'principal-in-wrong-section', 'medium', 'User ARN in mapRoles or role ARN in mapUsers', ['awsAuth'],
    'Both sections are plain lookups by the lower-cased ARN, so the entry still matches, but reviewers misread what is granted.',
    'Move the entry to the section of its kind (rolearn in mapRoles, userarn in mapUsers).'),
  r('AA005', 'sts-assumed-role-arn', 'medium', 'STS session ARN in aws-auth (never matches)', ['awsAuth'],
    'The caller ARN is converted to arn:aws:iam::ACCOUNT:role/NAME before the lookup, so an assumed-role ARN entry is dead and gives a false sense of what is granted.',
    'Write the IAM role ARN instead of the session ARN.'),
  r('AA006', 'role-arn-with-path', 'medium', 'Role ARN with a path (never matches)', ['awsAuth'],
    'STS reports assumed roles without their path and the EKS ConfigMap mapper does not strip paths, so the entry never matches (EKS docs: aws-auth ARNs cannot include a path).',
    'Remove the path from the role ARN.'),
  r('AA007', 'username-without-session', 'low', 'Shared role username without {{SessionName}}', ['awsAuth'],
    'Everyone who assumes the role gets one Kubernetes username, so audit logs and username-keyed RBAC cannot tell them apart.',
    'Add {{SessionName}} to the username, e.g. "name:{{SessionName}}".'),
  r('AA008', 'accesskeyid-username', 'medium', 'Username or group built from {{AccessKeyID}}', ['awsAuth'],
    'An access key id is not a secret and was forgeable (CVE-2022-2385); identity must not be keyed on it.',
    'Use {{SessionName}} and a fixed prefix instead of {{AccessKeyID}}.'),
  r('AA009', 'reserved-username', 'high', 'Reserved Kubernetes username mapped to an IAM principal', ['awsAuth'],
    'Default bindings name built-in users (system:kube-controller-manager, system:kube-scheduler, service accounts...): a mapped principal with such a name inherits their rights. Access entries reject these prefixes; aws-auth does not.',
    'Give the mapping its own username without system:, eks:, aws:, amazon: or iam: prefixes.'),
  r('AA010', 'reserved-group', 'high', 'Reserved system: group mapped', ['awsAuth'],
    'Reserved group names are bound by default or by add-ons; mapping people into them grants non-obvious rights.',
    'Map to your own group and bind it to exactly the permissions needed.'),
  r('AA011', 'node-role-misuse', 'high', 'Node role misuse', ['awsAuth'],
    'Any pod that can reach IMDS can steal the node role: extra groups on it are reachable from every pod, and node groups on a human role give that human node identity.',
    'Keep node roles to system:node:{{EC2PrivateDNSName}} with system:bootstrappers and system:nodes only; never share a node role with people or CI.'),
  r('AA012', 'duplicate-arn', 'medium', 'Duplicate ARN in one section', ['awsAuth'],
    'Entries are stored by lower-cased ARN, so the last one silently wins and the earlier groups are ignored; other tools may read the first.',
    'Keep exactly one entry per ARN.'),
  r('AA013', 'arn-in-both-sections', 'medium', 'Same ARN in mapRoles and mapUsers', ['awsAuth'],
    'mapRoles is looked up first, so the mapUsers entry is shadowed.',
    'Keep the entry in the section of its kind only.'),
  r('AA014', 'cross-account-principal', 'medium', 'Principal from another AWS account', ['awsAuth'],
    'Admins of the other account decide who can assume that role, so the trust boundary spans accounts.',
    'Confirm the cross-account trust is intended and scope its Kubernetes groups tightly.'),
  r('AA015', 'dangling-principal', 'high', 'Mapped IAM principal does not exist', ['awsAuth', 'iam'],
    'aws-auth matches the ARN (a name), not the unique id: anyone who can create a principal of that name in that account inherits the mapping.',
    'Remove the mapping (or recreate the principal deliberately).'),
  r('AA016', 'root-principal', 'high', 'Account root user mapped', ['awsAuth'],
    'The authenticator accepts root ARNs, so the account root user gets Kubernetes access; root should never be used interactively.',
    'Remove the root mapping; map a role instead.'),
  r('AA017', 'malformed-yaml', 'high', 'aws-auth section fails to parse', ['awsAuth'],
    'The authenticator parses each section separately and drops a broken one whole, which can lock out every node and admin at once.',
    'Fix the YAML of the section (indentation, quoting of {{...}} templates, list shape).'),
  r('AA018', 'unknown-key', 'low', 'Unknown key ignored', ['awsAuth'],
    'Unknown keys are ignored silently, so the intended grant is missing (field names are case-insensitive, data keys are not).',
    'Rename the key (rolearn, userarn, username, groups; mapRoles, mapUsers, mapAccounts).'),
  r('AA019', 'entry-missing-fields', 'low', 'Entry without ARN or username', ['awsAuth'],
    'The entry is skipped (no ARN) or unattributable (no username).',
    'Give every entry an ARN and a username.'),
  r('AA020', 'iam-users-mapped', 'low', 'IAM user mapped', ['awsAuth'],
    'Mapped IAM users usually hold long-lived access keys; roles are recommended.',
    'Map a role the user assumes instead of the user.'),
  r('AA021', 'group-unbound', 'info', 'Mapped group bound to nothing', ['awsAuth', 'rbac'],
    'The group has no effect today and may be a typo; it becomes live the moment someone binds it.',
    'Bind the group, fix its name, or remove it from the mapping.'),
  r('AA022', 'prefer-access-entries', 'info', 'aws-auth in use: prefer access entries', ['awsAuth'],
    'AWS deprecates aws-auth in favour of access entries, which bind to the principal id and whose permissions can be revoked.',
    'Migrate mappings to access entries and move the cluster to authentication mode API.'),

  r('AE001', 'cluster-admin-policy', 'high', 'AmazonEKSClusterAdminPolicy associated', ['accessEntries'],
    'It is equivalent to cluster-admin (revocable, unlike system:masters).',
    'Associate a narrower policy or scope it to namespaces; keep cluster admin for break-glass only.'),
  r('AE002', 'admin-policy-cluster-scope', 'high', 'AmazonEKSAdminPolicy at cluster scope', ['accessEntries'],
    'Admin in every namespace, kube-system included, means RBAC edits and pod creation there.',
    'Scope the association to the namespaces that need it.'),
  r('AE003', 'creator-admin-retained', 'medium', 'Cluster creator keeps standing cluster-admin', ['accessEntries', 'cluster'],
    'Best practice is to remove the creator\'s standing cluster-admin and keep it only as break-glass.',
    'Delete the creator\'s access entry once other admins exist, or disassociate the policy.'),
  r('AE004', 'reserved-group-or-username', 'high', 'Access entry uses reserved groups or username', ['accessEntries'],
    'Mirrors AA009/AA010; EKS is expected to reject reserved values, so this is mainly relevant for IaC input.',
    'Use your own group and username names.'),
  r('AE005', 'entry-and-configmap-conflict', 'medium', 'Principal in both access entries and aws-auth', ['accessEntries', 'awsAuth'],
    'In API_AND_CONFIG_MAP the access entry wins and the aws-auth entry is ignored: reviewers see two different truths.',
    'Remove the aws-auth entry once the access entry is right.'),
  r('AE006', 'node-type-entry-shared', 'medium', 'Node access entry principal also used by people or CI', ['accessEntries'],
    'Same as AA011: node credentials are reachable from pods.',
    'Use a dedicated role for nodes.'),
  r('AE007', 'dangling-entry', 'low', 'Access entry for a principal that no longer exists', ['accessEntries', 'iam'],
    'No takeover is possible (EKS stores the unique id), but the stale entry should go.',
    'Delete the access entry.'),

  r('CL001', 'auth-mode-configmap', 'medium', 'Authentication mode CONFIG_MAP', ['cluster'],
    'Access entries are the recommended method; mode changes are one-way (CONFIG_MAP -> API_AND_CONFIG_MAP -> API).',
    'aws eks update-cluster-config --access-config authenticationMode=API_AND_CONFIG_MAP, then migrate.'),
  r('CL002', 'auth-mode-dual', 'low', 'API_AND_CONFIG_MAP with a non-empty aws-auth', ['cluster', 'awsAuth'],
    'Migration is unfinished: two sources of truth.',
    'Migrate the remaining mappings to access entries and switch to API.'),
  r('CL003', 'public-endpoint', 'medium', 'Public API endpoint', ['cluster'],
    'The endpoint is reachable from the internet (still behind IAM and RBAC).',
    'Disable public access or restrict publicAccessCidrs.'),
  r('CL004', 'public-endpoint-open-cidr', 'high', 'Public API endpoint open to 0.0.0.0/0', ['cluster'],
    'Any stolen IAM credential works from anywhere.',
    'Restrict publicAccessCidrs to your networks.'),
  r('CL005', 'private-endpoint-disabled', 'low', 'Private endpoint disabled', ['cluster'],
    'Node-to-API traffic leaves the VPC.',
    'Enable endpointPrivateAccess.'),
  r('CL006', 'auth-audit-logging-off', 'medium', 'Authenticator/audit/api logs disabled', ['cluster'],
    'Without them, actions by mapped identities cannot be tied back to IAM sessions.',
    'Enable the authenticator, audit and api control plane log types.'),

  r('RB001', 'effective-cluster-admin', 'critical', 'Effective cluster-admin', ['rbac'],
    'Full control of the cluster.', 'Bind a narrower ClusterRole, or scope with RoleBindings.'),
  r('RB002', 'can-edit-aws-auth', 'critical', 'Can rewrite aws-auth', ['rbac'],
    'Rewriting aws-auth lets the holder map any IAM principal into system:masters: cluster takeover.',
    'Remove write access to configmaps in kube-system (or restrict resourceNames to ConfigMaps other than aws-auth).'),
  r('RB003', 'bind-or-escalate', 'critical', 'bind or escalate on roles', ['rbac'],
    'These verbs bypass the RBAC escalation check: the holder can grant any permission, including cluster-admin.',
    'Remove bind/escalate (and * verbs) on roles and clusterroles.'),
  r('RB004', 'impersonate', 'critical', 'impersonate users, groups or service accounts', ['rbac'],
    'The holder can impersonate system:masters or an admin user.', 'Remove impersonate, or restrict resourceNames to harmless identities.'),
  r('RB005', 'create-workloads-privileged-ns', 'critical', 'Create workloads in kube-system', ['rbac'],
    'The holder can run a pod under a powerful service account and steal its token, or mount the node via hostPath.',
    'Remove pod and workload create/update rights in kube-system.'),
  r('RB006', 'token-request-privileged-ns', 'critical', 'Mint service-account tokens in kube-system', ['rbac'],
    'Mints tokens for admin-equivalent service accounts.', 'Remove create on serviceaccounts/token in kube-system.'),
  r('RB007', 'csr-approve', 'critical', 'Create and approve certificate signing requests', ['rbac'],
    'The holder can issue client certificates for arbitrary identities.', 'Remove CSR approval rights.'),
  r('RB008', 'secrets-read', 'high', 'Read secrets', ['rbac'],
    'Exposes service-account tokens and credentials (list alone returns contents). Critical cluster-wide or in kube-system.',
    'Restrict secret reads to named secrets in the namespaces that need them.'),
  r('RB009', 'rbac-write', 'high', 'Write RBAC objects', ['rbac'],
    'Limited by the escalation check, but can re-bind existing rights to new subjects.', 'Remove create/update/patch on roles and bindings.'),
  r('RB010', 'exec-attach-portforward', 'high', 'Exec, attach or port-forward into pods', ['rbac'],
    'Runs code inside, or tunnels into, running workloads.', 'Remove create on pods/exec, pods/attach and pods/portforward.'),
  r('RB011', 'nodes-proxy', 'high', 'Access nodes/proxy', ['rbac'],
    'Gives the kubelet API, including exec in any pod on the node, outside the API server\'s audit.', 'Remove nodes/proxy access.'),
  r('RB012', 'webhook-config-write', 'high', 'Write admission webhook configurations', ['rbac'],
    'A webhook can read and mutate every admitted object.', 'Remove write access to mutating/validating webhook configurations.'),
  r('RB013', 'modify-pods-privileged-ns', 'high', 'Modify pods in kube-system', ['rbac'],
    'Code execution in powerful pods and node breakout via ephemeral containers.', 'Remove update/patch on pods in kube-system.'),
  r('RB014', 'secret-write-privileged-ns', 'high', 'Write secrets in kube-system', ['rbac'],
    'Can create legacy service-account token secrets for admin service accounts.', 'Remove secret writes in kube-system.'),
  r('RB015', 'pv-create', 'high', 'Create PersistentVolumes', ['rbac'],
    'A hostPath PersistentVolume gives node filesystem access.', 'Remove create on persistentvolumes.'),
  r('RB016', 'broad-authenticated-bindings', 'high', 'Rights granted to every authenticated identity', ['rbac'],
    'Every IAM-mapped identity (and with mapAccounts, every principal of the account) receives these rights.',
    'Bind to specific groups instead of system:authenticated, system:unauthenticated or ARN-named users.'),
  r('RB017', 'wildcard-rule', 'medium', 'Wildcard in a reachable rule', ['rbac'],
    'Future resources and CRDs are granted automatically.', 'List verbs, resources and apiGroups explicitly.'),
  r('RB018', 'create-workloads-other-ns', 'medium', 'Create workloads', ['rbac'],
    'Access to that namespace\'s service accounts, plus node escape if Pod Security Admission is weak.', 'Confirm workload creation is needed; enforce Pod Security Admission.'),
  r('RB019', 'steal-pods', 'medium', 'Evict pods and cordon nodes', ['rbac'],
    'The holder can reschedule powerful pods onto a node it controls.', 'Remove delete/evict on pods together with patch/update on nodes.'),
  r('RB020', 'aggregation-label-injection', 'medium', 'Create or update ClusterRoles (aggregation labels)', ['rbac'],
    'Rules added to a role labelled aggregate-to-admin/edit/view flow into roles other people hold.', 'Remove create/update on clusterroles.'),
  r('RB021', 'status-subresource-writes', 'low', 'Write node, pod or service status', ['rbac'],
    'Allows scheduling and traffic manipulation (CVE-2020-8554 via services/status).', 'Remove update/patch on */status subresources.'),
  r('RB022', 'binding-to-missing-role', 'low', 'Binding references a missing role', ['rbac'],
    'Latent grant: whoever later creates that name decides what it gives.', 'Delete the binding or create the intended role.'),
  r('RB023', 'crd-or-network-write', 'low', 'Write CRDs, NetworkPolicies, Services or Ingresses', ['rbac'],
    'Can disable controls or redirect traffic.', 'Restrict these writes to the teams that own them.'),
]

/** WI001-WI007 (issue #8): workload identity, from the workload core's own table. */
const WORKLOAD_RULES: RuleInfo[] = Object.entries(WI_RULES).map(([id, m]) => ({
  fix: m.fix,
  id,
  name: m.title.toLowerCase().replaceAll(/[^a-z0-9]+/g, '-').replaceAll(/^-|-$/g, ''),
  needs: ['workload'],
  rationale: m.rationale,
  severity: m.baseSeverity,
  title: m.title,
}))

export const ALL_RULES: readonly RuleInfo[] = [...RULES, ...WORKLOAD_RULES]

export const RULE_BY_ID: ReadonlyMap<string, RuleInfo> = new Map(ALL_RULES.map((x) => [x.id, x]))

export function ruleInfo(id: string): RuleInfo {
  const info = RULE_BY_ID.get(id)
  if (!info) throw new Error(`unknown audit rule ${id}`)
  return info
}
