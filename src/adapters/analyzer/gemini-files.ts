import { setTimeout as sleep } from 'node:timers/promises'
import { FileState, type File as GeminiFile, type GoogleGenAI } from '@google/genai'
import { JobError } from '../../core/errors'
import { cancelledError, withRetries, type RetryContext } from './gemini-retry'
import { resumableUpload, type ResumableUploadArgs, type Uploaded } from './gemini-upload'

export interface UploadArgs extends Omit<ResumableUploadArgs, 'stop'> {
  signal: AbortSignal
  /** Our own bound on the whole upload. */
  deadlineMs: number
  /** How long to wait for a final chunk in flight to settle after a stop, so a file it created can be deleted. */
  settleMs: number
  /** Deletes a file the server created although we stopped waiting for it. */
  discard(name: string): Promise<void>
}

/** One resumable upload streamed from disk, bounded by a deadline and the job's signal. */
export async function uploadOnce(a: UploadArgs): Promise<Uploaded> {
  const stop = new AbortController()
  const timer = setTimeout(() => stop.abort('deadline'), a.deadlineMs)
  const onCancel = () => stop.abort('cancelled')
  a.signal.addEventListener('abort', onCancel, { once: true })
  if (a.signal.aborted) onCancel()
  const upload = resumableUpload({ ...a, stop: stop.signal })
  const stopped = new Promise<'stopped'>((resolve) => stop.signal.addEventListener('abort', () => resolve('stopped'), { once: true }))
  try {
    const first = await Promise.race([upload, stopped])
    if (first !== 'stopped') return first
    await discardLate(upload, a)
    if (stop.signal.reason === 'cancelled') throw cancelledError('upload')
    throw new JobError(`Gemini upload did not finish within ${Math.round(a.deadlineMs / 1000)} s`, { failure: 'timeout', retryable: true })
  } catch (error) {
    // The service stored a different byte count than the file's: that file is useless.
    const stored = error instanceof JobError ? error.detail?.uploadedFile : undefined
    if (typeof stored === 'string') await a.discard(stored)
    throw error
  } finally {
    clearTimeout(timer)
    a.signal.removeEventListener('abort', onCancel)
  }
}

/** After a stop: a final chunk already in flight may still create the file; delete it whenever it lands. */
async function discardLate(upload: Promise<Uploaded>, a: UploadArgs): Promise<void> {
  const late = upload.then(
    ({ file }) => a.discard(file.name),
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
        failure: 'unreadable-media',
        retryable: false,
        detail: { fileState: 'FAILED', fileError: current.error ?? null }
      })
    }
    if (performance.now() - started > poll.timeoutMs) {
      throw new JobError(`Gemini still processing the video after ${Math.round(poll.timeoutMs / 1000)} s (file ${name} state ${current.state ?? 'unknown'})`, {
        failure: 'timeout',
        retryable: true
      })
    }
    try {
      await sleep(interval, undefined, { signal: retry.signal })
    } catch {
      throw cancelledError('wait for processing')
    }
    interval = Math.min(poll.maxIntervalMs, interval * 1.5)
    current = await withRetries((signal) => ai.files.get({ name, config: { abortSignal: signal } }), retry)
    polls++
  }
  return { file: current, polls }
}
