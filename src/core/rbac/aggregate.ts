/**
 * ClusterRole aggregation, as the clusterrole-aggregation controller does it (Part B "Aggregation"): a ClusterRole with
 * an `aggregationRule` has its stored rules replaced by the union of the rules of every other ClusterRole whose labels
 * match any of its `clusterRoleSelectors`. Aggregated roles can feed other aggregated roles (view -> edit -> admin);
 * this runs to the fixpoint the controller converges to. Pure.
 */
import type {ClusterRole, LabelSelector, PolicyRule} from './objects.js'

/** matchLabels AND every matchExpression (In, NotIn, Exists, DoesNotExist); an unknown operator matches nothing. */
export function selectorMatches(selector: LabelSelector | null, labels: Record<string, string>): boolean {
  if (!selector) return false
  for (const [k, v] of Object.entries(selector.matchLabels)) if (labels[k] !== v) return false
  for (const e of selector.matchExpressions) {
    const has = Object.hasOwn(labels, e.key)
    switch (e.operator) {
      case 'In': {
        if (!has || !e.values.includes(labels[e.key] as string)) return false
        break
      }
      case 'NotIn': {
        if (has && e.values.includes(labels[e.key] as string)) return false
        break
      }
      case 'Exists': {
        if (!has) return false
        break
      }
      case 'DoesNotExist': {
        if (has) return false
        break
      }
      default: {
        return false
      }
    }
  }
  return true
}

/** A canonical text for a rule, so identical rules are added once (the controller compares rules for equality). */
export const ruleKey = (r: PolicyRule): string =>
  JSON.stringify([r.verbs, r.apiGroups, r.resources, r.resourceNames, r.nonResourceURLs])

export interface AggregationReport {
  /** the aggregated ClusterRole */
  name: string
  /** the ClusterRoles whose rules it received, sorted by name */
  sources: string[]
  /** how many rules it had as stored, and how many after aggregation */
  storedRules: number
  rules: number
}

export interface AggregateOptions {
  /**
   * Keep an aggregated role's stored rules when no ClusterRole matches its selectors. Off by default (the controller
   * would empty it); useful for a partial dump of a live cluster whose aggregated roles are already filled in.
   */
  keepStoredWhenNoMatch?: boolean
}

/**
 * Resolve every aggregationRule. Returns new ClusterRole objects (inputs are not changed) in the input order, and a
 * report per aggregated role. Matching roles contribute in name order, each rule once; a role never aggregates itself.
 */
export function aggregateClusterRoles(
  clusterRoles: ClusterRole[],
  opts: AggregateOptions = {},
): {clusterRoles: ClusterRole[]; aggregated: AggregationReport[]} {
  const out = clusterRoles.map((r) => ({...r}))
  const aggregating = out.filter((r) => r.aggregationRule)
  if (aggregating.length === 0) return {aggregated: [], clusterRoles: out}

  const byName = [...out].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  const sourcesOf = new Map<ClusterRole, ClusterRole[]>()
  for (const role of aggregating) {
    const selectors = role.aggregationRule?.clusterRoleSelectors ?? []
    sourcesOf.set(
      role,
      byName.filter((other) => other !== role && selectors.some((s) => selectorMatches(s, other.labels))),
    )
  }

  const stored = new Map(aggregating.map((r) => [r, r.rules]))
  // Rules only grow (unions of a finite set), so this terminates; chains like view -> edit -> admin need a few rounds.
  for (let round = 0; round <= aggregating.length; round++) {
    let changed = false
    for (const role of aggregating) {
      const sources = sourcesOf.get(role) ?? []
      if (sources.length === 0 && opts.keepStoredWhenNoMatch) continue
      const seen = new Set<string>()
      const rules: PolicyRule[] = []
      for (const src of sources) {
        for (const rule of src.rules) {
          const key = ruleKey(rule)
          if (seen.has(key)) continue
          seen.add(key)
          rules.push(rule)
        }
      }
      if (rules.length !== role.rules.length || rules.some((r, i) => ruleKey(r) !== ruleKey(role.rules[i] as PolicyRule))) {
        role.rules = rules
        changed = true
      }
    }
    if (!changed) break
  }

  const aggregated = aggregating.map((role) => ({
    name: role.name,
    rules: role.rules.length,
    sources: (sourcesOf.get(role) ?? []).map((r) => r.name),
    storedRules: stored.get(role)?.length ?? 0,
  }))
  return {aggregated, clusterRoles: out}
}
