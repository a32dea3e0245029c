import { createHash } from 'node:crypto'
import { z } from 'zod'
import type { S3EventRecord } from '../shared/queue-message'
import { CamelMessage, S3Event, S3TestEvent, SeedMessage, SourceType, VideoJob } from '../shared/queue-message'

export type ParsedMessage =
  | { kind: 'jobs'; jobs: VideoJob[] }
  /** Nothing to do (S3's test event): delete the message quietly. */
  | { kind: 'ignore'; reason: string }
  /** Not understood. `videoId` is set when one could be read, so that video can be marked failed. */
  | { kind: 'invalid'; reason: string; videoId?: string; unsupportedSource?: true }

interface Flat {
  videoId: string
  sourceType: z.infer<typeof SourceType>
  title?: string | undefined
  s3Key?: string | undefined
  s3Bucket?: string | undefined
  youtubeUrl?: string | undefined
  youtubeId?: string | undefined
  filePath?: string | undefined
  url?: string | undefined
  generation?: number | undefined
}

/** Parses a raw queue message body. Never throws: a bad message is a value, not a crash. */
export function parseQueueMessage(body: string): ParsedMessage {
  let json: unknown
  try {
    json = JSON.parse(body)
  } catch {
    return { kind: 'invalid', reason: `message body is not JSON (starts with ${JSON.stringify(body.slice(0, 40))})` }
  }
  if (S3TestEvent.safeParse(json).success) return { kind: 'ignore', reason: 'S3 test event' }
  const s3 = S3Event.safeParse(json)
  if (s3.success) {
    // Only uploads make videos: a removal, restore or replication event has nothing to analyse.
    const created = s3.data.Records.filter((r) => r.eventName === undefined || r.eventName.startsWith('ObjectCreated:'))
    if (created.length === 0) return { kind: 'ignore', reason: `S3 ${s3.data.Records[0]?.eventName ?? 'event'} (not an upload)` }
    return { kind: 'jobs', jobs: created.map(fromS3Record) }
  }

  const seed = SeedMessage.safeParse(json)
  if (seed.success) {
    const d = seed.data
    return fromFlat({
      videoId: d.video_id,
      sourceType: d.source_type,
      title: d.title,
      s3Key: d.s3_key,
      s3Bucket: d.s3_bucket,
      youtubeUrl: d.youtube_url,
      youtubeId: d.youtube_id,
      filePath: d.file_path,
      url: d.url,
      generation: d.generation
    })
  }
  const camel = CamelMessage.safeParse(json)
  if (camel.success) return fromFlat(camel.data)

  const videoId = readVideoId(json)
  // A well-formed job naming a kind of source this worker does not know is about the source, not the message.
  const kind = readSourceType(json)
  if (videoId && kind && !SourceTypeNames.includes(kind)) {
    return { kind: 'invalid', reason: `source_type "${kind}" is not supported: use s3, youtube, file or http`, videoId, unsupportedSource: true }
  }
  return {
    kind: 'invalid',
    reason:
      'message is not a video job: expected {"video_id": "<uuid>", "source_type": "s3"|"youtube"|"file"|"http", ...} ' +
      `or an S3 event notification (${firstIssue(seed.error)})`,
    ...(videoId ? { videoId } : {})
  }
}

function fromFlat(m: Flat): ParsedMessage {
  const id = z.uuid().safeParse(m.videoId)
  if (!id.success) return { kind: 'invalid', reason: `video_id ${JSON.stringify(m.videoId)} is not a UUID` }
  const videoId = id.data
  const bad = (reason: string): ParsedMessage => ({ kind: 'invalid', reason, videoId })
  let source: unknown
  switch (m.sourceType) {
    case 's3':
      if (!m.s3Key) return bad('source_type "s3" needs s3_key')
      source = { kind: 's3', key: m.s3Key, ...(m.s3Bucket ? { bucket: m.s3Bucket } : {}) }
      break
    case 'youtube': {
      const url = m.youtubeUrl ?? (m.youtubeId ? `https://www.youtube.com/watch?v=${m.youtubeId}` : undefined)
      if (!url) return bad('source_type "youtube" needs youtube_url or youtube_id')
      source = { kind: 'youtube', url, ...(m.youtubeId ? { youtubeId: m.youtubeId } : {}) }
      break
    }
    case 'file':
      if (!m.filePath) return bad('source_type "file" needs file_path')
      source = { kind: 'file', path: m.filePath }
      break
    case 'http':
    case 'url':
      if (!m.url) return bad(`source_type "${m.sourceType}" needs url`)
      source = { kind: 'http', url: m.url }
      break
  }
  const job = VideoJob.safeParse({ videoId, source, ...(m.title !== undefined ? { title: m.title } : {}), ...(m.generation !== undefined ? { generation: m.generation } : {}) })
  if (!job.success) return bad(`invalid ${m.sourceType} source: ${firstIssue(job.error)}`)
  return { kind: 'jobs', jobs: [job.data] }
}

/**
 * A video per upload: the id comes from bucket, key and the object's version id (versioned
 * buckets) or the event's sequencer (unique per write of a key), so uploading a key again is a
 * new video while a repeated delivery of the same notification is the same one. A record with
 * neither (hand-made) falls back to bucket and key.
 */
function fromS3Record(record: z.infer<typeof S3EventRecord>): VideoJob {
  // S3 URL-encodes keys in notifications, with '+' for spaces.
  const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '))
  const bucket = record.s3.bucket.name
  const name = key.split('/').pop() ?? key
  const { versionId, sequencer } = record.s3.object
  const write = versionId ? `?versionId=${versionId}` : sequencer ? `#${sequencer}` : ''
  return { videoId: uuidFromName(`s3://${bucket}/${key}${write}`), title: name, source: { kind: 's3', bucket, key }, origin: 's3-event' }
}

/** A stable UUID (v5 layout, SHA-1) for a name, so the same S3 object always maps to the same video. */
export function uuidFromName(name: string): string {
  const h = createHash('sha1').update(`video-processor:${name}`).digest()
  h[6] = (h[6]! & 0x0f) | 0x50
  h[8] = (h[8]! & 0x3f) | 0x80
  const hex = h.subarray(0, 16).toString('hex')
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`
}

function readVideoId(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined
  const o = json as Record<string, unknown>
  const id = o['video_id'] ?? o['videoId']
  return z.uuid().safeParse(id).success ? (id as string) : undefined
}

const SourceTypeNames: readonly string[] = SourceType.options

function readSourceType(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined
  const o = json as Record<string, unknown>
  const kind = o['source_type'] ?? o['sourceType']
  return typeof kind === 'string' && kind.length > 0 ? kind : undefined
}

function firstIssue(error: z.ZodError): string {
  const issue = error.issues[0]
  if (!issue) return 'unknown problem'
  const path = issue.path.length ? issue.path.join('.') : 'message'
  return `${path}: ${issue.message}`
}
