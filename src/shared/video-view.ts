import type { AnalysisFacts, Video, VideoQuery } from './video'
import { displayStatus, failureCauseInfo, type FailureCause } from './video-status'
import type { VideoSource } from './video-source'

/** The error text of a failed row: `analysis_result` holds `Error: …` then. */
export function errorTextOf(video: Pick<Video, 'processingStatus' | 'analysisResult'>): string | null {
  return video.processingStatus === 'failed' ? storedErrorText(video.analysisResult) : null
}

/** An `analysis_result` that holds an error (`Error: …`), without its prefix. */
export function storedErrorText(analysisResult: string | null): string | null {
  if (!analysisResult) return null
  return analysisResult.startsWith('Error: ') ? analysisResult.slice(7) : analysisResult
}

/** The part of a source a search looks in: its path, URL or key. */
export function sourceLocation(source: VideoSource | null): string {
  if (!source) return ''
  return source.kind === 'file' ? source.path : source.kind === 's3' ? source.key : source.url
}

/**
 * A failed video whose message the queue will deliver again after a backoff (the failure is not
 * final yet): cancelling it stops that retry.
 */
export function isPendingRetry(video: Pick<Video, 'processingStatus' | 'errorCause' | 'completedAt'>): boolean {
  return video.processingStatus === 'failed' && video.errorCause !== 'cancelled' && video.completedAt === null
}

/** The cause a failed row is counted under: none, or one this version does not know, is `other`. */
export function causeOf(video: Pick<Video, 'errorCause'>): FailureCause {
  return video.errorCause ?? 'other'
}

/** Whether retrying can succeed as things are (`unlikely`: the same input fails the same way). */
export function retryOutlook(video: Pick<Video, 'errorCause'>) {
  return failureCauseInfo[causeOf(video)].retry
}

/** A list row: a completed video's analysis JSON gives way to its facts (see `Video.facts`). */
export function listRow(video: Video): Video {
  if (video.processingStatus !== 'completed' || !video.analysisResult) return video
  return { ...video, analysisResult: null, facts: analysisFacts(video) }
}

const factsCache = new WeakMap<Video, AnalysisFacts | null>()

export function analysisFacts(video: Video): AnalysisFacts | null {
  if (video.processingStatus !== 'completed') return null
  if (video.facts !== undefined) return video.facts
  if (!video.analysisResult) return null
  if (factsCache.has(video)) return factsCache.get(video) ?? null
  let facts: AnalysisFacts | null
  try {
    const raw = JSON.parse(video.analysisResult) as {
      provenance?: { engine?: unknown; model?: unknown }
      usage?: { costUsd?: unknown; totalTokens?: unknown; pricedBy?: unknown }
      metadata?: { durationSeconds?: unknown }
    }
    const engine = raw.provenance?.engine
    facts = {
      engine: engine === 'gemini' || engine === 'local' ? engine : null,
      model: typeof raw.provenance?.model === 'string' ? raw.provenance.model : null,
      costUsd: typeof raw.usage?.costUsd === 'number' ? raw.usage.costUsd : null,
      pricedBy: typeof raw.usage?.pricedBy === 'string' ? raw.usage.pricedBy : null,
      totalTokens: typeof raw.usage?.totalTokens === 'number' ? raw.usage.totalTokens : null,
      mediaSeconds: typeof raw.metadata?.durationSeconds === 'number' ? raw.metadata.durationSeconds : null
    }
  } catch {
    facts = null
  }
  factsCache.set(video, facts)
  return facts
}

/**
 * The list filter of `VideoQuery` as a predicate, the same rule both stores apply in SQL: the
 * console applies it to rows that change live, and tests hold the stores to it.
 */
export function matchesQuery(video: Video, query: VideoQuery): boolean {
  if (query.status && query.status.length > 0 && !query.status.includes(video.processingStatus)) return false
  if (query.display && query.display.length > 0 && !query.display.includes(displayStatus(video))) return false
  if (query.causes && query.causes.length > 0 && (video.processingStatus !== 'failed' || !query.causes.includes(causeOf(video)))) return false
  if (query.analyzer && analysisFacts(video)?.engine !== query.analyzer) return false
  if (query.updatedSince && video.updatedAt < new Date(query.updatedSince).toISOString()) return false
  const needle = query.search?.trim().toLowerCase() ?? ''
  if (needle === '') return true
  return (
    video.id.startsWith(needle) ||
    (video.title ?? '').toLowerCase().includes(needle) ||
    sourceLocation(video.source).toLowerCase().includes(needle) ||
    (video.processingStatus === 'failed' && (video.analysisResult ?? '').toLowerCase().includes(needle))
  )
}
