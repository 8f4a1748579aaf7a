import {Flags} from '@oclif/core'

import {BaseCommand} from '../base-command.js'
import {badInput} from '../core/errors.js'
import {editFlags} from '../flags.js'
import {RETRY_SUMMARY} from '../services/edit-aws-auth.js'
import {runEditSession, type SessionOutcome} from '../services/edit-session.js'

export default class Unmap extends BaseCommand<typeof Unmap> {
  static override summary = 'Remove the aws-auth mappings of an ARN or a username.'
  static override description = `--arn removes every mapRoles and mapUsers entry with that ARN (compared case-insensitively; an STS or path-bearing
ARN also finds the entry it would match), duplicates included, so the effective mapping really goes away (the
authenticator uses the last duplicate). --username removes every entry with exactly that username. Nothing matching
is exit 8.

The lock-out guard refuses (exit 7) removing a node mapping or the last system:masters mapping, editing while a
section does not parse, or removing your own mapping, unless --force. Every other byte stays. Live writes save a
backup first and print its path. ${RETRY_SUMMARY}`

  static override examples = [
    '<%= config.bin %> unmap --arn arn:aws:iam::111122223333:role/Developer',
    '<%= config.bin %> unmap --username alice --file aws-auth.yaml --dry-run',
  ]

  static override flags = {
    arn: Flags.string({description: 'Remove the entries for this IAM ARN.', exactlyOne: ['arn', 'username'], helpValue: 'ARN'}),
    username: Flags.string({description: 'Remove the entries with this Kubernetes username.', exactlyOne: ['arn', 'username'], helpValue: 'NAME'}),
    ...editFlags,
  }

  async run(): Promise<SessionOutcome> {
    const f = this.flags
    const by = f.arn === undefined ? 'username' : 'arn'
    const value = (f.arn ?? f.username)!
    if (value.trim() === '' || value !== value.trim()) throw badInput(`the ${by} ${JSON.stringify(value)} is empty or has surrounding spaces`)
    // eslint-disable-next-line no-control-regex
    if (/[\u0000-\u001f\u007f\u2028\u2029]/.test(value)) throw badInput(`the ${by} ${JSON.stringify(value)} contains a control character or line break; retype it`)
    return runEditSession({json: this.jsonEnabled(), note: (t) => this.note(t), out: (t) => this.out(t)}, f, {by, kind: 'remove', value})
  }
}
