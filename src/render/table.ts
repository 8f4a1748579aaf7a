/** A small, dependency-free column table: header, aligned columns, no borders (kubectl style). */

// eslint-disable-next-line no-control-regex
const ANSI = /\u001B\[[0-9;]*m/g
const visibleLength = (s: string): number => s.replace(ANSI, '').length

export interface TableOptions {
  /** style applied to the header row */
  header?: (s: string) => string
  /** separator between columns */
  gap?: string
}

export function renderTable(headers: string[], rows: string[][], opts: TableOptions = {}): string {
  const gap = opts.gap ?? '   '
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))))
  const line = (cells: string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - visibleLength(cell))))
      .join(gap)
      .trimEnd()
  const head = line(headers.map((h) => h.toUpperCase()))
  return [opts.header ? opts.header(head) : head, ...rows.map((r) => line(r))].join('\n')
}
