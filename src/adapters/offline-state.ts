/**
 * Fills the audit/simulate model from files (offline mode): aws-auth, RBAC manifests, access entries, cluster JSON,
 * IAM inventory. Each source is optional; what is absent stays undefined so rules can say "not checked".
 */
import type {AuditInput} from '../core/audit/context.js'
import {aggregateClusterRoles} from '../core/rbac/aggregate.js'
import {withDefaults} from '../core/rbac/defaults.js'
import {loadManifestDocs, type RbacObjects} from '../core/rbac/objects.js'
import {clusterInfoFromDescribeCluster} from '../core/cluster-info.js'
import {loadAccessEntriesFile} from './files/access-entries-file.js'
import {readInputFile} from './files/read.js'
import {loadAwsAuthFile} from './files/aws-auth-file.js'
import {loadIamInventoryFile} from './files/inventory-file.js'
import {readManifests} from './files/manifests.js'

export interface OfflineSources {
  awsAuth?: string
  manifests?: string[]
  accessEntries?: string
  iamInventory?: string
  clusterJson?: string
  /** add Kubernetes' default ClusterRoles/Bindings the dump lacks (default true) */
  defaults?: boolean
}

export interface LoadedRbac {
  objects: RbacObjects
  notes: string[]
  files: string[]
}

export function loadRbacManifests(paths: string[], defaults = true): LoadedRbac {
  const read = readManifests(paths)
  const loaded = loadManifestDocs(read.docs)
  const notes = [...loaded.errors.map((e) => `skipped: ${e.message}`), ...loaded.warnings.map((w) => w.message)]
  let objects: RbacObjects = loaded
  if (defaults) {
    const d = withDefaults(objects)
    objects = d.objects
    if (d.added.length > 0) {
      notes.push(`added Kubernetes defaults the manifests lack: ${d.added.map((a) => a.name).slice(0, 6).join(', ')}${d.added.length > 6 ? `, +${d.added.length - 6} more` : ''}`)
    }
  }
  const agg = aggregateClusterRoles(objects.clusterRoles)
  objects = {...objects, clusterRoles: agg.clusterRoles}
  return {files: read.files, notes, objects}
}

export function loadOfflineState(s: OfflineSources): {input: AuditInput; rbac?: LoadedRbac} {
  const input: AuditInput = {}
  if (s.awsAuth) {
    const a = loadAwsAuthFile(s.awsAuth)
    input.awsAuth = {analysis: a, file: s.awsAuth === '-' ? undefined : s.awsAuth, source: a.source}
  }
  if (s.accessEntries) input.accessEntries = loadAccessEntriesFile(s.accessEntries)
  if (s.iamInventory) input.iam = loadIamInventoryFile(s.iamInventory)
  if (s.clusterJson) input.cluster = clusterInfoFromDescribeCluster(readInputFile(s.clusterJson, 'cluster JSON'), s.clusterJson)
  const rbac = s.manifests && s.manifests.length > 0 ? loadRbacManifests(s.manifests, s.defaults ?? true) : undefined
  return {input, rbac}
}
