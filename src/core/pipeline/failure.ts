import { JobError, isAbortError } from '../errors'
import { errorText } from '../../shared/error-text'

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
  if (reason?.kind === 'cancel') return new JobError('cancelled by the operator', { failure: 'cancelled', retryable: false, cause: error })
  if (error instanceof JobError) return error
  const message = errorText(error)
  if (isAbortError(error)) return new JobError(`timed out: ${message}`, { failure: 'timeout', retryable: true, cause: error })
  if (isNetworkError(error)) return new JobError(message, { failure: 'network', retryable: true, cause: error })
  return new JobError(message || 'unknown error', { failure: 'other', retryable: true, cause: error })
}

/** Seconds before a retryable failure is delivered again: 5, 10, 20 … capped at 5 minutes. */
export function defaultBackoffSeconds(receiveCount: number): number {
  return Math.min(300, 5 * 2 ** Math.max(0, receiveCount - 1))
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT'])

/** A connection-level failure (refused, reset, DNS), found on the error or its `cause` chain. */
function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return true
    if (e instanceof TypeError && e.message === 'fetch failed') return true
  }
  return false
}
