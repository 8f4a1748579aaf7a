import {Args} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {readBackup} from '../adapters/backup.js'
import {editFlags} from '../flags.js'
import {RETRY_SUMMARY} from '../services/edit-aws-auth.js'
import {runEditSession, type SessionOutcome} from '../services/edit-session.js'

export default class Restore extends BaseCommand<typeof Restore> {
  static override summary = 'Put an aws-auth backup back (through the same diff, guard, confirmation and conflict handling).'
  static override description = `BACKUP_FILE is one of the files map-role, map-user, unmap and restore save before every live write, under
$XDG_STATE_HOME/eksauth/backups/<cluster>/ (default ~/.local/state). The data of aws-auth becomes exactly the
backed-up data; the diff is shown first, the lock-out guard applies (--force overrides), and the current aws-auth is
itself backed up before the write. ${RETRY_SUMMARY}`

  static override examples = ['<%= config.bin %> restore ~/.local/state/eksauth/backups/prod/20250601T100000.000Z-rv1392.json']

  static override args = {
    backup: Args.string({description: 'The backup file (JSON) to restore.', name: 'BACKUP_FILE', required: true}),
  }

  static override flags = {...editFlags}

  async run(): Promise<SessionOutcome & {backupFile: string}> {
    const backup = readBackup(this.args.backup)
    const notes = [`restoring the aws-auth of ${backup.cluster ?? backup.context ?? backup.source} as of ${backup.takenAt}${backup.resourceVersion ? ` (resourceVersion ${backup.resourceVersion})` : ''}`]
    const out = await runEditSession(
      {json: this.jsonEnabled(), note: (t) => this.note(t), out: (t) => this.out(t)},
      this.flags,
      {data: backup.data, kind: 'restore'},
      undefined,
      notes,
    )
    return {...out, backupFile: this.args.backup}
  }
}
