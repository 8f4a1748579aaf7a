/**
 * Access entries from files: the JSON that `aws eks describe-access-entry` and `aws eks
 * list-associated-access-policies` print (one or many, as an array or several documents), or eksauth's own
 * `{principalArn, kubernetesGroups, username, type, accessPolicies}` form. Pure.
 */
import {parseDocuments} from './documents.js'
import {badInput} from './errors.js'
import type {AccessEntry, AccessPolicyAssociation} from './ports.js'

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)
const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])

function policies(v: unknown): AccessPolicyAssociation[] {
  if (!Array.isArray(v)) return []
  return v.filter(isRecord).map((p) => {
    const scope = isRecord(p.accessScope) ? p.accessScope : {}
    return {
      accessScope: {
        namespaces: strings(scope.namespaces),
        type: scope.type === 'namespace' ? 'namespace' : 'cluster',
      },
      policyArn: String(p.policyArn ?? ''),
    }
  })
}

export function parseAccessEntries(text: string, source: string): AccessEntry[] {
  const values = parseDocuments(text, source, '`aws eks describe-access-entry ... --output json` output')
  const byArn = new Map<string, AccessEntry>()
  const get = (arn: string): AccessEntry => {
    let e = byArn.get(arn)
    if (!e) {
      e = {accessPolicies: [], kubernetesGroups: [], principalArn: arn}
      byArn.set(arn, e)
    }
    return e
  }
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      v.forEach(visit)
      return
    }
    if (!isRecord(v)) return
    if (Array.isArray(v.accessEntries)) {
      // `aws eks list-access-entries` prints bare ARNs; our own export prints objects
      for (const item of v.accessEntries) typeof item === 'string' ? get(item) : visit(item)
      return
    }
    if (isRecord(v.accessEntry)) {
      visit(v.accessEntry)
      return
    }
    if (typeof v.principalArn !== 'string') return
    const e = get(v.principalArn)
    if (Array.isArray(v.kubernetesGroups)) e.kubernetesGroups = strings(v.kubernetesGroups)
    if (typeof v.username === 'string') e.username = v.username
    if (typeof v.type === 'string') e.type = v.type
    if (typeof v.createdAt === 'string') e.createdAt = v.createdAt
    e.accessPolicies.push(...policies(v.associatedAccessPolicies), ...policies(v.accessPolicies))
  }
  values.forEach(visit)
  if (byArn.size === 0 && values.some((v) => v !== null && v !== undefined)) {
    throw badInput(`${source} holds no access entries (expected objects with principalArn, as \`aws eks describe-access-entry\` prints)`)
  }
  return [...byArn.values()]
}
