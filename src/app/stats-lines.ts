import type { Stats } from '../shared/stats'

/** The statistics as the worker prints them when it stops: one counter a line, then each stage and the tokens. */
export function formatStats(stats: Stats): string[] {
  const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`
  const lines = [
    'Statistics:',
    `  Uptime: ${secs(stats.uptimeMs)}`,
    `  Messages received: ${stats.received}`,
    `  Videos processed: ${stats.processed}`,
    `  Videos failed: ${stats.failed}`,
    `  In flight: ${stats.inFlight}`
  ]
  for (const [stage, s] of Object.entries(stats.stages)) {
    if (s) lines.push(`  ${stage}: ${s.count}× avg ${secs(s.avgMs)}, max ${secs(s.maxMs)}`)
  }
  if (stats.tokens.total > 0) lines.push(`  Tokens: ${stats.tokens.total} (prompt ${stats.tokens.prompt}, output ${stats.tokens.output}), cost $${stats.costUsd.toFixed(4)}`)
  return lines
}
