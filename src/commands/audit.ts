import {Flags, ux} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {awsFlags, clusterFlags} from '../flags.js'
import {loadWorkloadFiles} from '../adapters/files/workload-files.js'
import {auditWorkloadIdentity} from '../core/workload/rules.js'
import type {AuditExtension} from '../core/audit/engine.js'
import {loadOfflineState} from '../adapters/offline-state.js'
import {readInputFile} from '../adapters/files/read.js'
import {type AuditResult, failsAt, parseIgnoreFile, runAudit} from '../core/audit/engine.js'
import {SEVERITIES} from '../core/audit/finding.js'
import {auditRbac} from '../core/audit/rules-rbac.js'
import {badInput, ExitCode} from '../core/errors.js'
import {renderAuditMarkdown, renderAuditTable} from '../render/audit.js'
import {renderSarif} from '../render/sarif.js'

export default class Audit extends BaseCommand<typeof Audit> {
  static override summary = 'Find risky mappings and what each mapped identity can reach through RBAC.'
  static override description = `Runs the rule catalogue (AA aws-auth, AE access entries, CL cluster, RB RBAC reachability) over the sources you give.
RB findings follow the chain a reviewer asks about: IAM ARN -> username/groups -> binding -> role -> rule.
Rules whose input is missing are listed as "not checked", never as passed.
Without file sources it reads the live cluster of the kubeconfig context, EKS (DescribeCluster, access entries) and IAM.
For CI: --fail-on high exits 5 when anything high or critical is found; --output sarif feeds GitHub code scanning.`

  static override examples = [
    '<%= config.bin %> audit --aws-auth examples/aws-auth.yaml --manifests examples/rbac',
    '<%= config.bin %> audit --aws-auth aws-auth.yaml --manifests rbac/ --access-entries entries.json --fail-on high --output sarif > eksauth.sarif',
    '<%= config.bin %> audit --aws-auth aws-auth.yaml --ignore AA022 --ignore-file .eksauth-ignore.yaml --output markdown',
  ]

  static override flags = {
    'aws-auth': Flags.string({description: 'aws-auth ConfigMap file (manifest or kubectl output; - for stdin).', helpGroup: 'SOURCES', helpValue: 'FILE'}),
    manifests: Flags.string({description: 'RBAC manifests: files or directories (YAML, JSON, Lists, kubectl output). Repeatable.', helpGroup: 'SOURCES', helpValue: 'PATH', multiple: true}),
    'access-entries': Flags.string({description: 'Access entries JSON (aws eks describe-access-entry / list-associated-access-policies output).', helpGroup: 'SOURCES', helpValue: 'FILE'}),
    'iam-inventory': Flags.string({description: '`aws iam get-account-authorization-details` output: dangling principals, and trust policies for --workload-identity.', helpGroup: 'SOURCES', helpValue: 'FILE'}),
    'cluster-json': Flags.string({description: '`aws eks describe-cluster` output (one, or a JSON array of several).', helpGroup: 'SOURCES', helpValue: 'FILE'}),
    'workload-identity': Flags.boolean({description: 'Also audit IRSA trust policies and EKS Pod Identity (WI rules). Offline it needs --iam-inventory and --cluster-json; live it lists IAM roles and the cluster\'s Pod Identity associations.', helpGroup: 'SOURCES'}),
    'pod-identity-associations': Flags.string({description: '`aws eks describe-pod-identity-association` output (one or many), for WI007.', helpGroup: 'SOURCES', helpValue: 'FILE'}),
    ...clusterFlags,
    ...awsFlags,
    'cluster-name': Flags.string({description: 'EKS cluster name for live checks (default: from the kubeconfig).', helpGroup: 'CLUSTER', helpValue: 'NAME'}),
    iam: Flags.boolean({allowNo: true, default: true, description: 'Live: check that mapped principals exist in IAM (one listing, not one call per ARN).', helpGroup: 'AWS'}),
    defaults: Flags.boolean({allowNo: true, default: true, description: 'Add Kubernetes\' default ClusterRoles and bindings that the manifests lack.', helpGroup: 'SOURCES'}),
    output: Flags.option({char: 'o', default: 'table', description: 'Output format.', options: ['table', 'json', 'sarif', 'markdown'] as const})(),
    'fail-on': Flags.option({description: 'Exit 5 when a finding at or above this severity remains.', options: [...SEVERITIES, 'none'] as const, default: 'none'})(),
    ignore: Flags.string({description: 'Rule id to ignore entirely (repeatable).', helpValue: 'RULE', multiple: true}),
    'ignore-file': Flags.string({description: 'YAML/JSON list of {rule, reason, subject?, expires?: YYYY-MM-DD}.', helpValue: 'FILE'}),
  }

