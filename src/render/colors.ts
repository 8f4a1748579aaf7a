/**
 * The only place colour is decided. chalk 5 ignores NO_COLOR, so the level is set here from NO_COLOR, FORCE_COLOR,
 * --no-color, --json and whether the stream is a terminal. Everything else imports `paint`.
 */
import {Chalk, type ChalkInstance} from 'chalk'

export interface ColorOptions {
  /** --no-color given */
  noColor?: boolean
  /** --json given: machine output never carries escape codes */
  json?: boolean
  env?: NodeJS.ProcessEnv
  isTTY?: boolean
}

export function colorLevel(opts: ColorOptions = {}): 0 | 1 {
  const env = opts.env ?? process.env
  if (opts.noColor || opts.json) return 0
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR === '0' || env.FORCE_COLOR === 'false' ? 0 : 1
  if (env.TERM === 'dumb') return 0
  return (opts.isTTY ?? Boolean(process.stdout.isTTY)) ? 1 : 0
}

let current: ChalkInstance = new Chalk({level: colorLevel()})

/** Called once per command run by BaseCommand. */
export function configureColor(opts: ColorOptions): void {
  current = new Chalk({level: colorLevel(opts)})
}

/** The colour functions for this run (plain strings when colour is off). */
export function paint(): ChalkInstance {
  return current
}

export const severityColor = (sev: string): ((s: string) => string) => {
  const c = paint()
  switch (sev) {
    case 'critical':
      return c.bold.red
    case 'high':
      return c.red
    case 'medium':
      return c.yellow
    case 'low':
      return c.cyan
    default:
      return c.dim
  }
}
