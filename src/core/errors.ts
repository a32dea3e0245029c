import type { FailureCause } from '../shared/video-status'

/**
 * An error a stage throws on purpose. `retryable` tells the worker whether the queue
 * should deliver the message again (true) or the video should fail for good (false).
 */
export class JobError extends Error {
  readonly failureCause: FailureCause
  readonly retryable: boolean
  /** Extra detail for the journal (raw model output, HTTP status…); never secrets. */
  readonly detail: Record<string, unknown> | undefined

  constructor(message: string, opts: { cause: FailureCause; retryable: boolean; detail?: Record<string, unknown>; error?: unknown }) {
    super(message, opts.error !== undefined ? { cause: opts.error } : undefined)
    this.name = 'JobError'
    this.failureCause = opts.cause
    this.retryable = opts.retryable
    this.detail = opts.detail
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')
}
