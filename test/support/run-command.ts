/**
 * In-process command runs through oclif, with the exit code oclif would give the process. Arguments go to oclif's
 * `run` as they are (@oclif/test's runCommand joins them with spaces and splits again, which breaks values with spaces).
 */
import {run as oclifRun} from '@oclif/core'
import {captureOutput} from '@oclif/test'
import {join} from 'node:path'

export const ROOT = join(import.meta.dirname, '..', '..')

export async function run(args: string[]): Promise<{stdout: string; stderr: string; exit: number; result: unknown}> {
  process.exitCode = undefined
  const r = await captureOutput(async () => oclifRun(args, {root: ROOT}))
  // under --json oclif prints the error and sets process.exitCode instead of throwing
  const exit = (r.error as {oclif?: {exit?: number}} | undefined)?.oclif?.exit ?? (typeof process.exitCode === 'number' ? process.exitCode : r.error ? 1 : 0)
  process.exitCode = undefined
  return {exit, result: r.result, stderr: r.stderr, stdout: r.stdout}
}
