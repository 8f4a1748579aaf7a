/** AA001-AA022 (audit-rules.md A1): for every rule, inputs where it fires and inputs where it must not. */
import {describe, expect, it} from 'vitest'

import type {AuditInput} from '../../../src/core/audit/context.js'
import {
  ACCT,
  accessEntry,
  audit,
  auditWithRbac,
  awsAuth,
  cluster,
  crb,
  clusterRole,
  entry,
  group,
  ids,
  inventory,
  NODE_ENTRY,
  NODE_ROLE,
  only,
  OTHER_ACCT,
  roleArn,
  userArn,
  withRoles,
} from './helpers.js'

interface Case {
  name: string
  input: AuditInput
  /** extra check on the findings of the rule under test */
  check?: (fs: ReturnType<typeof only>) => void
}

/** rule id -> cases where it must fire, cases where it must not */
const TABLE: Record<string, {fires: Case[]; silent: Case[]}> = {
  AA001: {
    fires: [
      {input: withRoles(entry(roleArn('Admin'), 'admin:{{SessionName}}', ['system:masters'])), name: 'a role mapped to system:masters'},
      {input: {awsAuth: awsAuth({mapUsers: entry(userArn('alice'), 'alice', ['system:masters'], 'userarn')})}, name: 'a mapUsers entry mapped to system:masters'},
      {
        check: (fs) => expect(fs[0]!.message).toMatch(/node role/),
        input: {awsAuth: awsAuth({mapRoles: entry(NODE_ROLE, 'system:node:{{EC2PrivateDNSName}}', ['system:bootstrappers', 'system:nodes', 'system:masters'])})},
        name: 'a node role that also carries system:masters',
      },
    ],
    silent: [{input: withRoles(entry(roleArn('Admin'), 'admin:{{SessionName}}', ['admins'])), name: 'a role mapped to an ordinary group'}],
  },
  AA002: {
    fires: [{input: withRoles('', {mapAccounts: '- "777788889999"\n'}), name: 'a non-empty mapAccounts'}],
    silent: [
      {input: withRoles('', {mapAccounts: '[]\n'}), name: 'mapAccounts: []'},
      {input: withRoles(''), name: 'no mapAccounts key'},
    ],
  },
  AA003: {
    fires: [
      {input: withRoles(entry(roleArn('dev-*'), 'dev:{{SessionName}}', ['devs'])), name: 'a * in the role name'},
      {input: withRoles(entry(roleArn('dev-?'), 'dev:{{SessionName}}', ['devs'])), name: 'a ? in the role name'},
    ],
    silent: [{input: withRoles(entry(roleArn('dev-team'), 'dev:{{SessionName}}', ['devs'])), name: 'a concrete role ARN'}],
  },
  AA004: {
    fires: [
      {input: withRoles(entry(userArn('bob'), 'bob', ['devs'])), name: 'a :user/ ARN under mapRoles'},
      {input: withRoles('', {mapUsers: entry(roleArn('Ops'), 'ops:{{SessionName}}', ['ops'], 'userarn')}), name: 'a :role/ ARN under mapUsers'},
    ],
    silent: [
      {input: withRoles(entry(roleArn('Ops'), 'ops:{{SessionName}}', ['ops']), {mapUsers: entry(userArn('bob'), 'bob', ['devs'], 'userarn')}), name: 'roles in mapRoles and users in mapUsers'},
    ],
  },
  AA005: {
    fires: [
      {
        check: (fs) => expect(fs[0]!.fix).toContain(roleArn('Developer')),
        input: withRoles(entry(`arn:aws:sts::${ACCT}:assumed-role/Developer/jane`, 'jane', ['devs'])),
        name: 'an sts assumed-role ARN (fix names the IAM role ARN)',
      },
      {input: withRoles(entry(`arn:aws:sts::${ACCT}:federated-user/jane`, 'jane', ['devs'])), name: 'an sts federated-user ARN'},
    ],
    silent: [{input: withRoles(entry(roleArn('Developer'), 'dev:{{SessionName}}', ['devs'])), name: 'the IAM role ARN'}],
  },
  AA006: {
    fires: [
      {
        check: (fs) => expect(fs[0]!.fix).toContain(roleArn('Operator')),
        input: withRoles(entry(roleArn('teams/platform/Operator'), 'op:{{SessionName}}', ['ops'])),
        name: 'a role ARN with a path (fix is the path-stripped ARN)',
      },
      {
        input: withRoles(entry(roleArn('aws-reserved/sso.amazonaws.com/eu-west-1/AWSReservedSSO_Dev_0123456789abcdef'), 'dev:{{SessionName}}', ['devs'])),
        name: 'the SSO aws-reserved path',
      },
    ],
    silent: [{input: withRoles(entry(roleArn('AWSReservedSSO_Dev_0123456789abcdef'), 'dev:{{SessionName}}', ['devs'])), name: 'the same role without its path'}],
  },
  AA007: {
    fires: [{input: withRoles(entry(roleArn('Deployer'), 'deployer', ['deployers'])), name: 'a role username without {{SessionName}}'}],
    silent: [
      {input: withRoles(entry(roleArn('Deployer'), 'deployer:{{SessionName}}', ['deployers'])), name: 'username with {{SessionName}}'},
      {input: withRoles(entry(roleArn('Deployer'), 'deployer:{{SessionNameRaw}}', ['deployers'])), name: 'username with {{SessionNameRaw}}'},
      {input: withRoles(''), name: 'a node role with system:node:{{EC2PrivateDNSName}} (exempt)'},
      {input: {awsAuth: awsAuth({mapUsers: entry(userArn('bob'), 'bob', ['devs'], 'userarn')})}, name: 'an IAM user (one person, no sessions)'},
    ],
  },
  AA008: {
    fires: [
      {input: withRoles(entry(roleArn('Dev'), 'dev-{{AccessKeyID}}', ['devs'])), name: 'username built from {{AccessKeyID}}'},
      {input: withRoles(entry(roleArn('Dev'), 'dev:{{SessionName}}', ['team-{{AccessKeyID}}'])), name: 'a group built from {{AccessKeyID}}'},
    ],
    silent: [{input: withRoles(entry(roleArn('Dev'), 'dev:{{SessionName}}', ['devs'])), name: 'username built from {{SessionName}}'}],
  },
  AA009: {
    fires: [
      ...['system:kube-controller-manager', 'system:serviceaccount:kube-system:default', 'eks:admin', 'aws:admin', 'amazon:admin', 'iam:admin', 'system:node:{{SessionName}}'].map((u) => ({
        input: withRoles(entry(roleArn('Dev'), u, ['devs'])),
        name: `username '${u}'`,
      })),
    ],
    silent: [
      {input: withRoles(entry(roleArn('Dev'), 'dev:{{SessionName}}', ['devs'])), name: "username 'dev:{{SessionName}}'"},
      {input: withRoles(''), name: 'system:node:{{EC2PrivateDNSName}} on a node role'},
      {
        input: {awsAuth: awsAuth({mapRoles: entry(roleArn('fargate-pods'), 'system:node:{{SessionName}}', ['system:bootstrappers', 'system:nodes', 'system:node-proxier'])})},
        name: 'system:node:{{SessionName}} on a Fargate pod execution role',
      },
      {input: withRoles(entry(roleArn('Dev'), 'developer-system:x', ['devs'])), name: 'system: not at the start'},
    ],
  },
  AA010: {
    fires: [
      {input: withRoles(entry(roleArn('Mon'), 'mon:{{SessionName}}', ['system:monitoring'])), name: 'system:monitoring on a human role'},
      {input: withRoles(entry(roleArn('Dev'), 'dev:{{SessionName}}', ['system:serviceaccounts:kube-system'])), name: 'system:serviceaccounts:<ns>'},
      {input: withRoles(entry(roleArn('Dev'), 'dev:{{SessionName}}', ['system:node-proxier'])), name: 'system:node-proxier on a non-node role'},
    ],
    silent: [
      {input: withRoles(''), name: 'system:bootstrappers and system:nodes on a node role'},
      {input: withRoles(entry(roleArn('Admin'), 'admin:{{SessionName}}', ['system:masters'])), name: 'system:masters (AA001, not AA010)'},
    ],
  },
  AA011: {
    fires: [
      {
        input: {awsAuth: awsAuth({mapRoles: entry(NODE_ROLE, 'system:node:{{EC2PrivateDNSName}}', ['system:bootstrappers', 'system:nodes', 'platform-admins'])})},
        name: '(a) a node role with an extra group',
      },
      {input: withRoles(entry(roleArn('ci'), 'ci', ['system:nodes'])), name: '(a/c) node groups on a role whose username is not system:node:'},
      {
        input: {accessEntries: [accessEntry(NODE_ROLE, {username: 'ops:{{SessionName}}'})], awsAuth: awsAuth({mapRoles: NODE_ENTRY})},
        name: '(b) the node role is also a STANDARD access entry for people',
      },
      {
        input: withRoles('', {mapUsers: entry(NODE_ROLE, 'ci-bot', ['deployers'], 'userarn')}),
        name: '(b) the node role ARN is also mapped in mapUsers for CI',
      },
    ],
    silent: [
      {input: withRoles(''), name: 'a node role with exactly bootstrappers+nodes'},
      {input: {accessEntries: [accessEntry(NODE_ROLE, {type: 'EC2_LINUX'})], awsAuth: awsAuth({mapRoles: NODE_ENTRY})}, name: 'the node role as an EC2_LINUX access entry'},
    ],
  },
  AA012: {
    fires: [
      {
        check: (fs) => {
          expect(fs).toHaveLength(1)
          expect(fs[0]!.subject).toMatchObject({arn: roleArn('Deployer'), index: 1})
        },
        input: withRoles(entry(roleArn('Deployer'), 'd:{{SessionName}}', ['system:masters']) + entry(roleArn('deployer'), 'd:{{SessionName}}', ['deployers'])),
        name: 'the same role ARN differing only in case (reported on the shadowed entry)',
      },
      {
        input: {awsAuth: awsAuth({mapUsers: entry(userArn('bob'), 'bob', ['a'], 'userarn') + entry(userArn('bob'), 'bob', ['b'], 'userarn')})}, name: 'the same user ARN twice',
      },
    ],
    silent: [{input: withRoles(entry(roleArn('Deployer'), 'd:{{SessionName}}', ['a']) + entry(roleArn('Deployer2'), 'd:{{SessionName}}', ['b'])), name: 'two different ARNs'}],
  },
  AA013: {
    fires: [
      {input: withRoles(entry(roleArn('Ops'), 'ops:{{SessionName}}', ['ops']), {mapUsers: entry(roleArn('ops'), 'ops', ['ops'], 'userarn')}), name: 'the same ARN (any case) in mapRoles and mapUsers'},
    ],
    silent: [{input: withRoles(entry(roleArn('Ops'), 'ops:{{SessionName}}', ['ops']), {mapUsers: entry(userArn('ops'), 'ops', ['ops'], 'userarn')}), name: 'a role and a user of the same name'}],
  },
  AA014: {
    fires: [
      {
        check: (fs) => expect(fs[0]!.severity).toBe('medium'),
        input: withRoles(entry(roleArn('Partner', OTHER_ACCT), 'partner:{{SessionName}}', ['viewers'])),
        name: 'a role of another account (cluster account inferred from the node role): MEDIUM',
      },
      {
        check: (fs) => expect(fs[0]!.severity).toBe('high'),
        input: {awsAuth: awsAuth({mapRoles: entry(roleArn('Partner', OTHER_ACCT), 'partner:{{SessionName}}', ['system:masters'])}), cluster: cluster({accountId: ACCT})},
        name: 'another account mapped to admin groups (cluster account from ClusterInfo): raised to HIGH',
      },
    ],
    silent: [
      {input: withRoles(entry(roleArn('Partner'), 'partner:{{SessionName}}', ['viewers'])), name: 'a role of the cluster account'},
      {input: {awsAuth: awsAuth({mapRoles: entry(roleArn('Partner', OTHER_ACCT), 'p:{{SessionName}}', ['viewers'])})}, name: 'no way to know the cluster account (no node role, no ClusterInfo)'},
    ],
  },
  AA015: {
    fires: [
      {
        check: (fs) => expect(fs[0]!.severity).toBe('high'),
        input: {...withRoles(entry(roleArn('Gone'), 'gone:{{SessionName}}', ['devs'])), iam: inventory([NODE_ROLE])},
        name: 'a mapped role missing from the IAM inventory: HIGH',
      },
      {
        check: (fs) => expect(fs[0]!.severity).toBe('critical'),
        input: {...withRoles(entry(roleArn('Gone'), 'gone:{{SessionName}}', ['system:masters'])), iam: inventory([NODE_ROLE])},
        name: 'a missing principal mapped to system:masters: CRITICAL',
      },
      {input: {awsAuth: awsAuth({mapUsers: entry(userArn('gone'), 'gone', ['devs'], 'userarn')}), iam: inventory([])}, name: 'a missing IAM user'},
    ],
    silent: [
      {input: {...withRoles(entry(roleArn('Here'), 'here:{{SessionName}}', ['devs'])), iam: inventory([NODE_ROLE, roleArn('here')])}, name: 'a role that exists (name compared case-insensitively)'},
      {input: {...withRoles(entry(roleArn('Partner', OTHER_ACCT), 'p:{{SessionName}}', ['devs'])), iam: inventory([NODE_ROLE])}, name: 'a role of an account the inventory does not cover'},
      {input: withRoles(entry(roleArn('Gone'), 'gone:{{SessionName}}', ['devs'])), name: 'no IAM inventory (not checked)'},
    ],
  },
  AA016: {
    fires: [
      {input: withRoles('', {mapUsers: entry(`arn:aws:iam::${ACCT}:root`, 'root', ['viewers'], 'userarn')}), name: 'the root user in mapUsers'},
      {input: withRoles(entry(`arn:aws:iam::${ACCT}:root`, 'root', ['viewers'])), name: 'the root user in mapRoles'},
    ],
    silent: [{input: withRoles('', {mapUsers: entry(userArn('root'), 'root', ['viewers'], 'userarn')}), name: 'an IAM user that happens to be named root'}],
  },
  AA017: {
    fires: [
      {input: withRoles('', {mapUsers: '- userarn: arn:aws:iam::111122223333:user/a\n  username: a\n   groups: [x]\n'}), name: 'mapUsers with broken indentation'},
      {input: withRoles('', {mapUsers: '- userarn: arn:aws:iam::111122223333:user/a\n  username: {{SessionName}}\n'}), name: 'an unquoted {{...}} template'},
      {input: {awsAuth: awsAuth({mapRoles: 'rolearn: arn:aws:iam::111122223333:role/x\nusername: x\n'})}, name: 'mapRoles is a mapping, not a list'},
      {input: withRoles('', {mapAccounts: 'account: "777788889999"\n'}), name: 'mapAccounts is not a list'},
      {input: withRoles('- just-a-string\n'), name: 'mapRoles is a list, but an item is not an object'},
    ],
    silent: [{input: withRoles(entry(roleArn('Dev'), 'dev:{{SessionName}}', ['devs'])), name: 'well-formed sections'}],
  },
  AA018: {
    fires: [
      {input: withRoles(`- rolearn: ${roleArn('Dev')}\n  username: dev:{{SessionName}}\n  group: [devs]\n`), name: "an unknown entry key 'group'"},
      {input: withRoles(`- role: ${roleArn('Dev')}\n  rolearn: ${roleArn('Dev2')}\n  username: dev:{{SessionName}}\n  groups: [devs]\n`), name: "an unknown entry key 'role'"},
      {input: withRoles('', {mapRole: entry(roleArn('Dev'), 'dev:{{SessionName}}', ['devs'])}), name: "an unknown data key 'mapRole'"},
    ],
    silent: [
      {
        input: withRoles(`- roleArn: ${roleArn('Dev')}\n  UserName: dev:{{SessionName}}\n  GROUPS: [devs]\n`, {mapUsers: `- UserArn: ${userArn('bob')}\n  Username: bob\n  Groups: [devs]\n`}),
        name: 'field names in another case (roleArn, UserName, GROUPS): case-insensitive',
      },
    ],
  },
  AA019: {
    fires: [
      {input: withRoles('- username: orphan\n  groups: [devs]\n'), name: 'an entry without rolearn'},
      {input: withRoles('', {mapUsers: '- username: orphan\n  groups: [devs]\n'}), name: 'an entry without userarn'},
      {input: withRoles(entry(roleArn('Dev'), undefined, ['devs'])), name: 'an entry without username'},
    ],
    silent: [{input: withRoles(entry(roleArn('Dev'), 'dev:{{SessionName}}', ['devs'])), name: 'an entry with ARN and username'}],
  },
  AA020: {
    fires: [
      {input: withRoles('', {mapUsers: entry(userArn('jenkins'), 'jenkins', ['deployers'], 'userarn')}), name: 'an IAM user in mapUsers'},
      {input: withRoles('', {mapUsers: entry(`arn:aws:iam::${ACCT}:root`, 'root', ['viewers'], 'userarn')}), name: 'mapUsers is non-empty (the root user)'},
    ],
    silent: [
      {input: withRoles(entry(roleArn('Dev'), 'dev:{{SessionName}}', ['devs'])), name: 'roles only'},
      {input: withRoles('', {mapUsers: '[]\n'}), name: 'mapUsers: []'},
    ],
  },
  AA022: {
    fires: [
      {input: withRoles(entry(roleArn('Dev'), 'dev:{{SessionName}}', ['devs'])), name: 'aws-auth maps a non-node principal'},
      {input: withRoles('', {mapAccounts: '- "777788889999"\n'}), name: 'aws-auth lets an account in'},
    ],
    silent: [{input: withRoles(''), name: 'aws-auth holds only the node role EKS writes'}],
  },
}

