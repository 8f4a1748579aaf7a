/**
 * The built-in ClusterRoles and ClusterRoleBindings every cluster has (audit-rules.md Part B, "Default bootstrap
 * bindings"), so an offline simulation can include them when a dump lacks them. The rules are a faithful-enough subset of
 * the upstream bootstrap policy as of current Kubernetes (admin/edit/view aggregated from the system:aggregate-to-*
 * roles, endpoints writes no longer in edit). Nothing applies them implicitly: callers opt in (a command flag). Pure.
 */
import {aggregateClusterRoles} from './aggregate.js'
import {
  type ClusterRole,
  type ClusterRoleBinding,
  objectKey,
  type PolicyRule,
  type RbacObjects,
  type Subject,
} from './objects.js'

export const DEFAULT_SOURCE = 'built-in default'

const READ = ['get', 'list', 'watch']
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update']
const ALL = [...READ, ...WRITE]

const AGG = 'rbac.authorization.k8s.io/aggregate-to-'
const BOOTSTRAP_LABEL = {'kubernetes.io/bootstrapping': 'rbac-defaults'}

/** A resource rule: verbs on resources of one API group (`""` is core), optionally limited to names. */
const r = (verbs: string[], apiGroup: string | string[], resources: string[], resourceNames: string[] = []): PolicyRule => ({
  apiGroups: Array.isArray(apiGroup) ? apiGroup : [apiGroup],
  nonResourceURLs: [],
  resourceNames,
  resources,
  verbs,
})

/** A non-resource rule. */
const u = (verbs: string[], urls: string[]): PolicyRule => ({apiGroups: [], nonResourceURLs: urls, resourceNames: [], resources: [], verbs})

const clusterRole = (
  name: string,
  rules: PolicyRule[],
  extra: {labels?: Record<string, string>; aggregateFrom?: string} = {},
): ClusterRole => ({
  kind: 'ClusterRole',
  labels: {...BOOTSTRAP_LABEL, ...extra.labels},
  name,
  origin: 'default',
  rules,
  source: {file: DEFAULT_SOURCE},
  ...(extra.aggregateFrom
    ? {aggregationRule: {clusterRoleSelectors: [{matchExpressions: [], matchLabels: {[`${AGG}${extra.aggregateFrom}`]: 'true'}}]}}
    : {}),
})

const user = (name: string): Subject => ({kind: 'User', name})
const group = (name: string): Subject => ({kind: 'Group', name})

const clusterRoleBinding = (name: string, subjects: Subject[], role = name): ClusterRoleBinding => ({
  kind: 'ClusterRoleBinding',
  labels: {...BOOTSTRAP_LABEL},
  name,
  origin: 'default',
  roleRef: {kind: 'ClusterRole', name: role},
  source: {file: DEFAULT_SOURCE},
  subjects,
})

