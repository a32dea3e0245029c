import type { BenchFunction } from './types'

/**
 * Entry of a bench module run as a script: `--measure <variant> <json>` measures one variant in
 * this fresh process and sends the figures to the parent over IPC (so each variant's RSS is its
 * own); anything else runs the whole benchmark and prints its rows.
 */
export async function benchChildMain<V extends string, T>(
  argv: string[],
  measure: (variant: V, target: T) => Promise<unknown>,
  bench: BenchFunction
): Promise<void> {
  if (argv[0] === '--measure') {
    try {
      process.send?.(await measure(argv[1] as V, JSON.parse(argv[2] ?? '{}') as T))
    } catch (error) {
      process.send?.({ error: (error as Error).message })
    }
    return
  }
  const rows = await bench({ quick: argv.includes('--quick'), log: (m) => process.stderr.write(`[bench] ${m}\n`) })
  for (const r of rows)
    console.log(
      `${r.measure}: ours ${r.ours?.value.toFixed(1) ?? '-'} ${r.ours?.unit ?? ''}, ${r.peer} ${r.peerFigure?.value.toFixed(1) ?? '-'} ${r.peerFigure?.unit ?? ''}${r.note ? ` (${r.note})` : ''}`
    )
}
