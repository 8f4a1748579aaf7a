/**
 * RB001-RB023 (audit-rules.md A4): what an IAM-mapped identity reaches through RBAC, for every rule a grant where it
 * fires and a near miss where it must not. The identity is aws-auth mapRoles Dev -> dev:{{SessionName}} [devs].
 */
import {describe, expect, it} from 'vitest'

import type {AuditInput} from '../../../src/core/audit/context.js'
import type {Finding} from '../../../src/core/audit/finding.js'
import {auditRbac} from '../../../src/core/audit/rules-rbac.js'
import {
  ACCT,
  accessEntry,
  auditWithRbac,
  clusterRole,
  crb,
  entry,
  group,
  ids,
  nsRole,
  only,
  policy,
  rb,
  rbacObjects,
  roleArn,
  withRoles,
} from './helpers.js'

const DEV = roleArn('Dev')
const input = (): AuditInput => withRoles(entry(DEV, 'dev:{{SessionName}}', ['devs']))

/** rules granted to group devs cluster-wide (ClusterRole + ClusterRoleBinding) */
const cw = (rules: string, name = 'granted'): string => clusterRole(name, rules) + crb(name, name, group('devs'))
/** rules granted to group devs in one namespace (Role + RoleBinding) */
const inNs = (ns: string, rules: string, name = 'granted'): string => nsRole(ns, name, rules) + rb(ns, name, 'Role', name, group('devs'))
const rule = (verbs: string, resources: string, apiGroups = '""', extra = ''): string => `{apiGroups: [${apiGroups}], resources: [${resources}], verbs: [${verbs}]${extra}}`

interface Case {
  name: string
  yaml: string
  input?: AuditInput
  severity?: Finding['severity']
}

const reachedByDev = (fs: Finding[]): boolean => fs.some((f) => (f.path ?? []).some((p) => p.arn === DEV))

