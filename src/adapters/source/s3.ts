import { open } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import pLimit from 'p-limit'
import { JobError } from '../../core/errors'
import type { FetchContext, FetchedVideo, Source } from '../../core/ports'
import type { VideoSource } from '../../shared/video-source'
import type { AwsClientOptions } from '../aws-clients'
import { createS3Client } from '../aws-clients'
import { httpStatusOf } from '../aws-errors'
import { s3JobError } from './s3-errors'
import { pathInside, safeFileName } from './s3-filename'
import { downloadPart, parseContentRange, type PartJob } from './s3-part'

/** Options the composition root fills from config (`AWS_S3_BUCKET`, AWS settings). */
export interface S3SourceOptions {
  /** `AWS_S3_BUCKET`: used when a message names no bucket. */
  bucket?: string
  aws?: AwsClientOptions
  /** A ready client (tests); not destroyed by this source. */
  client?: S3Client
  /** Times a broken body stream is resumed with a Range request before the job fails (retryably). Default 5. */
  maxResumes?: number
  /** Pause before a resume, doubled each time. Default 500 ms. */
  resumeDelayMs?: number
  /** An object larger than this comes in parts of this size, fetched side by side. Default 16 MiB. */
  partSizeBytes?: number
  /** Parts fetched at once. Default 4; 1 reads every object as one stream. */
  parallelParts?: number
}

const PROGRESS_STEP = 1 << 20

/**
 * Streams S3 objects into the job directory: never buffered whole, a torn stream resumed with
 * a Range request. The first request asks for the first part; its Content-Range tells the
 * object's size, and a larger object's other parts follow side by side, each written at its
 * own offset and each asking for the same version (If-Match), so one slow connection does not
 * set the pace. A server that ignores Range sends the whole object, read as one stream.
 */
export function createS3Source(opts: S3SourceOptions = {}): Source & { close(): void } {
  const client = opts.client ?? createS3Client(opts.aws)
  const partSize = opts.partSizeBytes ?? 16 << 20
  const parallel = Math.max(1, opts.parallelParts ?? 4)
  return {
    name: 's3',
    kinds: ['s3'],
    async fetch(source: VideoSource, ctx: FetchContext): Promise<FetchedVideo> {
      if (source.kind !== 's3') throw new Error(`s3 source cannot fetch ${source.kind} videos`)
      const bucket = source.bucket ?? opts.bucket
      if (!bucket)
        throw new JobError(`S3 key ${JSON.stringify(source.key)} names no bucket and AWS_S3_BUCKET is not set`, { failure: 'bad-message', retryable: false })
      const where = `s3://${bucket}/${source.key}`
      const dest = pathInside(ctx.dir, safeFileName(source.key))
      const first = await firstResponse(client, bucket, source.key, parallel > 1 ? partSize : null, ctx.signal, where)
      const range = parseContentRange(first.ContentRange)
      const total = range ? range.total : (first.ContentLength ?? null)
      const parts = plan(range?.end ?? null, total, partSize)
      ctx.log(`downloading ${where}${total !== null ? ` (${total} bytes${parts.length > 1 ? `, ${parts.length} parts, ${parallel} at once` : ''})` : ''}`)
      const file = await open(dest, 'w').catch((error: unknown) => {
        ;(first.Body as Readable | undefined)?.destroy()
        throw error
      })
      try {
        const base: Omit<PartJob, 'start' | 'end' | 'onBytes' | 'signal'> = {
          client,
          bucket,
          key: source.key,
          where,
          file,
          total,
          etag: first.ETag,
          maxResumes: opts.maxResumes ?? 5,
          resumeDelayMs: opts.resumeDelayMs ?? 500,
          log: ctx.log
        }
        const written = await fetchParts(base, parts, first, parallel, ctx).catch(async (error: unknown) => {
          // Parts that landed around a hole would make the file look whole: none is left behind.
          if (parts.length > 1) await file.truncate(0).catch(() => undefined)
          throw error
        })
        if (total !== null && written !== total)
          throw new JobError(`S3 download of ${where} is incomplete: got ${written} of ${total} bytes`, { failure: 'other', retryable: true })
        ctx.onProgress(written, total ?? written)
        return { kind: 'file', path: dest, sizeBytes: written, temporary: true }
      } finally {
        await file.close()
      }
    },
    close() {
      if (!opts.client) client.destroy()
    }
  }
}

