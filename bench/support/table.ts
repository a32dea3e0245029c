import type { BenchRow, Figure } from './types'

/** Three significant digits, thousands separated: 1,234 / 56.7 / 0.123. */
export function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value)
  const abs = Math.abs(value)
  const digits = abs >= 100 ? 0 : abs >= 10 ? 1 : abs >= 1 ? 2 : 3
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

export function formatFigure(figure: Figure | null): string {
  return figure ? `${formatNumber(figure.value)} ${figure.unit}` : '-'
}

/** Ours ÷ peer's, as `1.23×`; `-` when either side is missing or the units differ. */
export function formatRatio(row: BenchRow): string {
  const { ours, peerFigure } = row
  if (!ours || !peerFigure || ours.unit !== peerFigure.unit || peerFigure.value === 0) return '-'
  const ratio = ours.value / peerFigure.value
  const text = ratio >= 100 ? ratio.toFixed(0) : ratio >= 10 ? ratio.toFixed(1) : ratio.toFixed(2)
  return `${text}×`
}

const HEADER = ['Measured', 'Ours', 'Peer', "Peer's figure", 'Ratio (ours ÷ peer)', 'Better', 'Notes']

function cells(row: BenchRow): string[] {
  return [
    row.measure,
    formatFigure(row.ours),
    row.peer,
    formatFigure(row.peerFigure),
    formatRatio(row),
    row.better === 'higher' ? 'higher (ratio > 1× = ours ahead)' : 'lower (ratio < 1× = ours ahead)',
    row.note ?? ''
  ]
}

function escape(cell: string): string {
  return cell.replace(/\|/g, '\\|').replace(/\n/g, ' ')
}

/** One GitHub-flavoured Markdown table, padded so it also reads well in a terminal. */
export function markdownTable(rows: BenchRow[]): string {
  const body = rows.map((row) => cells(row).map(escape))
  const all = [HEADER, ...body]
  const widths = HEADER.map((_, i) => Math.max(3, ...all.map((r) => (r[i] ?? '').length)))
  const line = (r: string[]) => `| ${r.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`
  const rule = `| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`
  return [line(HEADER), rule, ...body.map(line)].join('\n')
}
