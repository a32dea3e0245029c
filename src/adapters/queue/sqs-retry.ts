import pRetry from 'p-retry'
import type { Logger } from '../../core/ports'
import { describeAwsError, isTransientAwsError } from '../aws-errors'

/** Backoff for throttling and network errors: exponential, with jitter (×1–2), capped. */
export interface BackoffOptions {
  /** First pause in ms (default 1000). */
  minTimeoutMs?: number
  /** Longest pause in ms (default 20000). */
  maxTimeoutMs?: number
}

export interface RetryCall {
  /** What is being done, for the log line (`receive from videos`). */
  what: string
  /** Retries after the first attempt; Infinity for the receive loop. */
  retries: number
  signal?: AbortSignal
  /** Checked before each retry: true ends the retrying (a poll nobody waits for any more). */
  giveUp?: () => boolean
  /**
   * Whether the pause between retries lets the process exit (default true: a stopping worker
   * must not wait for a poll's backoff). A start-up call that the caller awaits must say false,
   * or a process with nothing else to do exits in the middle of it (code 13, no error line).
   */
  unref?: boolean
}

/**
 * Runs an SQS call, retrying transient failures (throttling, 5xx, refused connections) with
 * exponential backoff and jitter, logging each failure and the recovery. Other errors are
 * thrown at once: retrying a missing queue or bad credentials only hides the problem.
 */
export async function withBackoff<T>(
  fn: (signal: AbortSignal | undefined) => Promise<T>,
  call: RetryCall,
  backoff: BackoffOptions,
  logger: Logger
): Promise<T> {
  let failures = 0
  const result = await pRetry(() => fn(call.signal), {
    retries: call.retries,
    factor: 2,
    minTimeout: backoff.minTimeoutMs ?? 1000,
    maxTimeout: backoff.maxTimeoutMs ?? 20_000,
    randomize: true,
    ...(call.signal ? { signal: call.signal } : {}),
    unref: call.unref ?? true,
    shouldRetry: ({ error }) => isTransientAwsError(error) && !call.giveUp?.(),
    onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
      if (!isTransientAwsError(error) || call.signal?.aborted || call.giveUp?.()) return
      failures = attemptNumber
      const next = retriesLeft > 0 ? 'backing off before retrying' : 'giving up'
      logger.warn(`SQS ${call.what} failed (attempt ${attemptNumber}): ${describeAwsError(error)}; ${next}`)
    }
  })
  if (failures > 0) logger.info(`SQS ${call.what} succeeded again after ${failures} failed attempt(s)`)
  return result
}
