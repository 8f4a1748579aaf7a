import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {loadAwsAuthFile} from '../adapters/files/aws-auth-file.js'
import {analyseAwsAuth} from '../core/aws-auth/diagnostics.js'
import {buildListResult, type ListResult} from '../core/aws-auth/list.js'
import {clusterFlags} from '../flags.js'
import {renderList} from '../render/list.js'

export default class List extends BaseCommand<typeof List> {
  static override summary = 'List every aws-auth mapping and what EKS makes of it.'
  static override description = `Reads kube-system/aws-auth from the cluster of the kubeconfig context, or from --file.
One row per mapRoles, mapUsers and mapAccounts entry, in file order, with the notes that matter: entries EKS never
matches (role ARN with a path, STS session ARN), entries shadowed by a later duplicate, sections that fail to parse
and are dropped whole, ignored keys and fields.`

  static override examples = [
    '<%= config.bin %> list',
    '<%= config.bin %> list --context prod-admin -o json',
    '<%= config.bin %> list --file examples/aws-auth.yaml',
    'kubectl get cm aws-auth -n kube-system -o yaml | <%= config.bin %> list --file -',
    '<%= config.bin %> list --file examples/aws-auth.yaml --output yaml',
  ]

  static override flags = {
    file: Flags.string({
      char: 'f',
      description: 'Read aws-auth from this file (manifest, kubectl -o yaml/json output, a List; - for stdin).',
      helpValue: 'PATH',
    }),
    output: Flags.option({char: 'o', default: 'table', description: 'Output format.', options: ['table', 'json', 'yaml'] as const})(),
    ...clusterFlags,
  }

  async run(): Promise<ListResult> {
    const {context, file, kubeconfig, output} = this.flags
    let result: ListResult
    if (file) {
      const loaded = loadAwsAuthFile(file)
      result = buildListResult(loaded.source, [...loaded.file.notes, ...loaded.notes], loaded.rows)
    } else {
      const {openClusterStore} = await import('../services/cluster-store.js')
      const {store} = await openClusterStore({context, kubeconfig}, (m) => this.note(m))
      const snap = await store.read()
      const a = analyseAwsAuth(snap.data)
      result = buildListResult(snap.source, [...(snap.exists ? [] : ['kube-system/aws-auth does not exist: no IAM principal is mapped through it']), ...a.notes], a.rows)
    }
    this.out(renderList(result, output))
    return result
  }
}
