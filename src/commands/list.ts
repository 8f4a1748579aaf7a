import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {loadAwsAuthFile} from '../adapters/files/aws-auth-file.js'
import {buildListResult, type ListResult} from '../core/aws-auth/list.js'
import {renderList} from '../render/list.js'

export default class List extends BaseCommand<typeof List> {
  static override summary = 'List every aws-auth mapping and what EKS makes of it.'
  static override description = `One row per mapRoles, mapUsers and mapAccounts entry, in file order, with the notes that matter: entries EKS never
matches (role ARN with a path, STS session ARN), entries shadowed by a later duplicate, sections that fail to parse
and are dropped whole, ignored keys and fields.`

  static override examples = [
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
  }

  async run(): Promise<ListResult> {
    const {file, output} = this.flags
    if (!file) {
      this.error('reading the live cluster needs the Kubernetes adapter: pass --file PATH', {exit: 2})
    }
    const loaded = loadAwsAuthFile(file)
    const result = buildListResult(loaded.source, [...loaded.file.notes, ...loaded.notes], loaded.rows)
    this.out(renderList(result, output))
    return result
  }
}
