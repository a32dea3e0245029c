import pRetry from 'p-retry'
import { setTimeout as sleep } from 'node:timers/promises'
import { JobError } from '../../core/errors'
import { classify, redact, toJobError } from './gemini-errors'

/** Our retries (the SDK's are off): exponential backoff with jitter, honouring RetryInfo. */
export interface RetryPolicy {
  /** Retries after the first attempt (default 4). */
  retries: number
  /** First backoff in ms (default 1000); later ones double, ×1–2 jitter. */
  minDelayMs: number
  /** Longest backoff in ms (default 60000). */
  maxDelayMs: number
  /** A server-requested delay longer than this ends the job (retryable later) instead of waiting (default 120000). */
  maxServerDelayMs: number
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 4, minDelayMs: 1000, maxDelayMs: 60_000, maxServerDelayMs: 120_000 }

export interface RetryContext {
  call: string
  model: string
  youtube?: boolean
  apiKey: string
  policy: RetryPolicy
  /** The job's cancel signal: it stops waiting at once. */
  signal?: AbortSignal
  warn(message: string, data?: Record<string, unknown>): void
}

/**
 * The job's signal fired. Whether that was an operator's cancel (the video ends) or a worker
 * shutdown (the message is handed back) is the pipeline's call, made from the signal's reason.
 */
export function cancelledError(during: string): JobError {
  return new JobError(`Stopped during ${during}`, { failure: 'cancelled', retryable: false })
}

/**
 * Runs one Gemini call with our retry policy. Ends with a JobError: cancelled when the job's
 * signal fired, otherwise the classified failure with an operator-facing message.
 */
export async function withRetries<T>(fn: (signal: AbortSignal | undefined) => Promise<T>, ctx: RetryContext): Promise<T> {
  const { policy, signal } = ctx
  let attempts = 0
  try {
    return await pRetry(
      async () => {
        attempts++
        if (signal?.aborted) throw cancelledError(ctx.call)
        return await fn(signal)
      },
      {
        retries: policy.retries,
        factor: 2,
        minTimeout: policy.minDelayMs,
        maxTimeout: policy.maxDelayMs,
        randomize: true,
        ...(signal ? { signal } : {}),
        shouldRetry: ({ error }) => !signal?.aborted && classify(error, ctx).retry,
        onFailedAttempt: async ({ error, attemptNumber, retriesLeft }) => {
          if (signal?.aborted) return
          const c = classify(error, ctx)
          if (!c.retry || retriesLeft === 0) return
          const serverDelay = c.serverDelayMs
          if (serverDelay !== undefined && serverDelay > policy.maxServerDelayMs) {
            throw new JobError(redact(`${c.message} The server asked to wait ${Math.round(serverDelay / 1000)} s; giving the job back`, ctx.apiKey), {
              failure: c.cause,
              retryable: true,
              detail: { httpStatus: c.status, retryDelayMs: serverDelay }
            })
          }
          ctx.warn(redact(`${c.message} Retrying (attempt ${attemptNumber} of ${policy.retries + 1})`, ctx.apiKey), {
            attempt: attemptNumber,
            ...(serverDelay !== undefined ? { retryDelayMs: serverDelay } : {})
          })
          // p-retry's own jittered backoff follows this wait, so the server's delay is a floor.
          if (serverDelay) await sleep(serverDelay, undefined, signal ? { signal } : {})
        }
      }
    )
  } catch (error) {
    if (signal?.aborted) throw cancelledError(ctx.call)
    if (error instanceof JobError) throw error
    throw toJobError(classify(error, ctx), ctx.apiKey, attempts, error)
  }
}
