import { z } from 'zod'
import { Analysis } from './analysis'
import { DisplayStatus, FailureCause, Stage, VideoStatus } from './video-status'
import { VideoSource } from './video-source'

/** Facts of a completed analysis that the list shows (engine, model, cost, tokens, length). */
export const AnalysisFacts = z.object({
  engine: z.enum(['gemini', 'local']).nullable(),
  model: z.string().nullable(),
  costUsd: z.number().nullable(),
  /** The prices the cost was computed with (TokenUsage.pricedBy). */
  pricedBy: z.string().nullable(),
  totalTokens: z.number().nullable(),
  mediaSeconds: z.number().nullable()
})
export type AnalysisFacts = z.infer<typeof AnalysisFacts>

/** A row of the `videos` table as the console sees it (camelCase of the SQL columns). */
export const Video = z.object({
  id: z.uuid(),
  title: z.string().nullable(),
  source: VideoSource.nullable(),
  processingStatus: VideoStatus,
  /** One of the table's original four columns: the analysis JSON on success, `Error: …` on failure. */
  analysisResult: z.string().nullable(),
  isProcessed: z.boolean(),
  attempts: z.number().int().min(0),
  errorCause: FailureCause.nullable(),
  /** Per-stage durations in ms of the last attempt. */
  stageMs: z.partialRecord(Stage, z.number().min(0)),
  createdAt: z.iso.datetime({ offset: true }),
  updatedAt: z.iso.datetime({ offset: true }),
  startedAt: z.iso.datetime({ offset: true }).nullable(),
  completedAt: z.iso.datetime({ offset: true }).nullable(),
  /**
   * Only in `videos.list`: a completed row's analysis facts instead of its analysis JSON, whose
   * `analysisResult` is then null (`videos.get` has the whole analysis). A list of thousands of
   * analyses would otherwise cost tens of megabytes per load.
   */
  facts: AnalysisFacts.nullable().optional()
})
export type Video = z.infer<typeof Video>

/** One line of a video's journal: every event the worker emitted about it, kept for the console. */
export const JournalEntry = z.object({
  id: z.number().int(),
  videoId: z.uuid(),
  at: z.iso.datetime({ offset: true }),
  attempt: z.number().int().min(0),
  type: z.string(),
  status: VideoStatus.nullable(),
  level: z.enum(['debug', 'info', 'warn', 'error']),
  message: z.string(),
  data: z.record(z.string(), z.unknown()).nullable()
})
export type JournalEntry = z.infer<typeof JournalEntry>

export const VideoDetail = z.object({
  video: Video,
  /** The parsed analysis when `analysisResult` holds one. */
  analysis: Analysis.nullable(),
  journal: z.array(JournalEntry)
})
export type VideoDetail = z.infer<typeof VideoDetail>

export const VideoSortKey = z.enum(['createdAt', 'updatedAt', 'title', 'processingStatus', 'attempts'])
export const VideoQuery = z.object({
  status: z.array(VideoStatus).optional(),
  /** As the console shows states: `failed` leaves out cancelled videos, `cancelled` is only them. */
  display: z.array(DisplayStatus).optional(),
  /** Failed videos of these causes only (a row without a cause counts as `other`). */
  causes: z.array(FailureCause).optional(),
  /** Completed videos analysed by this engine only. */
  analyzer: z.enum(['gemini', 'local']).optional(),
  /** Videos whose row changed at or after this time. */
  updatedSince: z.iso.datetime({ offset: true }).optional(),
  /**
   * Case-insensitive: an id prefix, or a substring of the title, of the source's path, URL or
   * key, or of a failed video's error text.
   */
  search: z.string().max(200).optional(),
  sort: VideoSortKey.default('createdAt'),
  order: z.enum(['asc', 'desc']).default('desc'),
  limit: z.number().int().min(1).max(20_000).default(500),
  offset: z.number().int().min(0).default(0)
})
export type VideoQuery = z.input<typeof VideoQuery>
export type VideoQueryParsed = z.output<typeof VideoQuery>

export const VideoPage = z.object({ items: z.array(Video), total: z.number().int().min(0) })
export type VideoPage = z.infer<typeof VideoPage>
