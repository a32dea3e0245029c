import { availableParallelism } from 'node:os'

export type AnalyzerKind = 'gemini' | 'local'

/**
 * Jobs run at once when WORKER_CONCURRENCY is not set, from what the analyzer's work needs.
 * A Gemini job spends its time waiting on the network (upload, processing, generation), so
 * many run side by side: ten, what one SQS receive returns. A local job keeps a CPU core busy
 * (ffmpeg, speech, OCR) and peaks at a few hundred MB, so about one per core, at most eight.
 */
export function defaultConcurrency(analyzer: AnalyzerKind, cores: number = availableParallelism()): number {
  return analyzer === 'gemini' ? 10 : Math.max(1, Math.min(8, cores))
}

/** Why the default is what it is, for the configuration summary. */
export function defaultConcurrencyReason(analyzer: AnalyzerKind): string {
  return analyzer === 'gemini' ? 'default with Gemini: its jobs wait on the network' : 'default with the local analyzer: about one job per CPU core'
}
