import type { FileHandle } from 'node:fs/promises'
import { Writable, type Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import type { GetObjectCommandOutput, S3Client } from '@aws-sdk/client-s3'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { JobError } from '../../core/errors'
import { describeAwsError, errorName, httpStatusOf } from '../aws-errors'
import { s3JobError } from './s3-errors'

/** One byte range of an object, written at its own offset of the destination file. */
export interface PartJob {
  client: S3Client
  bucket: string
  key: string
  /** `s3://bucket/key`, for messages. */
  where: string
  /** The destination file, open for writing; each part writes at its own offset. */
  file: FileHandle
  start: number
  /** Last byte, inclusive; null when the object's size is unknown (read to the end). */
  end: number | null
  /** The object's size when known, for messages. */
  total: number | null
  /** Every request after the first asks for this version: a changed object fails with 412. */
  etag: string | undefined
  /** The response that already carries this part's bytes (the download's first request). */
  first?: GetObjectCommandOutput
  signal: AbortSignal
  maxResumes: number
  resumeDelayMs: number
  /** Bytes of this part received so far (set back to what reached the disk after a break). */
  onBytes(bytes: number): void
  log(message: string): void
}

/** Enough to let the socket be read while a write is in flight, small beside the memory budget. */
const WRITE_BUFFER = 1 << 20

/**
 * Downloads one part, resuming a torn stream with a Range request from the bytes that reached
 * the disk. Returns the bytes written. A part that starts at 0 and runs to the object's end may
 * meet a server that ignores Range: it starts over; any other part then fails (retryably).
 */
export async function downloadPart(job: PartJob): Promise<number> {
  const { where, start, end, signal } = job
  const length = end === null ? null : end - start + 1
  const whole = start === 0 && (end === null || end + 1 === job.total)
  let done = 0
  let out = job.first
  if (length === 0) {
    ;(out?.Body as Readable | undefined)?.destroy()
    return 0
  }
  for (let resumes = 0; length === null || done < length; ) {
    if (!out) {
      try {
        out = await job.client.send(
          new GetObjectCommand({
            Bucket: job.bucket,
            Key: job.key,
            Range: `bytes=${start + done}-${end ?? ''}`,
            ...(job.etag ? { IfMatch: job.etag } : {})
          }),
          { abortSignal: signal }
        )
      } catch (error) {
        if (signal.aborted) throw error
        if (errorName(error) === 'PreconditionFailed' || httpStatusOf(error) === 412)
          throw new JobError(`S3 object ${where} changed during the download`, { failure: 'other', retryable: true, cause: error })
        const jobError = s3JobError(error, where)
        if (!jobError.retryable || resumes >= job.maxResumes) throw jobError
        job.log(`S3 resume of ${where} failed (${describeAwsError(error)}); trying again`)
        await sleep(job.resumeDelayMs * 2 ** resumes++, undefined, { signal })
        continue
      }
      if (!rangeStartsAt(out.ContentRange, start + done)) {
        // A whole object sent again (200, no Content-Range) is usable only by a part that covers it all.
        if (!whole || out.ContentRange !== undefined) {
          ;(out.Body as Readable | undefined)?.destroy()
          throw new JobError(`the S3 server ignored the byte range asked for ${where}`, { failure: 'network', retryable: true })
        }
        // Start over rather than append a second copy.
        await job.file.truncate(0)
        done = 0
        job.onBytes(0)
      }
    }
    const body = out.Body as Readable
    out = undefined
    const writer = new PositionalWriter(job.file, start + done)
    let received = done
    body.on('data', (chunk: Buffer) => job.onBytes((received += chunk.length)))
    try {
      await pipeline(body, writer, { signal })
      done += writer.written
      if (length === null) break
      if (done < length) throw new Error(`the stream ended after ${done} of ${length} bytes`)
    } catch (error) {
      if (signal.aborted) throw error
      // What reached the disk is what counts; buffered bytes of a torn stream are lost.
      done += await writer.settled()
      job.onBytes(done)
      if (resumes >= job.maxResumes)
        throw new JobError(`S3 download of ${where} broke off ${resumes + 1} times (last at ${start + done} bytes): ${describeAwsError(error)}`, {
          failure: 'network',
          retryable: true,
          cause: error })
      job.log(
        `S3 download of ${where} broke off at ${start + done}${job.total !== null ? ` of ${job.total}` : ''} bytes (${describeAwsError(error)}); resuming with a Range request`
      )
      await sleep(job.resumeDelayMs * 2 ** resumes++, undefined, { signal })
    }
  }
  return done
}

/**
 * Writes a stream at a fixed offset of an open file, counting exactly the bytes that reached
 * it, including a write still in flight when the stream was torn (awaited by `settled`).
 */
class PositionalWriter extends Writable {
  written = 0
  private inflight: Promise<void> = Promise.resolve()

  constructor(
    private readonly file: FileHandle,
    private readonly offset: number
  ) {
    super({ highWaterMark: WRITE_BUFFER })
  }

  override _writev(chunks: { chunk: Buffer }[], callback: (error?: Error | null) => void): void {
    this.inflight = this.writeAll(chunks.map((c) => c.chunk))
    this.inflight.then(() => callback(), callback)
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this._writev([{ chunk }], callback)
  }

  /** Bytes written once no write is in flight any more. */
  async settled(): Promise<number> {
    await this.inflight.catch(() => undefined)
    return this.written
  }

  private async writeAll(buffers: Buffer[]): Promise<void> {
    const size = buffers.reduce((n, b) => n + b.length, 0)
    const { bytesWritten } = await this.file.writev(buffers, this.offset + this.written)
    this.written += bytesWritten
    // A short write (rare on a regular file): the rest goes out as one buffer.
    let rest = bytesWritten < size ? Buffer.concat(buffers).subarray(bytesWritten) : null
    while (rest && rest.length > 0) {
      const { bytesWritten: n } = await this.file.write(rest, 0, rest.length, this.offset + this.written)
      this.written += n
      rest = rest.subarray(n)
    }
  }
}

/** `bytes 0-99/1234` → its start, end and total (null when the server sent `*`). */
export function parseContentRange(value: string | undefined): { start: number; end: number; total: number | null } | null {
  const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(value ?? '')
  if (!m) return null
  return { start: Number(m[1]), end: Number(m[2]), total: m[3] === '*' ? null : Number(m[3]) }
}

function rangeStartsAt(contentRange: string | undefined, start: number): boolean {
  return parseContentRange(contentRange)?.start === start
}
