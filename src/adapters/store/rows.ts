/**
 * The `videos` table's rows (snake_case SQL columns) ↔ the shared `Video` type. Used by
 * every Store adapter (PGlite hands back Dates, PostgREST ISO strings: both are read).
 */
import type { NewVideo, VideoPatch } from '../../core/ports'
import type { Video, VideoQueryParsed } from '../../shared/video'
import { FailureCause, Stage, VideoStatus } from '../../shared/video-status'
import { VideoSource } from '../../shared/video-source'

/** A `videos` row as the database returns it. */
export interface VideoRow {
  id: string
  title: string | null
  source: unknown
  processing_status: string
  analysis_result: string | null
  is_processed: boolean
  attempts: number
  error_cause: string | null
  stage_ms: unknown
  created_at: Date | string
  updated_at: Date | string
  started_at: Date | string | null
  completed_at: Date | string | null
}

/** Every column the worker and console need; `Store.init` checks they exist. */
export const VIDEO_COLUMNS = [
  'id',
  'title',
  'source',
  'processing_status',
  'analysis_result',
  'is_processed',
  'attempts',
  'error_cause',
  'stage_ms',
  'created_at',
  'updated_at',
  'started_at',
  'completed_at'
] as const satisfies readonly (keyof VideoRow)[]

/** Columns of claims (lease and generation), and the function that takes one. */
export const CLAIM_COLUMNS = ['lease_owner', 'lease_token', 'lease_until', 'generation'] as const
export const CLAIM_MIGRATION = 'supabase/migrations/20261202000001_videos_claim.sql'

/** A row with its claim columns, as `claim_video` and the conditional updates return it. */
export interface ClaimedRow extends VideoRow {
  lease_owner: string | null
  lease_token: string | null
  lease_until: Date | string | null
  generation: number
}

/** Which migration adds each column beyond the original four (`id`, `processing_status`, `analysis_result`, `is_processed`), for the "apply migration X" error. */
export const SEED_COLUMNS: readonly string[] = ['id', 'processing_status', 'analysis_result', 'is_processed']
export const CONSOLE_COLUMNS_MIGRATION = 'supabase/migrations/20261126000002_videos_console_columns.sql'

/** Sort keys of the console's list → columns. */
export const SORT_COLUMNS: Record<VideoQueryParsed['sort'], (typeof VIDEO_COLUMNS)[number]> = {
  createdAt: 'created_at',
  updatedAt: 'updated_at',
  title: 'title',
  processingStatus: 'processing_status',
  attempts: 'attempts'
}

export function toIso(value: Date | string): string
export function toIso(value: Date | string | null): string | null
export function toIso(value: Date | string | null): string | null {
  if (value === null) return null
  const date = value instanceof Date ? value : new Date(value)
  if (Number.isNaN(date.getTime())) throw new Error(`Invalid timestamp in the videos table: ${String(value)}`)
  return date.toISOString()
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value
  try {
    return JSON.parse(value)
  } catch {
    return null
  }
}

function stageMsOf(value: unknown): Video['stageMs'] {
  const out: Video['stageMs'] = {}
  const raw = parseJson(value)
  if (raw === null || typeof raw !== 'object') return out
  for (const [key, ms] of Object.entries(raw)) {
    const stage = Stage.safeParse(key)
    if (stage.success && typeof ms === 'number' && Number.isFinite(ms) && ms >= 0) out[stage.data] = ms
  }
  return out
}

/**
 * Maps a row to a `Video`. Rows written by other programs are read leniently so one odd
 * row never breaks the console's list: an unknown status reads as `completed` when
 * `is_processed`, else `queued`; an unreadable source as null; an unknown cause as `other`.
 */
export function rowToVideo(row: VideoRow): Video {
  const status = VideoStatus.safeParse(row.processing_status)
  const processingStatus = status.success ? status.data : row.is_processed ? 'completed' : 'queued'
  const source = VideoSource.safeParse(parseJson(row.source))
  let errorCause: Video['errorCause'] = null
  if (row.error_cause !== null) {
    const cause = FailureCause.safeParse(row.error_cause)
    errorCause = cause.success ? cause.data : 'other'
  }
  return {
    id: row.id,
    title: row.title,
    source: source.success ? source.data : null,
    processingStatus,
    analysisResult: row.analysis_result,
    isProcessed: row.is_processed,
    attempts: row.attempts,
    errorCause,
    stageMs: stageMsOf(row.stage_ms),
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
    startedAt: toIso(row.started_at),
    completedAt: toIso(row.completed_at)
  }
}

/** Column values of a new row (JSON-ready: jsonb columns as objects). */
export function newVideoToRow(video: NewVideo): { id: string; title: string | null; source: VideoSource | null; processing_status: 'queued' } {
  return { id: video.id, title: video.title, source: video.source, processing_status: 'queued' }
}

/** Column values a patch sets, JSON-ready (timestamps as ISO strings); `updated_at` is the caller's. */
export function videoPatchToRow(patch: VideoPatch): Partial<Record<(typeof VIDEO_COLUMNS)[number], unknown>> {
  const row: Partial<Record<(typeof VIDEO_COLUMNS)[number], unknown>> = {}
  if (patch.processingStatus !== undefined) row.processing_status = patch.processingStatus
  if (patch.analysisResult !== undefined) row.analysis_result = patch.analysisResult
  if (patch.isProcessed !== undefined) row.is_processed = patch.isProcessed
  if (patch.attempts !== undefined) row.attempts = patch.attempts
  if (patch.errorCause !== undefined) row.error_cause = patch.errorCause
  if (patch.stageMs !== undefined) row.stage_ms = patch.stageMs
  if (patch.startedAt !== undefined) row.started_at = patch.startedAt === null ? null : patch.startedAt.toISOString()
  if (patch.completedAt !== undefined) row.completed_at = patch.completedAt === null ? null : patch.completedAt.toISOString()
  if (patch.title !== undefined) row.title = patch.title
  return row
}

/** Escapes `%`, `_` and `\` for a LIKE/ILIKE pattern (PostgREST's `ilike` too). */
export function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`)
}
