import { createWriteStream } from 'node:fs'
import { stat, truncate } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { JobError } from '../../core/errors'
import type { FetchContext, FetchedVideo, Source } from '../../core/ports'
import type { VideoSource } from '../../shared/video-source'
import type { AwsClientOptions } from '../aws-clients'
import { createS3Client } from '../aws-clients'
import { describeAwsError, errorName, httpStatusOf } from '../aws-errors'
import { s3JobError } from './s3-errors'
import { pathInside, safeFileName } from './s3-filename'

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
}

const PROGRESS_STEP = 1 << 20

/** Streams S3 objects into the job directory: never buffered whole, resumed after a broken stream. */
export function createS3Source(opts: S3SourceOptions = {}): Source & { close(): void } {
  const client = opts.client ?? createS3Client(opts.aws)
  const maxResumes = opts.maxResumes ?? 5
  return {
    name: 's3',
    kinds: ['s3'],
    async fetch(source: VideoSource, ctx: FetchContext): Promise<FetchedVideo> {
      if (source.kind !== 's3') throw new Error(`s3 source cannot fetch ${source.kind} videos`)
      const bucket = source.bucket ?? opts.bucket
      if (!bucket)
        throw new JobError(`S3 key ${JSON.stringify(source.key)} names no bucket and AWS_S3_BUCKET is not set`, { cause: 'bad-message', retryable: false })
      const where = `s3://${bucket}/${source.key}`
      const dest = pathInside(ctx.dir, safeFileName(source.key))
      let written = 0
      let total: number | null = null
      let etag: string | undefined
      let lastReport = 0
      const report = (bytes: number) => {
        if (bytes - lastReport < PROGRESS_STEP && bytes !== total) return
        lastReport = bytes
        ctx.onProgress(bytes, total)
      }
      for (let resumes = 0; ; resumes++) {
        let out: GetObjectCommandOutput
        try {
          out = await client.send(
            new GetObjectCommand({
              Bucket: bucket,
              Key: source.key,
              // A resume asks for the rest of the same version: a changed object fails with 412.
              ...(written > 0 ? { Range: `bytes=${written}-`, ...(etag ? { IfMatch: etag } : {}) } : {})
            }),
            { abortSignal: ctx.signal }
          )
        } catch (error) {
          if (ctx.signal.aborted) throw error
          if (written > 0 && (errorName(error) === 'PreconditionFailed' || httpStatusOf(error) === 412))
            throw new JobError(`S3 object ${where} changed during the download`, { cause: 'other', retryable: true, error })
          if (written > 0 && written === total && httpStatusOf(error) === 416) break
          const jobError = s3JobError(error, where)
          if (!jobError.retryable || resumes >= maxResumes || written === 0) throw jobError
          ctx.log(`S3 resume of ${where} failed (${describeAwsError(error)}); trying again`)
          await sleep((opts.resumeDelayMs ?? 500) * 2 ** resumes, undefined, { signal: ctx.signal })
          continue
        }
        if (written === 0) {
          total = out.ContentLength ?? null
          etag = out.ETag
          ctx.log(`downloading ${where}${total !== null ? ` (${total} bytes)` : ''}`)
          ctx.onProgress(0, total)
        } else if (!rangeStartsAt(out.ContentRange, written)) {
          // The server ignored the Range: start over rather than append a second copy.
          written = 0
          lastReport = 0
          await truncate(dest, 0)
        }
        const counter = progressCounter(written, report)
        try {
          await pipeline(out.Body as Readable, counter, createWriteStream(dest, { flags: written > 0 ? 'a' : 'w' }), { signal: ctx.signal })
          written = (await stat(dest)).size
          break
        } catch (error) {
          if (ctx.signal.aborted) throw error
          // What reached the disk is what counts; buffered bytes of a torn stream are lost.
          written = await stat(dest).then((s) => s.size, () => 0)
          if (resumes >= maxResumes)
            throw new JobError(`S3 download of ${where} broke off ${resumes + 1} times (last at ${written} bytes): ${describeAwsError(error)}`, {
              cause: 'network',
              retryable: true,
              error
            })
          ctx.log(`S3 download of ${where} broke off at ${written}${total !== null ? ` of ${total}` : ''} bytes (${describeAwsError(error)}); resuming with a Range request`)
          await sleep((opts.resumeDelayMs ?? 500) * 2 ** resumes, undefined, { signal: ctx.signal })
        }
      }
      if (total !== null && written !== total)
        throw new JobError(`S3 download of ${where} is incomplete: got ${written} of ${total} bytes`, { cause: 'other', retryable: true })
      ctx.onProgress(written, total ?? written)
      return { kind: 'file', path: dest, sizeBytes: written, temporary: true }
    },
    close() {
      if (!opts.client) client.destroy()
    }
  }
}

function rangeStartsAt(contentRange: string | undefined, start: number): boolean {
  const m = /^bytes (\d+)-/.exec(contentRange ?? '')
  return m !== null && Number(m[1]) === start
}

function progressCounter(start: number, report: (bytes: number) => void): Transform {
  let bytes = start
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length
      report(bytes)
      done(null, chunk)
    }
  })
}