function defaultClusterRoles(): ClusterRole[] {
  const events = r(['create', 'patch', 'update'], ['', 'events.k8s.io'], ['events'])
  return [
    clusterRole('cluster-admin', [r(['*'], '*', ['*']), u(['*'], ['*'])]),
    clusterRole('admin', [], {aggregateFrom: 'admin'}),
    clusterRole('edit', [], {aggregateFrom: 'edit', labels: {[`${AGG}admin`]: 'true'}}),
    clusterRole('view', [], {aggregateFrom: 'view', labels: {[`${AGG}edit`]: 'true'}}),
    clusterRole(
      'system:aggregate-to-admin',
      [r(['create'], 'authorization.k8s.io', ['localsubjectaccessreviews']), r(ALL, 'rbac.authorization.k8s.io', ['rolebindings', 'roles'])],
      {labels: {[`${AGG}admin`]: 'true'}},
    ),
    clusterRole(
      'system:aggregate-to-edit',
      [
        r(READ, '', ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
        r(['impersonate'], '', ['serviceaccounts']),
        r(WRITE, '', ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
        r(['create'], '', ['pods/eviction']),
        r(WRITE, '', [
          'configmaps',
          'events',
          'persistentvolumeclaims',
          'replicationcontrollers',
          'replicationcontrollers/scale',
          'secrets',
          'serviceaccounts',
          'services',
          'services/proxy',
        ]),
        r(['create'], '', ['serviceaccounts/token']),
        r(WRITE, 'apps', [
          'daemonsets',
          'deployments',
          'deployments/rollback',
          'deployments/scale',
          'replicasets',
          'replicasets/scale',
          'statefulsets',
          'statefulsets/scale',
        ]),
        r(WRITE, 'autoscaling', ['horizontalpodautoscalers']),
        r(WRITE, 'batch', ['cronjobs', 'jobs']),
        r(WRITE, 'extensions', [
          'daemonsets',
          'deployments',
          'deployments/rollback',
          'deployments/scale',
          'ingresses',
          'networkpolicies',
          'replicasets',
          'replicasets/scale',
          'replicationcontrollers/scale',
        ]),
        r(WRITE, 'policy', ['poddisruptionbudgets']),
        r(WRITE, 'networking.k8s.io', ['ingresses', 'networkpolicies']),
      ],
      {labels: {[`${AGG}edit`]: 'true'}},
    ),
    clusterRole(
      'system:aggregate-to-view',
      [
        r(READ, '', [
          'configmaps',
          'endpoints',
          'persistentvolumeclaims',
          'persistentvolumeclaims/status',
          'pods',
          'replicationcontrollers',
          'replicationcontrollers/scale',
          'serviceaccounts',
          'services',
          'services/status',
        ]),
        r(READ, '', [
          'bindings',
          'events',
          'limitranges',
          'namespaces/status',
          'pods/log',
          'pods/status',
          'replicationcontrollers/status',
          'resourcequotas',
          'resourcequotas/status',
        ]),
        r(READ, '', ['namespaces']),
        r(READ, 'discovery.k8s.io', ['endpointslices']),
        r(READ, 'apps', [
          'controllerrevisions',
          'daemonsets',
          'daemonsets/status',
          'deployments',
          'deployments/scale',
          'deployments/status',
          'replicasets',
          'replicasets/scale',
          'replicasets/status',
          'statefulsets',
          'statefulsets/scale',
          'statefulsets/status',
        ]),
        r(READ, 'autoscaling', ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
        r(READ, 'batch', ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
        r(READ, 'extensions', [
          'daemonsets',
          'daemonsets/status',
          'deployments',
          'deployments/scale',
          'deployments/status',
          'ingresses',
          'ingresses/status',
          'networkpolicies',
          'replicasets',
          'replicasets/scale',
          'replicasets/status',
          'replicationcontrollers/scale',
        ]),
        r(READ, 'policy', ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
        r(READ, 'networking.k8s.io', ['ingresses', 'ingresses/status', 'networkpolicies']),
      ],
      {labels: {[`${AGG}view`]: 'true'}},
    ),
    clusterRole('system:basic-user', [
      r(['create'], 'authorization.k8s.io', ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      r(['create'], 'authentication.k8s.io', ['selfsubjectreviews']),
    ]),
    clusterRole('system:discovery', [
      u(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/']),
    ]),
    clusterRole('system:public-info-viewer', [u(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    clusterRole('system:node-proxier', [
      r(['list', 'watch'], '', ['endpoints', 'services']),
      r(READ, '', ['nodes']),
      events,
      r(['list', 'watch'], 'discovery.k8s.io', ['endpointslices']),
    ]),
    clusterRole('system:kube-controller-manager', [
      events,
      r(['create'], 'coordination.k8s.io', ['leases']),
      r(['get', 'update'], 'coordination.k8s.io', ['leases'], ['kube-controller-manager']),
      r(['create'], '', ['endpoints']),
      r(['get', 'update'], '', ['endpoints'], ['kube-controller-manager']),
      r(['create'], '', ['secrets', 'serviceaccounts']),
      r(['delete'], '', ['secrets']),
      r(['get'], '', ['configmaps', 'namespaces', 'secrets', 'serviceaccounts']),
      r(['update'], '', ['secrets', 'serviceaccounts']),
      r(['create'], 'authentication.k8s.io', ['tokenreviews']),
      r(['create'], 'authorization.k8s.io', ['subjectaccessreviews']),
      r(['list', 'watch'], '*', ['*']),
      r(['create'], '', ['serviceaccounts/token']),
    ]),
    clusterRole('system:kube-scheduler', [
      events,
      r(['create'], 'coordination.k8s.io', ['leases']),
      r(['get', 'update'], 'coordination.k8s.io', ['leases'], ['kube-scheduler']),
      r(['create'], '', ['endpoints']),
      r(['get', 'update'], '', ['endpoints'], ['kube-scheduler']),
      r(READ, '', ['nodes']),
      r(['delete', 'get', 'list', 'watch'], '', ['pods']),
      r(['create'], '', ['bindings', 'pods/binding']),
      r(['patch', 'update'], '', ['pods/status']),
      r(READ, '', ['replicationcontrollers', 'services']),
      r(READ, ['apps', 'extensions'], ['replicasets']),
      r(READ, 'apps', ['statefulsets']),
      r(READ, 'policy', ['poddisruptionbudgets']),
      r(READ, '', ['persistentvolumeclaims', 'persistentvolumes']),
      r(['create'], 'authentication.k8s.io', ['tokenreviews']),
      r(['create'], 'authorization.k8s.io', ['subjectaccessreviews']),
      r(READ, 'storage.k8s.io', ['csinodes']),
      r(READ, '', ['namespaces']),
      r(READ, 'storage.k8s.io', ['csidrivers', 'csistoragecapacities']),
    ]),
    clusterRole('system:kube-dns', [r(['list', 'watch'], '', ['endpoints', 'services'])]),
    clusterRole('system:monitoring', [
      u(['get'], ['/healthz', '/healthz/*', '/livez', '/livez/*', '/metrics', '/metrics/slis', '/readyz', '/readyz/*']),
    ]),
    clusterRole('system:service-account-issuer-discovery', [
      u(['get'], ['/.well-known/openid-configuration', '/.well-known/openid-configuration/', '/openid/v1/jwks', '/openid/v1/jwks/']),
    ]),
    clusterRole('system:node', [
      r(['create'], 'authentication.k8s.io', ['tokenreviews']),
      r(['create'], 'authorization.k8s.io', ['localsubjectaccessreviews', 'subjectaccessreviews']),
      r(READ, '', ['services']),
      r(['create', 'get', 'list', 'watch'], '', ['nodes']),
      r(['patch', 'update'], '', ['nodes/status']),
      r(['patch', 'update'], '', ['nodes']),
      events,
      r(READ, '', ['pods']),
      r(['create', 'delete'], '', ['pods']),
      r(['patch', 'update'], '', ['pods/status']),
      r(['create'], '', ['pods/eviction']),
      r(READ, '', ['configmaps', 'secrets']),
      r(['get', 'update'], '', ['persistentvolumeclaims', 'persistentvolumes']),
      r(['get'], '', ['endpoints']),
      r(['create', 'get', 'list', 'watch'], 'certificates.k8s.io', ['certificatesigningrequests']),
      r(['create', 'delete', 'get', 'patch', 'update'], 'coordination.k8s.io', ['leases']),
      r(['get'], 'storage.k8s.io', ['volumeattachments']),
      r(['create'], '', ['serviceaccounts/token']),
      r(READ, 'node.k8s.io', ['runtimeclasses']),
      r(READ, 'storage.k8s.io', ['csidrivers', 'csinodes']),
    ]),
  ]
}

function defaultClusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterRoleBinding('cluster-admin', [group('system:masters')]),
    clusterRoleBinding('system:basic-user', [group('system:authenticated')]),
    clusterRoleBinding('system:discovery', [group('system:authenticated')]),
    clusterRoleBinding('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    clusterRoleBinding('system:node-proxier', [user('system:kube-proxy')]),
    clusterRoleBinding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
    clusterRoleBinding('system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterRoleBinding('system:kube-dns', [{kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system'}]),
    clusterRoleBinding('system:monitoring', [group('system:monitoring')]),
    clusterRoleBinding('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
    // nodes are authorized by the Node authorizer; the binding exists with no subjects
    clusterRoleBinding('system:node', []),
  ]
}

/**
 * The default ClusterRoles (admin, edit and view already aggregated, as a live cluster stores them) and the default
 * ClusterRoleBindings. Fresh objects on every call.
 */
export function defaultRbacObjects(): RbacObjects {
  return {
    clusterRoleBindings: defaultClusterRoleBindings(),
    clusterRoles: aggregateClusterRoles(defaultClusterRoles()).clusterRoles,
    roleBindings: [],
    roles: [],
  }
}

/**
 * Add the defaults the dump lacks (by kind and name; the dump's own objects always win). Says what it added so the
 * caller can show it. Does not aggregate: run aggregateClusterRoles on the result if the dump has aggregated roles.
 */
export function withDefaults(
  objects: RbacObjects,
  defaults: RbacObjects = defaultRbacObjects(),
): {objects: RbacObjects; added: {kind: string; name: string}[]} {
  const have = new Set([...objects.clusterRoles, ...objects.clusterRoleBindings].map(objectKey))
  const roles = defaults.clusterRoles.filter((o) => !have.has(objectKey(o)))
  const bindings = defaults.clusterRoleBindings.filter((o) => !have.has(objectKey(o)))
  return {
    added: [...roles, ...bindings].map((o) => ({kind: o.kind, name: o.name})),
    objects: {
      clusterRoleBindings: [...objects.clusterRoleBindings, ...bindings],
      clusterRoles: [...objects.clusterRoles, ...roles],
      roleBindings: [...objects.roleBindings],
      roles: [...objects.roles],
    },
  }
}

/** Concatenate object sets in order. In the index a later role of the same name replaces an earlier one; bindings all count. */
export function mergeRbacObjects(...sets: RbacObjects[]): RbacObjects {
  return {
    clusterRoleBindings: sets.flatMap((s) => s.clusterRoleBindings),
    clusterRoles: sets.flatMap((s) => s.clusterRoles),
    roleBindings: sets.flatMap((s) => s.roleBindings),
    roles: sets.flatMap((s) => s.roles),
  }
}
