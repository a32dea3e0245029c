import { openAsBlob } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { FileState, type File as GeminiFile, type GoogleGenAI } from '@google/genai'
import { JobError } from '../../core/errors'
import { cancelledError, withRetries, type RetryContext } from './gemini-retry'

/**
 * A file-backed Blob (fs.openAsBlob: bytes stay on disk) that reports each chunk the SDK slices off
 * and refuses further chunks once stopped. `files.upload` ignores abort signals; this is how an
 * upload in flight is stopped at the next 8 MiB boundary instead of running to the end.
 */
class ChunkReportingBlob extends Blob {
  constructor(
    private readonly inner: Blob,
    private readonly onChunk: (offset: number) => void
  ) {
    super([])
    // Own accessors: Blob's size/type getters would report the empty parent blob.
    Object.defineProperties(this, { size: { get: () => inner.size }, type: { get: () => inner.type } })
  }
  override slice(start?: number, end?: number, contentType?: string): Blob {
    this.onChunk(start ?? 0)
    return this.inner.slice(start, end, contentType)
  }
  override stream(): ReturnType<Blob['stream']> {
    return this.inner.stream()
  }
  override arrayBuffer(): Promise<ArrayBuffer> {
    return this.inner.arrayBuffer()
  }
}

export interface UploadArgs {
  ai: GoogleGenAI
  path: string
  mimeType: string
  displayName: string
  signal: AbortSignal
  /** Our own bound on the whole upload (the SDK has none). */
  deadlineMs: number
  /** How long to wait for a chunk in flight to settle after a stop, so a file it created can be deleted. */
  settleMs: number
  onProgress(sent: number, total: number): void
  /** Deletes a file the server created although we stopped waiting for it. */
  discard(name: string): Promise<void>
}

/** One resumable upload streamed from disk, bounded by a deadline and the job's signal. */
export async function uploadOnce(a: UploadArgs): Promise<GeminiFile> {
  const inner = await openAsBlob(a.path, { type: a.mimeType })
  const stop = new AbortController()
  const blob = new ChunkReportingBlob(inner, (offset) => {
    if (stop.signal.aborted) throw new DOMException('upload stopped', 'AbortError')
    a.onProgress(offset, inner.size)
  })
  const upload = a.ai.files.upload({ file: blob, config: { mimeType: a.mimeType, displayName: a.displayName } })
  const timer = setTimeout(() => stop.abort('deadline'), a.deadlineMs)
  const onCancel = () => stop.abort('cancelled')
  a.signal.addEventListener('abort', onCancel, { once: true })
  if (a.signal.aborted) onCancel()
  const stopped = new Promise<'stopped'>((resolve) => stop.signal.addEventListener('abort', () => resolve('stopped'), { once: true }))
  try {
    const first = await Promise.race([upload, stopped])
    if (first !== 'stopped') {
      a.onProgress(inner.size, inner.size)
      return first
    }
    await discardLate(upload, a)
    if (stop.signal.reason === 'cancelled') throw cancelledError('upload', a.signal)
    throw new JobError(`Gemini upload did not finish within ${Math.round(a.deadlineMs / 1000)} s`, { cause: 'timeout', retryable: true })
  } finally {
    clearTimeout(timer)
    a.signal.removeEventListener('abort', onCancel)
  }
}

/** After a stop: a final chunk already in flight may still create the file; delete it whenever it lands. */
async function discardLate(upload: Promise<GeminiFile>, a: UploadArgs): Promise<void> {
  const late = upload.then(
    (file) => (file.name ? a.discard(file.name) : undefined),
    () => undefined
  )
  await Promise.race([late, sleep(a.settleMs, undefined, { ref: false })])
}

export interface PollOptions {
  timeoutMs: number
  minIntervalMs: number
  maxIntervalMs: number
}

/** Polls the file until ACTIVE, backing off ×1.5; FAILED and the time limit are errors. */
export async function waitUntilActive(ai: GoogleGenAI, file: GeminiFile, poll: PollOptions, retry: RetryContext): Promise<{ file: GeminiFile; polls: number }> {
  const name = file.name ?? ''
  const started = performance.now()
  let interval = poll.minIntervalMs
  let polls = 0
  let current = file
  while (current.state !== FileState.ACTIVE) {
    if (current.state === FileState.FAILED) {
      const why = current.error?.message ? `: ${current.error.message}` : ''
      throw new JobError(`Gemini could not process the uploaded video (file ${name} state FAILED${why})`, {
        cause: 'unreadable-media',
        retryable: false,
        detail: { fileState: 'FAILED', fileError: current.error ?? null }
      })
    }
    if (performance.now() - started > poll.timeoutMs) {
      throw new JobError(`Gemini still processing the video after ${Math.round(poll.timeoutMs / 1000)} s (file ${name} state ${current.state ?? 'unknown'})`, {
        cause: 'timeout',
        retryable: true
      })
    }
    try {
      await sleep(interval, undefined, { signal: retry.signal })
    } catch {
      throw cancelledError('wait for processing', retry.signal)
    }
    interval = Math.min(poll.maxIntervalMs, interval * 1.5)
    current = await withRetries((signal) => ai.files.get({ name, config: { abortSignal: signal } }), retry)
    polls++
  }
  return { file: current, polls }
}
