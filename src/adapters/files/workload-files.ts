/** Offline inputs of the workload-identity audit and `simulate --service-account`. */
import {parseAuthorizationDetails, parseClusters, parsePodIdentityAssociations} from '../../core/workload/inventory.js'
import type {WorkloadAuditInput} from '../../core/workload/rules.js'
import {readInputFile} from './read.js'

export function loadWorkloadFiles(f: {iamInventory?: string; clusterJson?: string; podIdentityAssociations?: string}): WorkloadAuditInput {
  const name = (p: string) => (p === '-' ? '(stdin)' : p)
  return {
    clusters: f.clusterJson ? parseClusters(readInputFile(f.clusterJson, 'cluster JSON'), name(f.clusterJson)) : [],
    podIdentityAssociations: f.podIdentityAssociations
      ? parsePodIdentityAssociations(readInputFile(f.podIdentityAssociations, 'pod identity associations file'), name(f.podIdentityAssociations))
      : undefined,
    roles: f.iamInventory ? parseAuthorizationDetails(readInputFile(f.iamInventory, 'IAM inventory file'), name(f.iamInventory)) : [],
  }
}
