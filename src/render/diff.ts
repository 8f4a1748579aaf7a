/** Unified diff of aws-auth data, one file section per changed data key; colour only through paint(). */
import {createTwoFilesPatch} from 'diff'

import {paint} from './colors.js'

export interface DataDiff {
  key: string
  patch: string
}

/** Plain unified diffs (no colour) of every data key whose text differs; keys in a stable order. */
export function diffData(before: Record<string, string>, after: Record<string, string>, label = 'aws-auth'): DataDiff[] {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])]
  const order = (k: string): number => ['mapRoles', 'mapUsers', 'mapAccounts'].indexOf(k) + 1 || 99
  keys.sort((a, b) => order(a) - order(b) || a.localeCompare(b))
  const out: DataDiff[] = []
  for (const key of keys) {
    const a = before[key]
    const b = after[key]
    if (a === b) continue
    const patch = createTwoFilesPatch(
      a === undefined ? '/dev/null' : `a/${label}/data.${key}`,
      b === undefined ? '/dev/null' : `b/${label}/data.${key}`,
      a ?? '',
      b ?? '',
      undefined,
      undefined,
      {context: 3},
    )
    // drop the "Index:" / "====" banner createTwoFilesPatch puts first
    out.push({key, patch: patch.replace(/^(?:Index:[^\n]*\n)?=+\n/, '')})
  }
  return out
}

export const diffText = (diffs: DataDiff[]): string => diffs.map((d) => d.patch).join('')

/** The diff coloured for a terminal (plain when colour is off). */
export function renderDiff(diffs: DataDiff[]): string {
  const c = paint()
  return diffs
    .map((d) =>
      d.patch
        .split('\n')
        .map((line) => {
          if (line.startsWith('+++') || line.startsWith('---')) return c.bold(line)
          if (line.startsWith('@@')) return c.cyan(line)
          if (line.startsWith('+')) return c.green(line)
          if (line.startsWith('-')) return c.red(line)
          if (line.startsWith('\\')) return c.dim(line)
          return line
        })
        .join('\n'),
    )
    .join('')
    .replace(/\n$/, '')
}
