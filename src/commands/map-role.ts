import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {normaliseArnInput, validateGroups, validateUsername} from '../core/aws-auth/validate-input.js'
import {editFlags, verifyIamFlag} from '../flags.js'
import {RETRY_SUMMARY} from '../services/edit-aws-auth.js'
import {runEditSession, type SessionOutcome} from '../services/edit-session.js'

export default class MapRole extends BaseCommand<typeof MapRole> {
  static override summary = 'Map an IAM role to a Kubernetes username and groups in aws-auth (idempotent upsert).'
  static override description = `Adds or updates the mapRoles entry for the role, keyed by its ARN compared case-insensitively as EKS does: an
identical entry is a no-op ("already mapped", exit 0), a different one is updated in place (--append-groups adds
groups instead of replacing them), and a duplicate is never appended.

The ARN is normalised and explained: an STS assumed-role ARN becomes its role, and a role path is dropped
(arn:aws:iam::111122223333:role/team/Admin is written as .../role/Admin), because aws-auth only ever matches the
path-less role ARN. A user ARN is refused with the right command.

Without --username: a new entry gets <RoleName>:{{SessionName}} (so every person or job assuming the role is told
apart in the audit log); an existing entry keeps its username.

Only the one entry changes: every other entry, key (mapAccounts too), comment, blank line and indentation stays byte
for byte. The edit is re-read exactly as the authenticator reads it before anything is sent, and refused if it does
not yield exactly the intended mappings. The lock-out guard refuses (exit 7) altering node mappings, removing the last
system:masters mapping, editing while a section does not parse, or unmapping yourself, unless --force.

Live writes first save the previous ConfigMap under $XDG_STATE_HOME/eksauth/backups/ (default ~/.local/state) and
print its path (eksauth restore puts it back). ${RETRY_SUMMARY}`

  static override examples = [
    '<%= config.bin %> map-role --arn arn:aws:iam::111122223333:role/Developer --group developers',
    '<%= config.bin %> map-role --arn arn:aws:iam::111122223333:role/Admin --username "admin:{{SessionName}}" --group system:masters --yes',
    '<%= config.bin %> map-role --arn arn:aws:iam::111122223333:role/Developer --group viewers --append-groups --file aws-auth.yaml --dry-run',
  ]

  static override flags = {
    'append-groups': Flags.boolean({description: 'Add the groups to an existing entry instead of replacing its groups.'}),
    arn: Flags.string({description: 'The IAM role ARN (an STS assumed-role ARN is accepted and converted).', helpValue: 'ARN', required: true}),
    group: Flags.string({description: 'Kubernetes group (repeat for several).', helpValue: 'GROUP', multiple: true, required: true}),
    username: Flags.string({description: 'Kubernetes username (default for a new entry: <RoleName>:{{SessionName}}).', helpValue: 'NAME'}),
    ...editFlags,
    ...verifyIamFlag,
  }

  async run(): Promise<SessionOutcome> {
    const f = this.flags
    const principal = normaliseArnInput(f.arn, 'role')
    const username = f.username === undefined ? undefined : validateUsername(f.username)
    const {groups, notes} = validateGroups(f.group)
    return runEditSession(
      {json: this.jsonEnabled(), note: (t) => this.note(t), out: (t) => this.out(t)},
      f,
      {appendGroups: f['append-groups'], arn: principal.arn, groups, kind: 'upsert', section: 'mapRoles', username},
      {arn: principal.arn, kind: principal.kind},
      [...principal.notes, ...notes],
    )
  }
}
