import type { TokenUsage } from '../shared/analysis'
import type { Stats, StatsSample } from '../shared/stats'
import type { Stage } from '../shared/video-status'
import type { Clock } from './ports'

/** Counters of one worker run; the CLI prints them when the worker stops. */
export interface StatsTracker {
  started(): void
  received(): void
  processed(): void
  failed(): void
  cancelled(): void
  jobStarted(): void
  jobEnded(): void
  stage(stage: Stage, ms: number): void
  usage(usage: TokenUsage): void
  snapshot(): Stats
  sample(): StatsSample
}

export function createStats(clock: Clock): StatsTracker {
  let startedAt: Date | null = null
  let received = 0
  let processed = 0
  let failed = 0
  let cancelled = 0
  let inFlight = 0
  const stages: Stats['stages'] = {}
  const tokens = { prompt: 0, output: 0, total: 0 }
  let costUsd = 0
  return {
    started() {
      startedAt ??= clock.now()
    },
    received: () => void (received += 1),
    processed: () => void (processed += 1),
    failed: () => void (failed += 1),
    cancelled: () => void (cancelled += 1),
    jobStarted: () => void (inFlight += 1),
    jobEnded: () => void (inFlight = Math.max(0, inFlight - 1)),
    stage(stage, ms) {
      const s = (stages[stage] ??= { count: 0, totalMs: 0, avgMs: 0, maxMs: 0 })
      s.count += 1
      s.totalMs += ms
      s.avgMs = s.totalMs / s.count
      s.maxMs = Math.max(s.maxMs, ms)
    },
    usage(u) {
      tokens.prompt += u.promptTokens
      tokens.output += u.outputTokens
      tokens.total += u.totalTokens
      costUsd += u.costUsd ?? 0
    },
    snapshot() {
      return {
        startedAt: startedAt?.toISOString() ?? null,
        uptimeMs: startedAt ? Math.max(0, clock.now().getTime() - startedAt.getTime()) : 0,
        received,
        processed,
        failed,
        cancelled,
        inFlight,
        stages: structuredClone(stages),
        tokens: { ...tokens },
        costUsd
      }
    },
    sample() {
      return { at: clock.now().toISOString(), processed, failed, inFlight }
    }
  }
}
