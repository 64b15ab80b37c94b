/** One column of a text table: its header and how to get a cell from a row. */
export interface TableColumn<R> {
  header: string
  cell: (row: R) => string
  /** Cells longer than this are cut with '…' (default: no limit). */
  maxWidth?: number
  align?: 'left' | 'right'
}

const clip = (s: string, max: number | undefined) =>
  max !== undefined && s.length > max ? `${s.slice(0, max - 1)}…` : s

/** A plain-text table (header, rule, rows), columns padded to their widest cell. */
export const renderTable = <R>(rows: R[], columns: TableColumn<R>[]): string => {
  const cells = rows.map((r) => columns.map((c) => clip(c.cell(r), c.maxWidth)))
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((row) => row[i]!.length)))
  const line = (values: string[]) =>
    values
      .map((v, i) => (columns[i]!.align === 'right' ? v.padStart(widths[i]!) : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(columns.map((c) => c.header)), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join(
    '\n',
  )
}
