import type { TokenUsage } from '../shared/analysis'
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
  /** Tokens the failed attempt still spent (a refused or unrepairable answer is billed too). */
  readonly usage: { usage: TokenUsage; model: string } | undefined

  constructor(
    message: string,
    /** `failure`: what kind of failure this is; `cause`: the error underneath, as for any Error. */
    opts: { failure: FailureCause; retryable: boolean; detail?: Record<string, unknown>; cause?: unknown; usage?: { usage: TokenUsage; model: string } }
  ) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined)
    this.name = 'JobError'
    this.failureCause = opts.failure
    this.retryable = opts.retryable
    this.detail = opts.detail
    this.usage = opts.usage
  }
}

/**
 * A queue adapter's `changeVisibility`, `delete` or `deadLetter` got a receipt handle that is no
 * longer the message's current delivery: it was deleted, or its lease ran out and another worker
 * may hold it. The worker stops renewing; it is logged, never fatal.
 */
export class LeaseLostError extends Error {
  /** The backend's error code when it gave one (SQS: MessageNotInflight, ReceiptHandleIsInvalid…). */
  readonly code: string | undefined

  constructor(message: string, code?: string) {
    super(message)
    this.name = 'LeaseLostError'
    this.code = code
  }
}

export function isAbortError(error: unknown): boolean {
  return error instanceof Error && (error.name === 'AbortError' || error.name === 'TimeoutError')
}

/** Why a local file is not read or served; the message names the problem and the fix. */
export class LocalMediaRefused extends Error {
  constructor(
    message: string,
    readonly reason: 'relative' | 'missing' | 'hidden' | 'outside-roots' | 'not-a-file' | 'not-media',
    /** For the journal: what the prober said. */
    readonly evidence?: Record<string, unknown>
  ) {
    super(message)
    this.name = 'LocalMediaRefused'
  }
}