describe('aws-auth rules (AA)', () => {
  for (const [id, {fires, silent}] of Object.entries(TABLE)) {
    for (const c of fires) {
      it(`${id} fires: ${c.name}`, () => {
        const fs = only(audit(c.input), id)
        expect(fs.length, JSON.stringify(audit(c.input).findings.map((f) => [f.ruleId, f.message]))).toBeGreaterThan(0)
        c.check?.(fs)
      })
    }
    for (const c of silent) {
      it(`${id} does not fire: ${c.name}`, () => {
        expect(only(audit(c.input), id).map((f) => f.message)).toEqual([])
      })
    }
  }

  const devs = withRoles(entry(roleArn('Dev'), 'dev:{{SessionName}}', ['devs', 'system:masters']))
  it('AA021 fires: a mapped group that no RoleBinding or ClusterRoleBinding names', () => {
    const r = auditWithRbac(devs, clusterRole('view-pods', '[{apiGroups: [""], resources: [pods], verbs: [get]}]') + crb('other', 'view-pods', group('other')))
    expect(only(r, 'AA021').map((f) => f.message)).toEqual([expect.stringContaining("group 'devs'")])
  })
  it('AA021 does not fire: the group is bound (system: groups such as system:masters are never reported)', () => {
    const r = auditWithRbac(devs, clusterRole('view-pods', '[{apiGroups: [""], resources: [pods], verbs: [get]}]') + crb('devs', 'view-pods', group('devs')))
    expect(only(r, 'AA021')).toEqual([])
  })
  it('AA021 does not fire without RBAC input: it is listed as not checked instead', () => {
    const r = audit(devs)
    expect(only(r, 'AA021')).toEqual([])
    expect(r.notChecked.find((n) => n.ruleId === 'AA021')).toMatchObject({missing: ['rbac']})
  })

  it('AA001-AA022: every AA rule id has a case above (or AA021 just above)', () => {
    expect([...Object.keys(TABLE), 'AA021'].sort()).toEqual(Array.from({length: 22}, (_, i) => `AA${String(i + 1).padStart(3, '0')}`))
  })

  it('AA005/AA006: dead entries do not also raise AA001, AA007 or AA009 (they grant nothing)', () => {
    const r = audit(withRoles(entry(roleArn('team/Admin'), 'system:admin', ['system:masters']) + entry(`arn:aws:sts::${ACCT}:assumed-role/Admin/x`, 'admin', ['system:masters'])))
    expect(ids(r).sort()).toEqual(['AA005', 'AA006', 'AA022'].sort())
  })

  it('AA: a mapping from only valid node and {{SessionName}} entries yields nothing above INFO', () => {
    const r = audit(withRoles(entry(roleArn('Dev'), 'dev:{{SessionName}}', ['devs'])))
    expect(ids(r)).toEqual(['AA022'])
  })
})