const TABLE: Record<string, {fires: Case[]; silent: Case[]}> = {
  RB001: {
    fires: [
      {name: '* verbs on * resources in * groups through a ClusterRoleBinding', severity: 'critical', yaml: cw(`[${rule('"*"', '"*"', '"*"')}]`)},
      {name: 'a ClusterRoleBinding to cluster-admin', yaml: cw(`[${rule('"*"', '"*"', '"*"')}, {nonResourceURLs: ["*"], verbs: ["*"]}]`, 'cluster-admin')},
    ],
    silent: [
      {name: 'the same rule through a RoleBinding (one namespace only)', yaml: inNs('team-a', `[${rule('"*"', '"*"', '"*"')}]`)},
      {name: '* verbs on pods only, cluster-wide', yaml: cw(`[${rule('"*"', 'pods')}]`)},
    ],
  },
  RB002: {
    fires: [
      {name: 'update configmaps in kube-system (no resourceNames)', severity: 'critical', yaml: inNs('kube-system', `[${rule('update', 'configmaps')}]`)},
      {name: 'patch configmaps with resourceNames [aws-auth]', yaml: inNs('kube-system', `[${rule('patch', 'configmaps', '""', ', resourceNames: [aws-auth]')}]`)},
      {name: 'write via * resources cluster-wide', yaml: cw(`[${rule('update', '"*"')}]`)},
      {name: 'delete aws-auth followed by create configmaps in kube-system', yaml: inNs('kube-system', `[${rule('delete', 'configmaps', '""', ', resourceNames: [aws-auth]')}, ${rule('create', 'configmaps')}]`)},
    ],
    silent: [
      {name: 'update configmaps with resourceNames [coredns] only', yaml: inNs('kube-system', `[${rule('update, patch', 'configmaps', '""', ', resourceNames: [coredns]')}]`)},
      {name: 'update configmaps in another namespace', yaml: inNs('team-a', `[${rule('update, patch', 'configmaps')}]`)},
      {name: 'read configmaps in kube-system', yaml: inNs('kube-system', `[${rule('get, list, watch', 'configmaps')}]`)},
    ],
  },
  RB003: {
    fires: [
      {name: 'bind on clusterroles', severity: 'critical', yaml: cw(`[${rule('bind', 'clusterroles', 'rbac.authorization.k8s.io')}]`)},
      {name: 'escalate on roles in a namespace', yaml: inNs('team-a', `[${rule('escalate', 'roles', 'rbac.authorization.k8s.io')}]`)},
      {name: '* verbs on roles (covers bind)', yaml: inNs('team-a', `[${rule('"*"', 'roles', 'rbac.authorization.k8s.io')}]`)},
      {name: 'bind in apiGroup *', yaml: cw(`[${rule('bind', 'clusterroles', '"*"')}]`)},
    ],
    silent: [{name: 'get/list on roles and clusterroles', yaml: cw(`[${rule('get, list', 'roles, clusterroles', 'rbac.authorization.k8s.io')}]`)}],
  },
  RB004: {
    fires: [
      {name: 'impersonate groups (no resourceNames)', severity: 'critical', yaml: cw(`[${rule('impersonate', 'groups')}]`)},
      {name: 'impersonate users', yaml: cw(`[${rule('impersonate', 'users')}]`)},
      {name: 'impersonate serviceaccounts', yaml: cw(`[${rule('impersonate', 'serviceaccounts')}]`)},
      {name: 'impersonate groups limited to system:masters (a privileged name)', yaml: cw(`[${rule('impersonate', 'groups', '""', ', resourceNames: ["system:masters"]')}]`)},
      {name: 'impersonate uids', yaml: cw(`[${rule('impersonate', 'uids', 'authentication.k8s.io')}]`)},
    ],
    silent: [
      {name: 'impersonate users limited to a harmless name', yaml: cw(`[${rule('impersonate', 'users', '""', ', resourceNames: [readonly-bot]')}]`)},
      {name: 'get users/groups (no impersonate)', yaml: cw(`[${rule('get', 'users, groups')}]`)},
    ],
  },
  RB005: {
    fires: [
      {name: 'create pods in kube-system', severity: 'critical', yaml: inNs('kube-system', `[${rule('create', 'pods')}]`)},
      {name: 'patch daemonsets in kube-system', yaml: inNs('kube-system', `[${rule('patch', 'daemonsets', 'apps')}]`)},
      {name: 'create cronjobs cluster-wide (includes kube-system)', yaml: cw(`[${rule('create', 'cronjobs', 'batch')}]`)},
      {name: 'update replicationcontrollers in kube-system', yaml: inNs('kube-system', `[${rule('update', 'replicationcontrollers')}]`)},
    ],
    silent: [
      {name: 'create pods in a team namespace (RB018 instead)', yaml: inNs('team-a', `[${rule('create', 'pods')}]`)},
      {name: 'get/list deployments in kube-system', yaml: inNs('kube-system', `[${rule('get, list', 'deployments', 'apps')}]`)},
    ],
  },
  RB006: {
    fires: [{name: 'create serviceaccounts/token in kube-system', severity: 'critical', yaml: inNs('kube-system', `[${rule('create', 'serviceaccounts/token')}]`)}],
    silent: [
      {name: 'create serviceaccounts/token in a team namespace', yaml: inNs('team-a', `[${rule('create', 'serviceaccounts/token')}]`)},
      {name: 'create serviceaccounts (not the token subresource) in kube-system', yaml: inNs('kube-system', `[${rule('create', 'serviceaccounts')}]`)},
    ],
  },
  RB007: {
    fires: [
      {
        name: 'create CSRs + update certificatesigningrequests/approval + approve signers',
        severity: 'critical',
        yaml: cw(`[${rule('create', 'certificatesigningrequests', 'certificates.k8s.io')}, ${rule('update', 'certificatesigningrequests/approval', 'certificates.k8s.io')}, ${rule('approve', 'signers', 'certificates.k8s.io')}]`),
      },
      {
        name: 'the same with approve limited to the kube-apiserver-client signer',
        yaml: cw(`[${rule('create', 'certificatesigningrequests', 'certificates.k8s.io')}, ${rule('update', 'certificatesigningrequests/approval', 'certificates.k8s.io')}, ${rule('approve', 'signers', 'certificates.k8s.io', ', resourceNames: [kubernetes.io/kube-apiserver-client]')}]`),
      },
    ],
    silent: [
      {
        name: 'create and approval without approve on any signer',
        yaml: cw(`[${rule('create', 'certificatesigningrequests', 'certificates.k8s.io')}, ${rule('update', 'certificatesigningrequests/approval', 'certificates.k8s.io')}]`),
      },
    ],
  },
  RB008: {
    fires: [
      {name: 'list secrets in a team namespace: HIGH (list alone returns contents)', severity: 'high', yaml: inNs('team-a', `[${rule('list', 'secrets')}]`)},
      {name: 'get secrets cluster-wide: CRITICAL', severity: 'critical', yaml: cw(`[${rule('get', 'secrets')}]`)},
      {name: 'watch secrets in kube-system: CRITICAL', severity: 'critical', yaml: inNs('kube-system', `[${rule('watch', 'secrets')}]`)},
    ],
    silent: [{name: 'get configmaps and create secrets (no read)', yaml: inNs('team-a', `[${rule('get, list, watch', 'configmaps')}, ${rule('create', 'secrets')}]`)}],
  },
  RB009: {
    fires: [
      {name: 'create rolebindings in a namespace', severity: 'high', yaml: inNs('team-a', `[${rule('create', 'rolebindings', 'rbac.authorization.k8s.io')}]`)},
      {name: 'patch clusterroles', yaml: cw(`[${rule('patch', 'clusterroles', 'rbac.authorization.k8s.io')}]`)},
    ],
    silent: [
      {name: 'write RBAC plus bind (reported as RB003 instead)', yaml: inNs('team-a', `[${rule('create, bind', 'roles, rolebindings', 'rbac.authorization.k8s.io')}]`)},
      {name: 'read RBAC', yaml: cw(`[${rule('get, list', 'roles, rolebindings, clusterroles, clusterrolebindings', 'rbac.authorization.k8s.io')}]`)},
    ],
  },
  RB010: {
    fires: [
      {name: 'create pods/exec (and get pods)', severity: 'high', yaml: inNs('team-a', `[${rule('get', 'pods')}, ${rule('create', 'pods/exec')}]`)},
      {name: 'create pods/attach', yaml: inNs('team-a', `[${rule('get', 'pods')}, ${rule('create', 'pods/attach')}]`)},
      {name: 'create pods/portforward', yaml: inNs('team-a', `[${rule('get', 'pods')}, ${rule('create', 'pods/portforward')}]`)},
    ],
    silent: [{name: 'get pods and pods/log', yaml: inNs('team-a', `[${rule('get', 'pods, pods/log')}]`)}],
  },
  RB011: {
    fires: [
      {name: 'get nodes/proxy', severity: 'high', yaml: cw(`[${rule('get', 'nodes/proxy')}]`)},
      {name: 'create via */proxy', yaml: cw(`[${rule('create', '"*/proxy"')}]`)},
    ],
    silent: [{name: 'get nodes and nodes/status', yaml: cw(`[${rule('get', 'nodes, nodes/status')}]`)}],
  },
  RB012: {
    fires: [
      {name: 'patch validatingwebhookconfigurations', severity: 'high', yaml: cw(`[${rule('patch', 'validatingwebhookconfigurations', 'admissionregistration.k8s.io')}]`)},
      {name: 'create mutatingwebhookconfigurations', yaml: cw(`[${rule('create', 'mutatingwebhookconfigurations', 'admissionregistration.k8s.io')}]`)},
    ],
    silent: [{name: 'get/list webhook configurations', yaml: cw(`[${rule('get, list', 'mutatingwebhookconfigurations, validatingwebhookconfigurations', 'admissionregistration.k8s.io')}]`)}],
  },
  RB013: {
    fires: [
      {name: 'patch pods in kube-system', severity: 'high', yaml: inNs('kube-system', `[${rule('patch', 'pods')}]`)},
      {name: 'update pods/ephemeralcontainers in kube-system', yaml: inNs('kube-system', `[${rule('update', 'pods/ephemeralcontainers')}]`)},
    ],
    silent: [{name: 'patch pods in a team namespace', yaml: inNs('team-a', `[${rule('patch', 'pods')}]`)}],
  },
  RB014: {
    fires: [
      {name: 'create secrets in kube-system', severity: 'high', yaml: inNs('kube-system', `[${rule('create', 'secrets')}]`)},
      {name: 'patch secrets cluster-wide (includes kube-system)', yaml: cw(`[${rule('patch', 'secrets')}]`)},
    ],
    silent: [{name: 'create secrets in a team namespace', yaml: inNs('team-a', `[${rule('create, update, patch', 'secrets')}]`)}],
  },
  RB015: {
    fires: [{name: 'create persistentvolumes', severity: 'high', yaml: cw(`[${rule('create', 'persistentvolumes')}]`)}],
    silent: [{name: 'create persistentvolumeclaims in a namespace, get persistentvolumes', yaml: inNs('team-a', `[${rule('create', 'persistentvolumeclaims')}]`) + cw(`[${rule('get', 'persistentvolumes')}]`, 'pv-read')}],
  },
  RB017: {
    fires: [
      {name: '* resources in a namespaced role', severity: 'medium', yaml: inNs('team-a', `[${rule('get', '"*"')}]`)},
      {name: '* verbs', yaml: inNs('team-a', `[${rule('"*"', 'configmaps')}]`)},
      {name: '* apiGroups', yaml: inNs('team-a', `[${rule('get', 'configmaps', '"*"')}]`)},
    ],
    silent: [{name: 'explicit verbs, resources and apiGroups', yaml: inNs('team-a', `[${rule('get, list', 'configmaps, services')}]`)}],
  },
  RB018: {
    fires: [
      {name: 'create deployments in a team namespace', severity: 'medium', yaml: inNs('team-a', `[${rule('create', 'deployments', 'apps')}]`)},
      {name: 'create pods through a RoleBinding to a ClusterRole', yaml: clusterRole('pod-creator', `[${rule('create', 'pods')}]`) + rb('team-a', 'devs', 'ClusterRole', 'pod-creator', group('devs'))},
    ],
    silent: [
      {name: 'get deployments in a team namespace', yaml: inNs('team-a', `[${rule('get, list', 'deployments', 'apps')}]`)},
      {name: 'create pods in kube-system (RB005 instead)', yaml: inNs('kube-system', `[${rule('create', 'pods')}]`)},
    ],
  },
  RB019: {
    fires: [
      {name: 'delete pods plus patch nodes', severity: 'medium', yaml: cw(`[${rule('delete', 'pods')}, ${rule('patch', 'nodes')}]`)},
      {name: 'create pods/eviction in a namespace plus update nodes', yaml: inNs('team-a', `[${rule('create', 'pods/eviction')}]`) + cw(`[${rule('update', 'nodes')}]`, 'cordon')},
    ],
    silent: [
      {name: 'delete pods without any node write', yaml: cw(`[${rule('delete', 'pods')}, ${rule('get', 'nodes')}]`)},
      {name: 'patch nodes without deleting pods', yaml: cw(`[${rule('patch', 'nodes')}]`)},
    ],
  },
  RB020: {
    fires: [
      {name: 'create clusterroles', severity: 'medium', yaml: cw(`[${rule('create', 'clusterroles', 'rbac.authorization.k8s.io')}]`)},
      {name: 'update clusterroles', yaml: cw(`[${rule('update', 'clusterroles', 'rbac.authorization.k8s.io')}]`)},
    ],
    silent: [{name: 'create roles in a namespace only', yaml: inNs('team-a', `[${rule('get', 'clusterroles', 'rbac.authorization.k8s.io')}]`)}],
  },
  RB021: {
    fires: [
      {name: 'update nodes/status: LOW', severity: 'low', yaml: cw(`[${rule('update', 'nodes/status')}]`)},
      {name: 'patch pods/status: LOW', severity: 'low', yaml: inNs('team-a', `[${rule('patch', 'pods/status')}]`)},
      {name: 'update services/status: MEDIUM', severity: 'medium', yaml: inNs('team-a', `[${rule('update', 'services/status')}]`)},
      {name: 'nodes/status and services/status in one rule: MEDIUM', severity: 'medium', yaml: cw(`[${rule('update', 'nodes/status, services/status')}]`)},
      {name: 'nodes/status and services/status in two roles: MEDIUM', severity: 'medium', yaml: cw(`[${rule('update', 'nodes/status')}]`, 'a-nodes') + cw(`[${rule('patch', 'services/status')}]`, 'b-services')},
    ],
    silent: [{name: 'update pods and services (not their status)', yaml: inNs('team-a', `[${rule('get', 'pods/status')}, ${rule('update', 'pods')}]`)}],
  },
  RB022: {
    fires: [
      {name: 'a RoleBinding to a Role that does not exist', severity: 'low', yaml: rb('team-a', 'devs', 'Role', 'missing', group('devs'))},
      {name: 'a ClusterRoleBinding to a ClusterRole that does not exist', yaml: crb('devs', 'missing', group('devs'))},
    ],
    silent: [
      {name: 'bindings to existing roles', yaml: inNs('team-a', `[${rule('get', 'pods')}]`)},
      {name: 'a binding to a missing role for a group nobody is mapped to', yaml: crb('others', 'missing', group('others'))},
    ],
  },
  RB023: {
    fires: [
      {name: 'create networkpolicies', severity: 'low', yaml: inNs('team-a', `[${rule('create', 'networkpolicies', 'networking.k8s.io')}]`)},
      {name: 'patch services', yaml: inNs('team-a', `[${rule('patch', 'services')}]`)},
      {name: 'update ingresses', yaml: inNs('team-a', `[${rule('update', 'ingresses', 'networking.k8s.io')}]`)},
      {name: 'delete customresourcedefinitions', yaml: cw(`[${rule('delete', 'customresourcedefinitions', 'apiextensions.k8s.io')}]`)},
    ],
    silent: [{name: 'read services, ingresses, networkpolicies and CRDs', yaml: inNs('team-a', `[${rule('get, list', 'services')}, ${rule('get', 'networkpolicies, ingresses', 'networking.k8s.io')}]`)}],
  },
}

