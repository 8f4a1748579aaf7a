/** Reading input files for offline commands: size-limited, `-` for stdin, one-line errors. */
import {readFileSync, statSync} from 'node:fs'

import {badInput} from '../../core/errors.js'

/** Larger than any ConfigMap (1 MiB) plus a kubectl List around it. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024

export function readInputFile(path: string, what = 'file'): string {
  if (path === '-') return readFileSync(0, 'utf8')
  let size: number
  try {
    const st = statSync(path)
    if (st.isDirectory()) throw badInput(`${path} is a directory: pass the ${what} itself`)
    size = st.size
  } catch (error) {
    if ((error as {exit?: number}).exit) throw error
    const code = (error as NodeJS.ErrnoException).code
    throw badInput(
      code === 'ENOENT' ? `${path}: no such ${what}` : `cannot read ${path}: ${(error as Error).message}`,
      'E_FILE',
    )
  }
  if (size > MAX_INPUT_BYTES) throw badInput(`${path} is ${(size / 1024 / 1024).toFixed(1)} MiB: larger than any aws-auth ConfigMap could be`)
  return readFileSync(path, 'utf8')
}
