/** AE001-AE007 (access entries, audit-rules.md A2) and CL001-CL006 (cluster configuration, A3): fires / does not fire. */
import {describe, expect, it} from 'vitest'

import type {AuditInput} from '../../../src/core/audit/context.js'
import {ACCT, accessEntry, audit, awsAuth, cluster, entry, inventory, NODE_ENTRY, NODE_ROLE, only, policy, roleArn, withRoles} from './helpers.js'

interface Case {
  name: string
  input: AuditInput
  check?: (fs: ReturnType<typeof only>) => void
}

const DEV = roleArn('Dev')
const dev = (e: Parameters<typeof accessEntry>[1] = {}) => accessEntry(DEV, {kubernetesGroups: ['devs'], username: 'dev:{{SessionName}}', ...e})

const TABLE: Record<string, {fires: Case[]; silent: Case[]}> = {
  AE001: {
    fires: [
      {input: {accessEntries: [dev({accessPolicies: [policy('AmazonEKSClusterAdminPolicy')]})]}, name: 'AmazonEKSClusterAdminPolicy at cluster scope'},
      {input: {accessEntries: [dev({accessPolicies: [policy('AmazonEKSClusterAdminPolicy', ['team-a'])]})]}, name: 'AmazonEKSClusterAdminPolicy at namespace scope (any scope counts)'},
    ],
    silent: [{input: {accessEntries: [dev({accessPolicies: [policy('AmazonEKSViewPolicy'), policy('AmazonEKSAdminPolicy', ['team-a'])]})]}, name: 'view and namespaced admin policies'}],
  },
  AE002: {
    fires: [
      {input: {accessEntries: [dev({accessPolicies: [policy('AmazonEKSAdminPolicy')]})]}, name: 'AmazonEKSAdminPolicy at cluster scope'},
      {input: {accessEntries: [dev({accessPolicies: [policy('AmazonEKSAdminPolicy', ['team-a', 'kube-system'])]})]}, name: 'AmazonEKSAdminPolicy on a namespace list containing kube-system'},
    ],
    silent: [
      {input: {accessEntries: [dev({accessPolicies: [policy('AmazonEKSAdminPolicy', ['team-a', 'team-b'])]})]}, name: 'AmazonEKSAdminPolicy scoped to team namespaces'},
      {input: {accessEntries: [dev({accessPolicies: [policy('AmazonEKSEditPolicy')]})]}, name: 'AmazonEKSEditPolicy at cluster scope'},
    ],
  },
  AE003: {
    fires: [{input: {accessEntries: [], cluster: cluster({bootstrapClusterCreatorAdminPermissions: true})}, name: 'bootstrapClusterCreatorAdminPermissions=true'}],
    silent: [
      {input: {accessEntries: [], cluster: cluster({bootstrapClusterCreatorAdminPermissions: false})}, name: 'bootstrapClusterCreatorAdminPermissions=false'},
      {input: {cluster: cluster({bootstrapClusterCreatorAdminPermissions: true})}, name: 'no access entries input (not checked)'},
    ],
  },
  AE004: {
    fires: [
      {check: (fs) => expect(fs[0]!.severity).toBe('high'), input: {accessEntries: [dev({kubernetesGroups: ['system:masters']})]}, name: 'kubernetesGroups with system:masters: HIGH'},
      {check: (fs) => expect(fs[0]!.severity).toBe('high'), input: {accessEntries: [dev({kubernetesGroups: ['system:monitoring']})]}, name: 'kubernetesGroups with another system: group'},
      ...['eks:admin', 'system:admin', 'aws:x', 'amazon:x', 'iam:x'].map((username) => ({
        check: (fs: ReturnType<typeof only>) => expect(fs.some((f) => f.severity === 'high')).toBe(true),
        input: {accessEntries: [dev({username: `${username}:{{SessionName}}`})]},
        name: `a reserved username prefix '${username}'`,
      })),
      {input: {accessEntries: [accessEntry(NODE_ROLE, {kubernetesGroups: ['system:nodes', 'system:masters'], type: 'EC2_LINUX'})]}, name: 'an EC2_LINUX entry with system:masters on top of system:nodes'},
      {check: (fs) => expect(fs.map((f) => f.severity)).toEqual(['low']), input: {accessEntries: [dev({username: 'dev'})]}, name: 'a role username without {{SessionName}}: only LOW'},
    ],
    silent: [
      {input: {accessEntries: [dev()]}, name: 'own groups and a {{SessionName}} username'},
      {
        input: {accessEntries: [accessEntry(NODE_ROLE, {kubernetesGroups: ['system:nodes'], type: 'EC2_LINUX', username: 'system:node:{{EC2PrivateDNSName}}'})]},
        name: 'an EC2_LINUX node entry with the system:nodes group and system:node: username EKS gives it',
      },
      {input: {accessEntries: [accessEntry(`arn:aws:iam::${ACCT}:user/bob`, {username: 'bob'})]}, name: 'an IAM user username without a session (users have no sessions)'},
      {input: {accessEntries: [accessEntry(DEV)]}, name: 'no username (EKS generates one with the session)'},
    ],
  },
  AE005: {
    fires: [
      {input: {accessEntries: [dev()], awsAuth: awsAuth({mapRoles: NODE_ENTRY + entry(DEV, 'dev:{{SessionName}}', ['devs'])})}, name: 'the same role in aws-auth and an access entry'},
      {input: {accessEntries: [dev()], awsAuth: awsAuth({mapRoles: NODE_ENTRY + entry(roleArn('dev'), 'd', ['other'])})}, name: 'the same role, other case and other groups'},
    ],
    silent: [
      {input: {accessEntries: [dev()], awsAuth: awsAuth({mapRoles: NODE_ENTRY + entry(roleArn('Ops'), 'ops:{{SessionName}}', ['ops'])})}, name: 'different principals'},
      {input: {accessEntries: [dev()]}, name: 'no aws-auth'},
    ],
  },
  AE006: {
    fires: [
      {
        input: {accessEntries: [accessEntry(NODE_ROLE, {type: 'EC2_LINUX'})], awsAuth: awsAuth({mapRoles: entry(NODE_ROLE, 'ops:{{SessionName}}', ['ops'])})},
        name: 'an EC2_LINUX entry whose role is also mapped for people in aws-auth',
      },
      {
        input: {accessEntries: [accessEntry(NODE_ROLE, {type: 'EC2_LINUX'}), accessEntry(NODE_ROLE, {kubernetesGroups: ['ci'], type: 'STANDARD'})]},
        name: 'an EC2_LINUX entry whose role also has a STANDARD entry',
      },
    ],
    silent: [
      {input: {accessEntries: [accessEntry(NODE_ROLE, {type: 'EC2_LINUX'}), dev()]}, name: 'a dedicated node role'},
      {input: {accessEntries: [accessEntry(NODE_ROLE, {type: 'EC2_LINUX'})], awsAuth: awsAuth({mapRoles: NODE_ENTRY})}, name: 'the node role also mapped as a node in aws-auth'},
    ],
  },
  AE007: {
    fires: [{input: {accessEntries: [dev()], iam: inventory([NODE_ROLE])}, name: 'an entry whose role is missing from the IAM inventory'}],
    silent: [
      {input: {accessEntries: [dev()], iam: inventory([DEV])}, name: 'the role exists'},
      {input: {accessEntries: [accessEntry(roleArn('Dev', '444455556666'))], iam: inventory([])}, name: 'another account (not covered by the inventory)'},
      {input: {accessEntries: [dev()]}, name: 'no inventory'},
    ],
  },
  CL001: {
    fires: [
      {input: {cluster: cluster({authenticationMode: 'CONFIG_MAP'})}, name: 'authenticationMode CONFIG_MAP'},
      {input: {cluster: cluster({authenticationMode: undefined})}, name: 'no accessConfig (CONFIG_MAP is the default)'},
    ],
    silent: [
      {input: {cluster: cluster({authenticationMode: 'API'})}, name: 'API'},
      {input: {cluster: cluster({authenticationMode: 'API_AND_CONFIG_MAP'})}, name: 'API_AND_CONFIG_MAP'},
    ],
  },
  CL002: {
    fires: [{input: {...withRoles(entry(DEV, 'dev:{{SessionName}}', ['devs'])), cluster: cluster({authenticationMode: 'API_AND_CONFIG_MAP'})}, name: 'API_AND_CONFIG_MAP with a human mapping left in aws-auth'}],
    silent: [
      {input: {awsAuth: awsAuth({mapRoles: NODE_ENTRY}), cluster: cluster({authenticationMode: 'API_AND_CONFIG_MAP'})}, name: 'API_AND_CONFIG_MAP with only node roles in aws-auth'},
      {input: {...withRoles(entry(DEV, 'dev:{{SessionName}}', ['devs'])), cluster: cluster({authenticationMode: 'API'})}, name: 'mode API'},
    ],
  },
  CL003: {
    fires: [{input: {cluster: cluster({endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24']})}, name: 'public endpoint restricted to CIDRs'}],
    silent: [
      {input: {cluster: cluster({endpointPublicAccess: false})}, name: 'private-only endpoint'},
      {input: {cluster: cluster({endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0']})}, name: 'open to 0.0.0.0/0 (CL004 instead)'},
    ],
  },
  CL004: {
    fires: [
      {input: {cluster: cluster({endpointPublicAccess: true, publicAccessCidrs: ['0.0.0.0/0']})}, name: 'public endpoint open to 0.0.0.0/0'},
      {input: {cluster: cluster({endpointPublicAccess: true, publicAccessCidrs: ['10.0.0.0/8', '::/0']})}, name: 'public endpoint open to ::/0'},
      {input: {cluster: cluster({endpointPublicAccess: true, publicAccessCidrs: undefined})}, name: 'public endpoint without publicAccessCidrs'},
    ],
    silent: [
      {input: {cluster: cluster({endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24']})}, name: 'restricted CIDRs'},
      {input: {cluster: cluster({endpointPublicAccess: false, publicAccessCidrs: ['0.0.0.0/0']})}, name: 'public access disabled (CIDRs do not matter)'},
    ],
  },
  CL005: {
    fires: [{input: {cluster: cluster({endpointPrivateAccess: false, endpointPublicAccess: true, publicAccessCidrs: ['203.0.113.0/24']})}, name: 'private endpoint disabled'}],
    silent: [{input: {cluster: cluster({endpointPrivateAccess: true})}, name: 'private endpoint enabled'}],
  },
  CL006: {
    fires: [
      {check: (fs) => expect(fs[0]!.message).toMatch(/audit, authenticator/), input: {cluster: cluster({enabledLogTypes: ['api']})}, name: 'audit and authenticator logs off'},
      {input: {cluster: cluster({enabledLogTypes: []})}, name: 'no control plane logs'},
    ],
    silent: [{input: {cluster: cluster({enabledLogTypes: ['api', 'audit', 'authenticator', 'scheduler']})}, name: 'api, audit and authenticator logs on'}],
  },
}

describe('access-entry (AE) and cluster (CL) rules', () => {
  for (const [id, {fires, silent}] of Object.entries(TABLE)) {
    for (const c of fires) {
      it(`${id} fires: ${c.name}`, () => {
        const r = audit(c.input)
        const fs = only(r, id)
        expect(fs.length, JSON.stringify(r.findings.map((f) => [f.ruleId, f.message]))).toBeGreaterThan(0)
        c.check?.(fs)
      })
    }
    for (const c of silent) {
      it(`${id} does not fire: ${c.name}`, () => {
        expect(only(audit(c.input), id).map((f) => f.message)).toEqual([])
      })
    }
  }

  it('AE001-AE007, CL001-CL006: every rule id has cases', () => {
    expect(Object.keys(TABLE).sort()).toEqual([
      ...Array.from({length: 7}, (_, i) => `AE00${i + 1}`),
      ...Array.from({length: 6}, (_, i) => `CL00${i + 1}`),
    ])
  })

  it('CL001-CL006: a cluster configured as recommended yields no CL finding', () => {
    expect(audit({cluster: cluster()}).findings).toEqual([])
  })

  it('AA/CL: in mode API the audit notes that EKS ignores aws-auth', () => {
    const r = audit({...withRoles(entry(DEV, 'dev:{{SessionName}}', ['devs'])), cluster: cluster({authenticationMode: 'API'})})
    expect(r.notes.join('\n')).toMatch(/ignores aws-auth/)
  })
})
