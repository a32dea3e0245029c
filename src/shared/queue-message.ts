import { z } from 'zod'
import { VideoSource } from './video-source'

/**
 * Queue message formats accepted by the worker:
 * - the producers' snake_case JSON, the format the worker began with (`SeedMessage`): `{ video_id, source_type: 's3'|'youtube'|'file'|'http', s3_key, s3_bucket, youtube_url, youtube_id, file_path, url, title }`
 * - the same with camelCase keys (`videoId`, `sourceType`, `s3Key`, …)
 * - S3 event notifications (`{ Records: [{ eventSource: 'aws:s3', s3: { bucket: { name }, object: { key } } }] }`)
 * Everything is normalised to {@link VideoJob} by core's `parseQueueMessage`, which never throws.
 */
export const VideoJob = z.object({
  videoId: z.uuid(),
  title: z.string().max(500).optional(),
  source: VideoSource,
  /** The row generation the message was sent for (messages this app sends); absent from other producers. */
  generation: z.number().int().min(0).optional(),
  /**
   * `s3-event`: the job comes from an S3 event notification, which nobody made a row for, so the
   * store creates it (a seed message's row is made by its producer, and a missing one is an error).
   */
  origin: z.enum(['s3-event']).optional()
})
export type VideoJob = z.infer<typeof VideoJob>

export const SourceType = z.enum(['s3', 'youtube', 'file', 'http', 'url'])

export const SeedMessage = z
  .object({
    video_id: z.string(),
    source_type: SourceType,
    title: z.string().optional(),
    s3_key: z.string().optional(),
    s3_bucket: z.string().optional(),
    youtube_url: z.string().optional(),
    youtube_id: z.string().optional(),
    file_path: z.string().optional(),
    url: z.string().optional(),
    generation: z.number().int().min(0).optional()
  })
  .loose()

export const CamelMessage = z
  .object({
    videoId: z.string(),
    sourceType: SourceType,
    title: z.string().optional(),
    s3Key: z.string().optional(),
    s3Bucket: z.string().optional(),
    youtubeUrl: z.string().optional(),
    youtubeId: z.string().optional(),
    filePath: z.string().optional(),
    url: z.string().optional(),
    generation: z.number().int().min(0).optional()
  })
  .loose()

export const S3EventRecord = z
  .object({
    eventSource: z.literal('aws:s3').optional(),
    eventName: z.string().optional(),
    s3: z.object({
      bucket: z.object({ name: z.string().min(1) }),
      object: z.object({ key: z.string().min(1), size: z.number().optional(), versionId: z.string().min(1).optional(), sequencer: z.string().min(1).optional() })
    })
  })
  .loose()
export const S3Event = z.object({ Records: z.array(S3EventRecord).min(1) }).loose()
export const S3TestEvent = z.object({ Event: z.literal('s3:TestEvent') }).loose()

