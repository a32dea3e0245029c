import { JobError, isAbortError } from '../errors'

/** Why a job's AbortController fired. */
export type AbortReason = { kind: 'cancel' } | { kind: 'shutdown' }

export function abortReason(signal: AbortSignal): AbortReason | null {
  const r = signal.reason as unknown
  if (signal.aborted && typeof r === 'object' && r !== null && 'kind' in r) return r as AbortReason
  return null
}

/** Turns whatever a stage threw into a JobError; unknown errors are assumed transient. */
export function toJobError(error: unknown, signal: AbortSignal): JobError {
  const reason = abortReason(signal)
  if (reason?.kind === 'cancel') return new JobError('cancelled by the operator', { cause: 'cancelled', retryable: false, error })
  if (error instanceof JobError) return error
  const message = error instanceof Error ? error.message : String(error)
  if (isAbortError(error)) return new JobError(`timed out: ${message}`, { cause: 'timeout', retryable: true, error })
  return new JobError(message || 'unknown error', { cause: 'other', retryable: true, error })
}

/** Seconds before a retryable failure is delivered again: 5, 10, 20 … capped at 5 minutes. */
export function defaultBackoffSeconds(receiveCount: number): number {
  return Math.min(300, 5 * 2 ** Math.max(0, receiveCount - 1))
}
