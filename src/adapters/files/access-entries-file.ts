import {parseAccessEntries} from '../../core/access-entries.js'
import type {AccessEntry} from '../../core/ports.js'
import {readInputFile} from './read.js'

export function loadAccessEntriesFile(path: string): AccessEntry[] {
  return parseAccessEntries(readInputFile(path, 'access entries file'), path === '-' ? '(stdin)' : path)
}