  async run(): Promise<AuditResult> {
    const f = this.flags
    for (const id of f.ignore ?? []) if (!/^[A-Z]{2}\d{3}$/.test(id)) throw badInput(`--ignore ${id}: expected a rule id like AA007`)
    const ignore = [
      ...(f.ignore ?? []).map((rule) => ({reason: '--ignore on the command line', rule})),
      ...(f['ignore-file'] ? parseIgnoreFile(readInputFile(f['ignore-file'], 'ignore file'), f['ignore-file']) : []),
    ]
    const offline = Boolean(f['aws-auth'] || f.manifests || f['access-entries'] || f['iam-inventory'] || f['cluster-json'])
    const state = offline
      ? {...loadOfflineState({
          accessEntries: f['access-entries'],
          awsAuth: f['aws-auth'],
          clusterJson: f['cluster-json'],
          defaults: f.defaults,
          iamInventory: f['iam-inventory'],
          manifests: f.manifests,
        }), notes: [] as string[]}
      : await this.live()
    const {input, rbac} = state
    const rb = rbac ? auditRbac(input, {notes: rbac.notes, objects: rbac.objects}) : undefined
    const extensions: AuditExtension[] = rb ? [{findings: rb.findings, notes: rb.notes, source: 'rbac'}] : []
    if (f['workload-identity']) {
      let wi = 'workload' in state ? state.workload : undefined
      if (offline) {
        if (!f['iam-inventory'] || !f['cluster-json']) throw badInput('--workload-identity needs --iam-inventory FILE (trust policies) and --cluster-json FILE (the cluster\'s OIDC issuer)')
        wi = loadWorkloadFiles({clusterJson: f['cluster-json'], iamInventory: f['iam-inventory'], podIdentityAssociations: f['pod-identity-associations']})
      }
      if (wi) extensions.push({findings: auditWorkloadIdentity(wi), source: 'workload'})
    }
    const result = runAudit(input, {extensions, groupsBound: rb?.groupsBound, hasRbac: Boolean(rb), ignore, notes: state.notes})
    if (!this.jsonEnabled()) {
      switch (f.output) {
        case 'json': {
          this.log(JSON.stringify(result, null, 2))
          break
        }
        case 'sarif': {
          this.log(renderSarif(result, this.config.version))
          break
        }
        case 'markdown': {
          this.log(renderAuditMarkdown(result))
          break
        }
        default: {
          this.log(renderAuditTable(result))
        }
      }
    }
    if (f['fail-on'] !== 'none' && failsAt(result, f['fail-on'])) process.exitCode = ExitCode.FINDINGS
    return result
  }

  /** Live sources: the kubeconfig context, EKS and IAM; a spinner on stderr only for a terminal and never with --json. */
  private async live() {
    const f = this.flags
    const spin = !this.jsonEnabled() && process.stderr.isTTY
    const {loadLiveState} = await import('../adapters/live-state.js')
    try {
      return await loadLiveState({
        clusterName: f['cluster-name'],
        context: f.context,
        iam: f.iam,
        kubeconfig: f.kubeconfig,
        profile: f.profile,
        progress: spin ? (m) => ux.action.start(m) : undefined,
        region: f.region,
        workload: f['workload-identity'],
      })
    } finally {
      if (spin) ux.action.stop()
    }
  }
}
