import { createReadStream } from 'node:fs'
import { open, type FileHandle } from 'node:fs/promises'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import { setTimeout as sleep } from 'node:timers/promises'
import { ApiError } from '@google/genai'
import { z } from 'zod'
import { JobError } from '../../core/errors'
import { classify } from './gemini-errors'

/**
 * Our own client for the Files API's resumable upload (start, chunks at offsets, finalize; `query`
 * after a failed chunk), instead of the SDK's `files.upload`:
 * - the size comes from fstat (64-bit); a Blob from fs.openAsBlob reports it modulo 2^32, so a
 *   4.4 GB file was declared and sent as 105 MB;
 * - every request goes to the configured base URL, path included (the SDK sends the chunks to
 *   the bare host, which breaks gateways mounted under a path);
 * - a failed chunk resumes the same session from the offset the service reports;
 * - the job's signal aborts a chunk in flight (the SDK ignores abort signals during uploads).
 */

/** The granularity Google's resumable protocol asks for; every chunk but the last is a multiple of it. */
export const CHUNK_BYTES = 8 * 1024 * 1024
const DEFAULT_BASE_URL = 'https://generativelanguage.googleapis.com'

const UploadedFile = z.looseObject({
  name: z.string(),
  uri: z.string().optional(),
  mimeType: z.string().optional(),
  sizeBytes: z.string().optional(),
  state: z.string().optional()
})
export type UploadedFile = z.infer<typeof UploadedFile>
const FinalBody = z.object({ file: UploadedFile })

export interface ResumableUploadArgs {
  /** GEMINI_BASE_URL (a gateway's path included), else Google's endpoint. */
  baseUrl: string | undefined
  apiKey: string
  path: string
  mimeType: string
  displayName: string
  /** Largest file the Files API takes on this plan; a larger one fails before any byte is sent. */
  maxBytes: number
  /** Timeout of each request (the start, each chunk, each query). */
  requestTimeoutMs: number
  /** Aborts a non-final chunk in flight; the final one is left to settle, so the file it creates can be deleted. */
  stop: AbortSignal
  /** How many times a failed chunk is resumed within the same session. */
  resumes: number
  /** First wait before a resume; doubles each time. */
  resumeDelayMs: number
  onProgress(sent: number, total: number): void
  warn(message: string, data?: Record<string, unknown>): void
  /** Chunk size (a multiple of {@link CHUNK_BYTES}); tests and benches only. */
  chunkBytes?: number
}

/** `https://gw/v1/acct/google-ai-studio` + `/upload/v1beta/files` keeps the gateway's path. */
export function endpoint(baseUrl: string | undefined, path: string): URL {
  const base = new URL(baseUrl || DEFAULT_BASE_URL)
  base.pathname = `${base.pathname.replace(/\/+$/, '')}${path}`
  return base
}

/**
 * The session URL the service returned, moved onto the configured base URL: a gateway passes
 * Google's own URL through, which would bypass the gateway (or miss its path) if used as is.
 */
export function sessionUrl(returned: string, baseUrl: string | undefined): URL {
  const base = new URL(baseUrl || DEFAULT_BASE_URL)
  const got = new URL(returned, base)
  const prefix = base.pathname.replace(/\/+$/, '')
  const url = new URL(base.origin)
  url.pathname = prefix && !got.pathname.startsWith(`${prefix}/`) ? `${prefix}${got.pathname}` : got.pathname
  url.search = got.search
  return url
}