describe('RBAC reachability rules (RB)', () => {
  for (const [id, {fires, silent}] of Object.entries(TABLE)) {
    for (const c of fires) {
      it(`${id} fires: ${c.name}`, () => {
        const r = auditWithRbac(c.input ?? input(), c.yaml)
        const fs = only(r, id)
        expect(fs.length, JSON.stringify(r.findings.map((f) => [f.ruleId, f.message]))).toBeGreaterThan(0)
        expect(reachedByDev(fs), 'the finding names the IAM ARN it is reachable from').toBe(true)
        if (c.severity) expect(fs.map((f) => f.severity)).toContain(c.severity)
        if (c.severity) expect(fs.every((f) => f.severity === c.severity), JSON.stringify(fs.map((f) => f.severity))).toBe(true)
      })
    }
    for (const c of silent) {
      it(`${id} does not fire: ${c.name}`, () => {
        expect(only(auditWithRbac(c.input ?? input(), c.yaml), id).map((f) => f.message)).toEqual([])
      })
    }
  }

  // RB016 is about binding objects, not one identity
  describe('RB016 broad-authenticated-bindings', () => {
    const viewPods = clusterRole('pod-reader', `[${rule('get', 'pods')}]`)
    it('RB016 fires: a custom ClusterRoleBinding to Group system:authenticated (HIGH), with file/line of the binding', () => {
      const fs = only(auditWithRbac(input(), viewPods + crb('everyone-reads-pods', 'pod-reader', group('system:authenticated'))), 'RB016')
      expect(fs).toHaveLength(1)
      expect(fs[0]).toMatchObject({location: {file: 'inline.yaml', path: 'ClusterRoleBinding/everyone-reads-pods'}, severity: 'high', subject: {kind: 'rbac-object', name: 'everyone-reads-pods'}})
      expect(fs[0]!.location?.line).toBeGreaterThan(1)
    })
    it('RB016 fires: a RoleBinding to Group system:unauthenticated', () => {
      expect(only(auditWithRbac(input(), viewPods + rb('team-a', 'anon', 'ClusterRole', 'pod-reader', group('system:unauthenticated'))), 'RB016')).toHaveLength(1)
    })
    it('RB016 fires: a binding to a User named by an IAM ARN', () => {
      const yaml = viewPods + crb('by-arn', 'pod-reader', `[{kind: User, name: "arn:aws:iam::${ACCT}:role/Dev"}]`)
      expect(only(auditWithRbac(input(), yaml), 'RB016')).toHaveLength(1)
    })
    it('RB016 fires as CRITICAL when mapAccounts lets a whole account in (AA002)', () => {
      const withAccounts = withRoles(entry(DEV, 'dev:{{SessionName}}', ['devs']), {mapAccounts: '- "777788889999"\n'})
      const r = auditWithRbac(withAccounts, viewPods + crb('everyone-reads-pods', 'pod-reader', group('system:authenticated')))
      expect(only(r, 'RB016').map((f) => f.severity)).toEqual(['critical'])
    })
    it('RB016 does not fire: the Kubernetes default bindings to system:authenticated (system:basic-user, system:discovery, ...)', () => {
      const r = auditWithRbac(input(), `${viewPods}${crb('devs', 'pod-reader', group('devs'))}`, {defaults: true})
      expect(only(r, 'RB016')).toEqual([])
      // and the defaults add nothing else for every authenticated identity
      expect(r.findings.filter((f) => f.ruleId.startsWith('RB'))).toEqual([])
    })
    it('RB016 does not fire: a dump that re-declares a default binding by its default name', () => {
      const yaml = clusterRole('system:discovery', `[{nonResourceURLs: [/api, /apis], verbs: [get]}]`) + crb('system:discovery', 'system:discovery', group('system:authenticated'))
      expect(only(auditWithRbac(input(), yaml), 'RB016')).toEqual([])
    })
    it('RB016 does not fire: bindings to ordinary groups and users', () => {
      expect(only(auditWithRbac(input(), viewPods + crb('devs', 'pod-reader', group('devs')) + crb('alice', 'pod-reader', '[{kind: User, name: alice}]')), 'RB016')).toEqual([])
    })
  })

  it('RB001-RB023: every RB rule id has cases (RB016 just above)', () => {
    expect([...Object.keys(TABLE), 'RB016'].sort()).toEqual(Array.from({length: 23}, (_, i) => `RB${String(i + 1).padStart(3, '0')}`))
  })

  describe('the IAM -> username/groups -> binding -> role -> rule chain', () => {
    it('RB chain: a finding carries the whole path (ARN, username, groups, binding, role, rule)', () => {
      const [f] = only(auditWithRbac(input(), inNs('team-a', `[${rule('list', 'secrets')}]`, 'secret-reader')), 'RB008')
      expect(f!.path?.[0]).toMatchObject({
        arn: DEV,
        binding: {kind: 'RoleBinding', name: 'secret-reader', namespace: 'team-a'},
        groups: expect.arrayContaining(['devs', 'system:authenticated']),
        role: {kind: 'Role', name: 'secret-reader', namespace: 'team-a'},
        rule: expect.objectContaining({resources: ['secrets'], verbs: ['list']}),
        username: 'dev:{{SessionName}}',
      })
      expect(f!.location?.path).toBe('RoleBinding/team-a/secret-reader')
    })

    it('RB chain: grants to system:authenticated are reported once, for every authenticated identity', () => {
      const r = auditWithRbac(input(), cw(`[${rule('list', 'secrets')}]`).replace('name: "devs"', 'name: "system:authenticated"'))
      const fs = only(r, 'RB008')
      expect(fs).toHaveLength(1)
      expect(fs[0]!.message).toMatch(/every authenticated identity/)
    })

    it('RB chain: identities holding system:masters, node roles and dead entries are not expanded through RBAC', () => {
      const deadAndAdmins = withRoles(
        entry(roleArn('Admin'), 'admin:{{SessionName}}', ['system:masters', 'devs']) + entry(roleArn('team/Dev'), 'dev:{{SessionName}}', ['devs']),
      )
      const nodeGrant = clusterRole('granted', `[${rule('list', 'secrets')}]`) + crb('granted', 'granted', group('system:nodes'))
      expect(only(auditWithRbac(deadAndAdmins, cw(`[${rule('list', 'secrets')}]`) ), 'RB008')).toEqual([])
      expect(only(auditWithRbac(withRoles(''), nodeGrant), 'RB008')).toEqual([])
    })

    it('RB chain: an access entry reaches rules through its kubernetesGroups and its access policies', () => {
      const viaGroups: AuditInput = {accessEntries: [accessEntry(DEV, {kubernetesGroups: ['devs'], username: 'dev:{{SessionName}}'})]}
      expect(ids(only(auditWithRbac(viaGroups, inNs('team-a', `[${rule('list', 'secrets')}]`)), 'RB008'))).toEqual(['RB008'])
      const viaPolicy: AuditInput = {accessEntries: [accessEntry(DEV, {accessPolicies: [policy('AmazonEKSClusterAdminPolicy')], username: 'dev:{{SessionName}}'})]}
      expect(ids(only(auditWithRbac(viaPolicy, ''), 'RB001'))).toEqual(['RB001'])
    })

    it('RB chain: cluster-admin implies the other checks, so only RB001 (and RB002, which is worth naming) are reported', () => {
      const r = auditWithRbac(input(), cw(`[${rule('"*"', '"*"', '"*"')}]`))
      expect([...new Set(ids(r).filter((x) => x.startsWith('RB')))].sort()).toEqual(['RB001', 'RB002'])
    })

    it('RB: auditRbac reports which groups are bound (for AA021)', () => {
      const rb = auditRbac(input(), {objects: rbacObjects(inNs('team-a', `[${rule('get', 'pods')}]`))})
      expect(rb.groupsBound('devs')).toBe(true)
      expect(rb.groupsBound('nobody')).toBe(false)
    })
  })
})
