/**
 * The row contract between bench modules and the runner (`bench/run.ts`).
 * A module exports an async function taking {@link BenchOptions} and returning rows;
 * the runner formats them into one table and `bench/results.md`.
 */

/** One measured figure with its unit, e.g. `{ value: 412.5, unit: 'msg/s' }`. */
export interface Figure {
  value: number
  unit: string
}

/** Which way a figure is better; the ratio is always ours ÷ peer's. */
export type Better = 'higher' | 'lower'

export interface BenchRow {
  /** What was measured, including the size (e.g. `queue throughput, 2,000 msgs, concurrency 2`). */
  measure: string
  /** Our figure; null when not measured (then `note` says why). */
  ours: Figure | null
  /** Who we compare against (e.g. `sqs-consumer 14.2, batchSize 10`); `none` when there is no peer. */
  peer: string
  peerFigure: Figure | null
  better: Better
  /** Conditions worth knowing (window, sizes), or `not run: <reason>`. */
  note?: string
}

export interface BenchOptions {
  /** Smaller sizes: a smoke check that the benchmark still works, not figures to quote. */
  quick: boolean
  /** Progress lines go here (stderr), never into the table. */
  log(message: string): void
}

export type BenchFunction = (opts: BenchOptions) => Promise<BenchRow[]>

/** A row for a benchmark that could not run, with the reason. */
export function notRun(measure: string, reason: string, better: Better = 'higher'): BenchRow {
  return { measure, ours: null, peer: '-', peerFigure: null, better, note: `not run: ${reason}` }
}
