import { z } from 'zod'
import { Analysis, VideoMetadata } from './analysis'
import { VideoQuery } from './video'

/** A JPEG still of a video, inline (the console shows it without another request). */
export const Still = z.object({ time: z.number().min(0), dataUrl: z.string().startsWith('data:image/jpeg;base64,') })
export type Still = z.infer<typeof Still>

/** What can be learnt about a video's media file now, for the evidence panel. */
export const MediaFacts = z.object({
  /** The local file the source names, or null for sources kept elsewhere (their downloads are removed after each attempt). */
  path: z.string().nullable(),
  present: z.boolean(),
  /** In words, why there is no file or nothing more to show. */
  note: z.string().nullable(),
  sizeBytes: z.number().int().min(0).nullable(),
  metadata: VideoMetadata.nullable(),
  /** What ffprobe said when it could not read the file. */
  probeError: z.string().nullable(),
  stills: z.array(Still)
})
export type MediaFacts = z.infer<typeof MediaFacts>

/** One saved analysis of a video: each completed attempt keeps its own, so runs can be compared. */
export const AnalysisRun = z.object({ attempt: z.number().int().min(0), at: z.iso.datetime({ offset: true }), analysis: Analysis })
export type AnalysisRun = z.infer<typeof AnalysisRun>

/** The list filter a bulk action applies to (the same as the list's, without paging). */
export const BulkFilter = VideoQuery.pick({ display: true, causes: true, analyzer: true, updatedSince: true, search: true })
export type BulkFilter = z.infer<typeof BulkFilter>

export const BulkTarget = z.object({
  filter: BulkFilter.optional(),
  /** These videos only (still narrowed by `filter` when both are given). */
  ids: z.array(z.uuid()).max(20_000).optional(),
  /** Count without changing anything, for the confirmation. */
  dryRun: z.boolean().default(false)
})

/** What a bulk action did (or would do, on a dry run): how many matched, acted, and why the rest were skipped. */
export const BulkOutcome = z.object({
  matched: z.number().int().min(0),
  done: z.number().int().min(0),
  skipped: z.array(z.object({ reason: z.string(), count: z.number().int().min(1) }))
})
export type BulkOutcome = z.infer<typeof BulkOutcome>

/** Whether this configuration can process a kind of source, and if not, what to set. */
export const SourceCapability = z.object({
  kind: z.enum(['file', 'http', 's3', 'youtube']),
  available: z.boolean(),
  reason: z.string().nullable(),
  /** For s3: the bucket used when none is given. */
  defaultBucket: z.string().nullable()
})
export type SourceCapability = z.infer<typeof SourceCapability>

/** A debug bundle: one zip with what a colleague needs to see why a video failed. */
export const DebugBundle = z.object({
  fileName: z.string(),
  base64: z.string(),
  files: z.array(z.object({ name: z.string(), bytes: z.number().int().min(0) }))
})
export type DebugBundle = z.infer<typeof DebugBundle>
