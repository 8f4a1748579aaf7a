import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {normaliseArnInput, validateGroups, validateUsername} from '../core/aws-auth/validate-input.js'
import {editFlags, verifyIamFlag} from '../flags.js'
import {RETRY_SUMMARY} from '../services/edit-aws-auth.js'
import {runEditSession, type SessionOutcome} from '../services/edit-session.js'

export default class MapUser extends BaseCommand<typeof MapUser> {
  static override summary = 'Map an IAM user to a Kubernetes username and groups in aws-auth (idempotent upsert).'
  static override description = `Adds or updates the mapUsers entry for the user, keyed by its ARN compared case-insensitively: an identical entry
is a no-op ("already mapped", exit 0), a different one is updated in place (--append-groups adds groups), and a
duplicate is never appended. A role or STS ARN is refused with the right command.

Every other byte of aws-auth stays as it was; the edit is re-read as the authenticator reads it and refused unless
it yields exactly the intended mappings; the lock-out guard applies (see map-role). Live writes save a backup first
and print its path. ${RETRY_SUMMARY}`

  static override examples = [
    '<%= config.bin %> map-user --arn arn:aws:iam::111122223333:user/alice --username alice --group developers',
    '<%= config.bin %> map-user --arn arn:aws:iam::111122223333:user/ci --username ci --group deployers --file aws-auth.yaml --yes',
  ]

  static override flags = {
    'append-groups': Flags.boolean({description: 'Add the groups to an existing entry instead of replacing its groups.'}),
    arn: Flags.string({description: 'The IAM user ARN.', helpValue: 'ARN', required: true}),
    group: Flags.string({description: 'Kubernetes group (repeat for several).', helpValue: 'GROUP', multiple: true, required: true}),
    username: Flags.string({description: 'Kubernetes username.', helpValue: 'NAME', required: true}),
    ...editFlags,
    ...verifyIamFlag,
  }

  async run(): Promise<SessionOutcome> {
    const f = this.flags
    const principal = normaliseArnInput(f.arn, 'user')
    const username = validateUsername(f.username)
    const {groups, notes} = validateGroups(f.group)
    return runEditSession(
      {json: this.jsonEnabled(), note: (t) => this.note(t), out: (t) => this.out(t)},
      f,
      {appendGroups: f['append-groups'], arn: principal.arn, groups, kind: 'upsert', section: 'mapUsers', username},
      {arn: principal.arn, kind: principal.kind},
      [...principal.notes, ...notes],
    )
  }
}
