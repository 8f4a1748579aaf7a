/** JSON or YAML input files with one or several documents (AWS CLI output, paged or concatenated). Pure. */
import {parseAllDocuments} from 'yaml'

import {badInput} from './errors.js'

/** Every document of `text` as plain values, or BAD_INPUT naming `source` and what to pass instead (`hint`). */
export function parseDocuments(text: string, source: string, hint: string): unknown[] {
  try {
    const docs = parseAllDocuments(text)
    if (!Array.isArray(docs)) throw new Error('not YAML or JSON')
    const err = docs.flatMap((d) => d.errors)[0]
    if (err) throw new Error(err.message.split('\n')[0])
    return docs.map((d) => d.toJS())
  } catch (error) {
    throw badInput(`${source} is not JSON: ${(error as Error).message} (pass ${hint})`)
  }
}
