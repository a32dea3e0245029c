import { randomUUID } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import type { S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import type { VideoSource } from '../../shared/video-source'
import type { AwsClientOptions } from '../aws-clients'
import { createS3Client } from '../aws-clients'
import { describeAwsError } from '../aws-errors'
import { safeFileName } from './s3-filename'

export interface UploadToS3Options {
  /** Local file to upload (streamed from disk, never read whole). */
  filePath: string
  /** `AWS_S3_BUCKET`. */
  bucket: string
  /** Object key; default {@link uploadKey} of the file name. */
  key?: string
  /** Video id, used by the default key (`uploads/<videoId>/<name>`). */
  videoId?: string
  aws?: AwsClientOptions
  client?: S3Client
  /** Multipart part size; default 8 MiB (fits servers that cap request bodies at 11 MiB). */
  partSizeBytes?: number
  /** Parts in flight at once; default 4. */
  queueSize?: number
  contentType?: string
  onProgress?(loaded: number, total: number): void
  signal?: AbortSignal
}

export interface UploadedObject {
  bucket: string
  key: string
  sizeBytes: number
  etag: string | null
}

export const DEFAULT_PART_SIZE = 8 * 1024 * 1024

/** The key `enqueue` gives a local file: `uploads/<videoId>/<safe name>`. */
export function uploadKey(filePath: string, videoId?: string): string {
  const name = safeFileName(basename(filePath))
  return videoId ? `uploads/${videoId}/${name}` : `uploads/${name}`
}

/**
 * Uploads a local file to S3 with multipart parts (`@aws-sdk/lib-storage`), for
 * `video-processor enqueue` before it sends the S3 message. Failed uploads abort their parts.
 */
export async function uploadToS3(opts: UploadToS3Options): Promise<UploadedObject> {
  const { size } = await stat(opts.filePath)
  const key = opts.key ?? uploadKey(opts.filePath, opts.videoId)
  const client = opts.client ?? createS3Client(opts.aws)
  const upload = new Upload({
    client,
    params: {
      Bucket: opts.bucket,
      Key: key,
      Body: createReadStream(opts.filePath),
      ...(opts.contentType ? { ContentType: opts.contentType } : {})
    },
    partSize: opts.partSizeBytes ?? DEFAULT_PART_SIZE,
    queueSize: opts.queueSize ?? 4,
    leavePartsOnError: false
  })
  const onAbort = () => void upload.abort()
  opts.signal?.addEventListener('abort', onAbort, { once: true })
  if (opts.onProgress) upload.on('httpUploadProgress', (p) => opts.onProgress?.(p.loaded ?? 0, p.total ?? size))
  try {
    const out = await upload.done()
    return { bucket: opts.bucket, key, sizeBytes: size, etag: out.ETag ?? null }
  } catch (error) {
    if (opts.signal?.aborted) throw error
    throw new Error(`upload of ${opts.filePath} to s3://${opts.bucket}/${key} failed: ${describeAwsError(error)}`, { cause: error })
  } finally {
    opts.signal?.removeEventListener('abort', onAbort)
    if (!opts.client) client.destroy()
  }
}

/**
 * For `enqueue` on a shared queue: a local file becomes an S3 source (uploaded first), so a
 * worker on another machine can fetch it. Other sources come back unchanged. Without a
 * `videoId` the key gets a fresh UUID folder, so two files of the same name never collide.
 */
export async function fileSourceToS3(source: VideoSource, opts: Omit<UploadToS3Options, 'filePath' | 'key'>): Promise<VideoSource> {
  if (source.kind !== 'file') return source
  const up = await uploadToS3({ ...opts, videoId: opts.videoId ?? randomUUID(), filePath: source.path })
  return { kind: 's3', bucket: up.bucket, key: up.key }
}