/**
 * Runs the parts, `parallel` at once, and returns the bytes written. The first part to fail
 * stops the others, and its error is the one thrown: the job fails (or retries) as a whole.
 */
async function fetchParts(
  base: Omit<PartJob, 'start' | 'end' | 'onBytes' | 'signal'>,
  parts: { start: number; end: number | null }[],
  first: GetObjectCommandOutput,
  parallel: number,
  ctx: FetchContext
): Promise<number> {
  const received = parts.map(() => 0)
  let lastReport = 0
  const report = () => {
    const bytes = received.reduce((a, b) => a + b, 0)
    if (Math.abs(bytes - lastReport) < PROGRESS_STEP && bytes !== base.total) return
    lastReport = bytes
    ctx.onProgress(bytes, base.total)
  }
  ctx.onProgress(0, base.total)
  const stop = new AbortController()
  const signal = AbortSignal.any([ctx.signal, stop.signal])
  const limit = pLimit(parallel)
  const results = await Promise.allSettled(
    parts.map((part, i) =>
      limit(() => {
        // A part still waiting for its turn when the download stopped never asks.
        signal.throwIfAborted()
        const onBytes = (bytes: number) => {
          received[i] = bytes
          report()
        }
        return downloadPart({ ...base, ...part, ...(i === 0 ? { first } : {}), signal, onBytes })
      }).catch((error: unknown) => {
        stop.abort(error)
        throw error
      })
    )
  )
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [r.reason as unknown] : []))
  if (errors.length > 0) {
    ;(first.Body as Readable | undefined)?.destroy()
    // The part that failed explains it; the others were only stopped (unless the job was).
    throw (ctx.signal.aborted ? undefined : errors.find((e) => !(e instanceof Error && e.name === 'AbortError'))) ?? errors[0]
  }
  return results.reduce((sum, r) => sum + (r.status === 'fulfilled' ? r.value : 0), 0)
}

/**
 * The first request: the first part when parts are on (an object no larger comes whole), else
 * the whole object. An empty object cannot answer a range (416), and a range without the
 * object's size cannot be planned from: both are asked for whole.
 */
async function firstResponse(client: S3Client, bucket: string, key: string, partSize: number | null, signal: AbortSignal, where: string): Promise<GetObjectCommandOutput> {
  const get = (range?: string) => client.send(new GetObjectCommand({ Bucket: bucket, Key: key, ...(range ? { Range: range } : {}) }), { abortSignal: signal })
  try {
    if (partSize === null) return await get()
    const out = await get(`bytes=0-${partSize - 1}`).catch((error: unknown) => {
      if (httpStatusOf(error) === 416 && !signal.aborted) return null
      throw error
    })
    if (out && (out.ContentRange === undefined || parseContentRange(out.ContentRange)?.total !== null)) return out
    // Empty (416), or a range without the object's size: the whole object as one stream.
    ;(out?.Body as Readable | undefined)?.destroy()
    return await get()
  } catch (error) {
    if (signal.aborted) throw error
    throw s3JobError(error, where)
  }
}

/** The byte ranges to fetch: the first one as answered, the rest in parts of `partSize`. */
export function plan(firstEnd: number | null, total: number | null, partSize: number): { start: number; end: number | null }[] {
  if (total === null) return [{ start: 0, end: firstEnd }]
  if (total === 0) return [{ start: 0, end: -1 }]
  const head = firstEnd === null ? total - 1 : Math.min(firstEnd, total - 1)
  const parts = [{ start: 0, end: head }]
  for (let start = head + 1; start < total; start += partSize) parts.push({ start, end: Math.min(total, start + partSize) - 1 })
  return parts
}
