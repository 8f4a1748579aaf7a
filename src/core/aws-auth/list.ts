/** The `list` result: rows in file order (mapRoles, mapUsers, mapAccounts), notes, and a summary. */
import type {MappingRow} from './diagnostics.js'

export interface ListResult {
  source: string
  notes: string[]
  rows: MappingRow[]
  summary: {mapRoles: number; mapUsers: number; mapAccounts: number; effective: number; withNotes: number}
}

export function buildListResult(source: string, notes: string[], rows: MappingRow[]): ListResult {
  const count = (s: string): number => rows.filter((r) => r.section === s).length
  return {
    source,
    summary: {
      effective: rows.filter((r) => r.effective).length,
      mapAccounts: count('mapAccounts'),
      mapRoles: count('mapRoles'),
      mapUsers: count('mapUsers'),
      withNotes: rows.filter((r) => r.notes.length > 0).length,
    },
    notes,
    rows,
  }
}
