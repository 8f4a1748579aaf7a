// Generates big, realistic inputs for the benchmark: an aws-auth with N mappings and an RBAC dump with M bindings.
import {mkdirSync, writeFileSync} from 'node:fs'
import {join} from 'node:path'

function pad(n, w) {
  return String(n).padStart(w, '0')
}

export function generateAwsAuth(mappings) {
  const roles = []
  const users = []
  for (let i = 0; i < mappings; i++) {
    const team = `team-${pad(i % 200, 3)}`
    if (i % 10 === 9) {
      users.push(`- userarn: arn:aws:iam::111122223333:user/${team}/user-${pad(i, 5)}\n  username: user-${pad(i, 5)}\n  groups:\n  - ${team}:view\n`)
    } else if (i % 50 === 0) {
      roles.push(`- rolearn: arn:aws:iam::111122223333:role/nodes-${pad(i, 5)}\n  username: system:node:{{EC2PrivateDNSName}}\n  groups:\n  - system:bootstrappers\n  - system:nodes\n`)
    } else {
      roles.push(`- rolearn: arn:aws:iam::111122223333:role/${team}-role-${pad(i, 5)}\n  username: ${team}:{{SessionName}}\n  groups:\n  - ${team}:edit\n  - ${team}:view\n`)
    }
  }
  const indent = (s) => s.split('\n').map((l) => (l ? `    ${l}` : l)).join('\n')
  return `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: aws-auth\n  namespace: kube-system\ndata:\n  mapRoles: |\n${indent(roles.join(''))}\n  mapUsers: |\n${indent(users.join(''))}\n`
}

export function generateRbac(bindings) {
  const docs = []
  for (let t = 0; t < 200; t++) {
    const team = `team-${pad(t, 3)}`
    docs.push(`apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: ${team}-deployer\n  namespace: ${team}\nrules:\n- apiGroups: ["apps"]\n  resources: ["deployments"]\n  verbs: ["get", "list", "create", "update", "patch"]\n- apiGroups: [""]\n  resources: ["configmaps", "secrets"]\n  verbs: ["get", "list"]\n`)
  }
  for (let i = 0; i < bindings; i++) {
    const team = `team-${pad(i % 200, 3)}`
    if (i < 200) {
      docs.push(`apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: ${team}-view\n  namespace: ${team}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ClusterRole\n  name: view\nsubjects:\n- kind: Group\n  name: ${team}:view\n`)
    } else {
      docs.push(`apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata:\n  name: ${team}-edit-${pad(i, 5)}\n  namespace: ${team}\nroleRef:\n  apiGroup: rbac.authorization.k8s.io\n  kind: ${i % 3 === 0 ? 'ClusterRole' : 'Role'}\n  name: ${i % 3 === 0 ? 'edit' : `${team}-deployer`}\nsubjects:\n- kind: Group\n  name: ${team}:edit\n- kind: User\n  name: user-${pad(i, 5)}\n`)
    }
  }
  return docs.join('---\n')
}

export function writeInputs(dir, mappings, bindings) {
  mkdirSync(dir, {recursive: true})
  const awsAuth = join(dir, `aws-auth-${mappings}.yaml`)
  const rbac = join(dir, `rbac-${bindings}.yaml`)
  writeFileSync(awsAuth, generateAwsAuth(mappings))
  writeFileSync(rbac, generateRbac(bindings))
  return {awsAuth, rbac}
}
