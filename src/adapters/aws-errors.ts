/** Error classification shared by the SQS and S3 adapters. */

const TRANSIENT_NAMES = new Set([
  'ThrottlingException',
  'Throttling',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'KmsThrottled',
  'OverLimit',
  'SlowDown',
  'InternalError',
  'InternalFailure',
  'ServiceUnavailable',
  'RequestTimeout',
  'RequestTimeoutException',
  'TimeoutError',
  'ECONNRESET'
])

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ENETDOWN',
  'ECONNABORTED',
  'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET'
])

interface AwsLikeError {
  name?: string
  code?: string
  message?: string
  cause?: unknown
  $metadata?: { httpStatusCode?: number }
  $retryable?: unknown
}

function fields(error: unknown): AwsLikeError {
  return typeof error === 'object' && error !== null ? (error as AwsLikeError) : {}
}

export function httpStatusOf(error: unknown): number | undefined {
  return fields(error).$metadata?.httpStatusCode
}

/** Network-level failure (refused, reset, DNS, socket timeout): nothing reached the service. */
export function isNetworkError(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = fields(e).cause, depth++) {
    const { code, message } = fields(e)
    if (code && NETWORK_CODES.has(code)) return true
    if (message && /socket hang up|ECONNREFUSED|ECONNRESET|EPIPE|network/i.test(message)) return true
  }
  return false
}

/** Throttling, 5xx and network errors: worth another try after a pause. */
export function isTransientAwsError(error: unknown): boolean {
  const f = fields(error)
  if (f.name === 'AbortError') return false
  if (f.name && TRANSIENT_NAMES.has(f.name)) return true
  const status = f.$metadata?.httpStatusCode
  if (status !== undefined && (status >= 500 || status === 429)) return true
  return isNetworkError(error)
}

/** A one-line description for logs: the error's name/code and message, never request details. */
export function describeAwsError(error: unknown): string {
  const f = fields(error)
  const code = f.code ?? f.name ?? 'Error'
  const status = f.$metadata?.httpStatusCode
  const message = (f.message ?? String(error)).split('\n')[0] ?? ''
  return `${code}${status ? ` (HTTP ${status})` : ''}: ${message}`
}

export function errorName(error: unknown): string | undefined {
  return fields(error).name
}
