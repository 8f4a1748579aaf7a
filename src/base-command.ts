/**
 * Shared plumbing of every command: --json, colour, the exit-code table under --json (oclif loses custom exit codes
 * there, ecosystem.md finding 4), and turning EksauthError into one-line messages without stack traces.
 */
import {Command, Errors, Flags, type Interfaces} from '@oclif/core'

import {EksauthError, ExitCode} from './core/errors.js'
import {configureColor} from './render/colors.js'

export type BaseFlags<T extends typeof Command> = Interfaces.InferredFlags<(typeof BaseCommand)['baseFlags'] & T['flags']>
export type BaseArgs<T extends typeof Command> = Interfaces.InferredArgs<T['args']>

export abstract class BaseCommand<T extends typeof Command> extends Command {
  static override baseFlags = {
    color: Flags.boolean({
      allowNo: true,
      default: true,
      description: 'Colour the output (off with NO_COLOR, --json or when stdout is not a terminal).',
      helpGroup: 'GLOBAL',
    }),
  }

  static override enableJsonFlag = true

  protected flags!: BaseFlags<T>
  protected args!: BaseArgs<T>

  public override async init(): Promise<void> {
    await super.init()
    const {args, flags} = await this.parse({
      args: this.ctor.args,
      baseFlags: (super.ctor as typeof BaseCommand).baseFlags,
      enableJsonFlag: this.ctor.enableJsonFlag,
      flags: this.ctor.flags,
      strict: this.ctor.strict,
    })
    this.flags = flags as BaseFlags<T>
    this.args = args as BaseArgs<T>
    configureColor({json: this.jsonEnabled(), noColor: flags.color === false})
  }

  /** Print human output only (never under --json). */
  protected out(text: string): void {
    if (!this.jsonEnabled()) this.log(text)
  }

  /** Progress and warnings: stderr, never under --json. */
  protected note(text: string): void {
    if (!this.jsonEnabled()) this.logToStderr(text)
  }

  protected override async catch(err: Error & {exitCode?: number; oclif?: {exit?: number}}): Promise<unknown> {
    let e: Error & {exitCode?: number; oclif?: {exit?: number}} = err
    if (err instanceof EksauthError) {
      e = new Errors.CLIError(err.message, {code: err.code, exit: err.exit, suggestions: err.suggestions})
    } else if (!(err instanceof Errors.CLIError) && !isOclifParseError(err)) {
      if (process.env.DEBUG) this.logToStderr(err.stack ?? String(err))
      e = new Errors.CLIError(`internal error: ${err.message} (this is a bug in eksauth; DEBUG=1 shows the stack)`, {
        code: 'E_INTERNAL',
        exit: ExitCode.INTERNAL,
      })
    }
    const exit = e.oclif?.exit
    if (this.jsonEnabled() && typeof exit === 'number') process.exitCode = exit
    return super.catch(e)
  }
}

function isOclifParseError(err: unknown): boolean {
  return Boolean(err && typeof err === 'object' && 'oclif' in err)
}
