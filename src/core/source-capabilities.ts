import { ConsoleApiError } from '../shared/console-api'
import type { SourceCapability } from '../shared/debugging'
import type { VideoSource } from '../shared/video-source'
import { checkLocalMedia, LocalMediaRefused, type LocalMediaRules } from './local-media'
import type { Ports } from './ports'

const KINDS = ['file', 'http', 's3', 'youtube'] as const
const PROBE_YOUTUBE: VideoSource = { kind: 'youtube', url: 'https://www.youtube.com/watch?v=capability' }

/** Which kinds of source this configuration can process, with what to set for the others. */
export function sourceCapabilities(ports: Pick<Ports, 'sources' | 'analyzer'>, defaultBucket: string | null): SourceCapability[] {
  return KINDS.map((kind) => {
    const served = ports.sources.some((s) => s.kinds.includes(kind))
    let reason: string | null = null
    if (!served) reason = kind === 's3' ? 'S3 is not configured: set AWS_S3_BUCKET and AWS credentials' : `no source is configured for ${kind} videos`
    // A YouTube video is never downloaded: only an analyzer that takes its URL can process it.
    else if (kind === 'youtube' && !ports.analyzer.acceptsUrl(PROBE_YOUTUBE)) reason = 'YouTube videos need the Gemini analyzer: set GEMINI_API_KEY'
    return { kind, available: reason === null, reason, defaultBucket: kind === 's3' ? defaultBucket : null }
  })
}

/**
 * Refuses, before anything is queued, a source this configuration can never process, naming what
 * to fix: the same rules for the console's add dialog, the CLI and the HTTP API.
 */
export async function checkEnqueue(source: VideoSource, capabilities: SourceCapability[], opts: { localFilesReadHere: boolean; localMedia: LocalMediaRules }): Promise<void> {
  const capability = capabilities.find((c) => c.kind === source.kind)
  if (capability && !capability.available) throw new ConsoleApiError('bad-request', `cannot process ${source.kind} videos here: ${capability.reason}`)
  if (source.kind === 's3' && !source.bucket && !capability?.defaultBucket)
    throw new ConsoleApiError('bad-request', `s3 key ${source.key} names no bucket and AWS_S3_BUCKET is not set: give s3://bucket/key`)
  if (source.kind === 'file' && opts.localFilesReadHere) {
    await checkLocalMedia(source.path, opts.localMedia).catch((error: unknown) => {
      if (error instanceof LocalMediaRefused) throw new ConsoleApiError('bad-request', error.message)
      throw error
    })
  }
}
