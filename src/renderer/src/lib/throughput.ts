import type { StatsSample } from '../../../shared/stats'

export interface ThroughputPoint {
  at: number
  label: string
  processed: number
  failed: number
  inFlight: number
}

/**
 * Samples hold counters since the worker started; the chart wants what happened per interval.
 * A counter that went down means the worker restarted: that interval counts from zero.
 */
export function throughput(samples: readonly StatsSample[]): ThroughputPoint[] {
  const sorted = samples.slice().sort((a, b) => a.at.localeCompare(b.at))
  return sorted.map((sample, i) => {
    const prev = sorted[i - 1]
    const delta = (now: number, before: number | undefined) => (before === undefined ? 0 : now >= before ? now - before : now)
    const at = Date.parse(sample.at)
    return {
      at,
      label: new Date(at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }),
      processed: delta(sample.processed, prev?.processed),
      failed: delta(sample.failed, prev?.failed),
      inFlight: sample.inFlight
    }
  })
}

/** The usual spacing of the samples (their median gap), so the chart can say what one point covers. */
export function sampleIntervalMs(samples: readonly StatsSample[]): number | null {
  const times = samples.map((s) => Date.parse(s.at)).sort((a, b) => a - b)
  const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t)).filter((g) => g > 0).sort((a, b) => a - b)
  if (gaps.length === 0) return null
  return gaps[Math.floor(gaps.length / 2)] ?? null
}