export const formatBytes = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} GB` : `${(n / 1e6).toFixed(1)} MB`)

/** An HTTP error as the SDK reports it (ApiError with the JSON body as message), so one classifier reads both. */
async function httpError(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => '')
  const json = (res.headers.get('content-type') ?? '').includes('application/json')
  const message = json && text ? text : JSON.stringify({ error: { code: res.status, message: text, status: res.statusText } })
  return new ApiError({ message, status: res.status })
}

export interface Uploaded {
  file: UploadedFile
  sizeBytes: number
  resumed: number
}

/** Sizes the file from fstat and refuses one over the limit; nothing is sent. */
export async function sizeFor(handle: FileHandle, path: string, maxBytes: number): Promise<number> {
  const size = Number((await handle.stat({ bigint: true })).size)
  if (size === 0) throw new JobError(`The video file ${basename(path)} is empty`, { failure: 'unreadable-media', retryable: false })
  if (size > maxBytes) {
    throw new JobError(
      `The video is ${formatBytes(size)} (${size} bytes), over the Gemini Files API limit of ${formatBytes(maxBytes)} per file (GEMINI_MAX_FILE_MB): compress or shorten it, raise GEMINI_MAX_FILE_MB on a paid plan, or use the local analyzer`,
      { failure: 'too-large', retryable: false, detail: { sizeBytes: size, limitBytes: maxBytes } }
    )
  }
  return size
}

/** One resumable upload from disk; throws what the classifier understands (ApiError, fetch's errors). */
export async function resumableUpload(a: ResumableUploadArgs): Promise<Uploaded> {
  const handle = await open(a.path, 'r')
  try {
    const size = await sizeFor(handle, a.path, a.maxBytes)
    const headers = { 'x-goog-api-key': a.apiKey }
    const start = await fetch(endpoint(a.baseUrl, '/upload/v1beta/files'), {
      method: 'POST',
      headers: {
        ...headers,
        'content-type': 'application/json',
        'x-goog-upload-protocol': 'resumable',
        'x-goog-upload-command': 'start',
        'x-goog-upload-header-content-length': String(size),
        'x-goog-upload-header-content-type': a.mimeType
      },
      body: JSON.stringify({ file: { mimeType: a.mimeType, displayName: a.displayName, sizeBytes: String(size) } }),
      signal: AbortSignal.any([a.stop, AbortSignal.timeout(a.requestTimeoutMs)])
    })
    if (!start.ok) throw await httpError(start)
    await start.body?.cancel()
    const returned = start.headers.get('x-goog-upload-url')
    if (!returned) throw new Error('the upload start response had no X-Goog-Upload-URL header')
    const session = sessionUrl(returned, a.baseUrl)

    const chunkBytes = a.chunkBytes ?? CHUNK_BYTES
    let offset = 0
    let resumed = 0
    /** Failed attempts since the last chunk that went through. */
    let failures = 0
    for (;;) {
      const length = Math.min(chunkBytes, size - offset)
      const last = offset + length >= size
      a.onProgress(offset, size)
      let res: Response
      try {
        // Streamed from the file with a fixed Content-Length: a Buffer body would be copied by
        // fetch for every chunk, and those 8 MiB copies pile up faster than they are collected.
        // By descriptor: a stream on the FileHandle itself would leave a listener on it per chunk.
        // Never destroyed: that would close the shared descriptor (autoClose only covers the end).
        const body = createReadStream('', { fd: handle.fd, start: offset, end: offset + length - 1, autoClose: false, highWaterMark: 1024 * 1024 })
        res = await fetch(session, {
          method: 'POST',
          headers: {
            ...headers,
            'content-length': String(length),
            'x-goog-upload-command': last ? 'upload, finalize' : 'upload',
            'x-goog-upload-offset': String(offset)
          },
          body: Readable.toWeb(body) as ReadableStream<Uint8Array>,
          duplex: 'half',
          signal: last ? AbortSignal.timeout(a.requestTimeoutMs) : AbortSignal.any([a.stop, AbortSignal.timeout(a.requestTimeoutMs)])
        } as RequestInit)
        if (!res.ok) throw await httpError(res)
        // A proxy may drop the header: what the session kept is then asked, as after a failure.
        if (!res.headers.has('x-goog-upload-status')) throw new StatusMissing(offset)
      } catch (error) {
        if (a.stop.aborted || !(error instanceof StatusMissing || classify(error, { call: 'upload', model: '' }).retry)) throw error
        // Asks the session until it answers (a blip of a few seconds), within the resume budget.
        let at: Resume = 'unreachable'
        while (at === 'unreachable' && failures < a.resumes) at = await resumeOffset(session, headers, a, ++failures, error)
        if (at === 'unreachable' || at === 'gone') throw error instanceof StatusMissing ? sessionLost(error.message) : error
        resumed++
        if (typeof at !== 'number') return done(at, size, resumed, a)
        offset = at
        continue
      }
      failures = 0
      const status = res.headers.get('x-goog-upload-status')
      if (status === 'final') return done(FinalBody.parse(await res.json()).file, size, resumed, a)
      await res.body?.cancel()
      if (last || status !== 'active') throw sessionLost(`the upload session ended with status '${status ?? 'none'}' after ${offset + length} of ${size} bytes`)
      offset += length
    }
  } finally {
    await handle.close()
  }
}

/** A chunk's answer without X-Goog-Upload-Status: nobody can tell what the session kept. */
class StatusMissing extends Error {
  constructor(offset: number) {
    super(`Gemini answered the upload chunk at byte ${offset} without an upload status`)
    this.name = 'StatusMissing'
  }
}

/** The session ended in a way no retry of this attempt mends: the job is handed back to start over. */
const sessionLost = (what: string) => new JobError(`Gemini upload failed: ${what}`, { failure: 'network', retryable: true })

/** What a `query` found: the offset to go on from, the finished file, or why not. */
type Resume = number | UploadedFile | 'gone' | 'unreachable'

/**
 * After a failed chunk: asks the session how many bytes it kept (`X-Goog-Upload-Command: query`).
 * A number is the offset to go on from; a file means the upload had in fact completed; `gone`
 * means the session no longer exists (start again); `unreachable` means ask again later.
 */
async function resumeOffset(session: URL, headers: Record<string, string>, a: ResumableUploadArgs, attempt: number, error: unknown): Promise<Resume> {
  await sleep(a.resumeDelayMs * 2 ** (attempt - 1), undefined, { signal: a.stop }).catch(() => undefined)
  if (a.stop.aborted) return 'gone'
  let res: Response
  try {
    res = await fetch(session, {
      method: 'POST',
      headers: { ...headers, 'x-goog-upload-command': 'query' },
      signal: AbortSignal.any([a.stop, AbortSignal.timeout(a.requestTimeoutMs)])
    })
  } catch (queryError) {
    return !a.stop.aborted && classify(queryError, { call: 'upload', model: '' }).retry ? 'unreachable' : 'gone'
  }
  if (!res.ok) return classify(await httpError(res), { call: 'upload', model: '' }).retry ? 'unreachable' : 'gone'
  const status = res.headers.get('x-goog-upload-status')
  if (status === 'final') return FinalBody.parse(await res.json()).file
  await res.body?.cancel()
  const received = Number(res.headers.get('x-goog-upload-size-received'))
  if (status !== 'active' || !Number.isSafeInteger(received) || received < 0) return 'gone'
  a.warn(`Gemini upload interrupted (${classify(error, { call: 'upload', model: '' }).message}); resuming at byte ${received}`, { resumedAt: received, attempt })
  return received
}

/** The service's byte count must be the file's: anything else is a truncated or mixed-up upload. */
function done(file: UploadedFile, size: number, resumed: number, a: ResumableUploadArgs): Uploaded {
  a.onProgress(size, size)
  if (file.sizeBytes !== undefined && Number(file.sizeBytes) !== size) {
    throw new JobError(`Gemini stored ${file.sizeBytes} bytes as ${file.name} but the video has ${size}: the upload was cut or mixed up`, {
      failure: 'network',
      retryable: true,
      detail: { uploadedFile: file.name, reportedBytes: file.sizeBytes, sizeBytes: size }
    })
  }
  return { file, sizeBytes: size, resumed }
}
