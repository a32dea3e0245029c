import { ApiError } from '@google/genai'
import { z } from 'zod'
import { JobError, isAbortError } from '../../core/errors'
import type { FailureCause } from '../../shared/video-status'
import { errorText } from '../../shared/error-text'

/** What one failed Gemini call means for the job. */
export interface Classified {
  /** Worth another attempt inside this job (429 per minute, 5xx, network). */
  retry: boolean
  /** The wait the server asked for (google.rpc.RetryInfo), in ms. */
  serverDelayMs?: number
  /** HTTP status, when there was a response. */
  status?: number
  /** Short, operator-facing description (never the API key). */
  message: string
  cause: FailureCause
  /** Whether the queue should deliver the message again once this job gives up. */
  retryableLater: boolean
}

const Detail = z.looseObject({
  '@type': z.string().optional(),
  retryDelay: z.string().optional(),
  reason: z.string().optional(),
  violations: z.array(z.looseObject({ quotaId: z.string().optional(), quotaMetric: z.string().optional(), quotaValue: z.string().optional() })).optional()
})
const ErrorBody = z.object({
  error: z.looseObject({
    code: z.number().optional(),
    status: z.string().optional(),
    message: z.string().optional(),
    details: z.array(z.unknown()).optional()
  })
})
type Detail = z.infer<typeof Detail>

interface ParsedApiError {
  status: number
  rpcStatus: string
  serverMessage: string
  details: Detail[]
}

function errorBody(text: string): z.infer<typeof ErrorBody> | null {
  try {
    const parsed = ErrorBody.safeParse(JSON.parse(text))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

/**
 * The SDK puts the response body, JSON-encoded, in `message`; an HTML or empty body is wrapped by
 * it. Some paths relay an error whose own `message` is the JSON of the real error: unwrapped here.
 */
export function parseApiError(error: ApiError): ParsedApiError {
  let body = errorBody(error.message)
  for (let depth = 0; depth < 2 && body?.error.message?.trimStart().startsWith('{'); depth++) {
    const inner = errorBody(body.error.message)
    if (!inner) break
    body = inner
  }
  const details = (body?.error.details ?? []).flatMap((d) => {
    const parsed = Detail.safeParse(d)
    return parsed.success ? [parsed.data] : []
  })
  const serverMessage = (body?.error.message ?? error.message).replace(/\s+/g, ' ').trim().slice(0, 300)
  return { status: error.status, rpcStatus: body?.error.status ?? '', serverMessage, details }
}

/** `"47s"`, `"1.5s"` (proto Duration JSON) → ms. */
export function parseDuration(value: string | undefined): number | undefined {
  const match = value?.match(/^(\d+(?:\.\d+)?)s$/)
  return match?.[1] !== undefined ? Math.ceil(Number(match[1]) * 1000) : undefined
}

const NETWORK_CODES = /^(UND_ERR|ECONNRESET|ECONNREFUSED|ETIMEDOUT|EPIPE|EAI_AGAIN|ENOTFOUND|ENETUNREACH|EHOSTUNREACH)/

function networkCode(error: unknown): string | null {
  if (!(error instanceof Error)) return null
  const cause = (error as { cause?: unknown }).cause
  const code = cause && typeof cause === 'object' && 'code' in cause ? String(cause.code) : ''
  if (error instanceof TypeError && /fetch failed/i.test(error.message)) return code || 'fetch failed'
  return NETWORK_CODES.test(code) ? code : null
}

/**
 * Sorts an error from the SDK into retry now / fail now, with a message an operator can act on.
 * `context` names the call (`upload`, `generate`…), `youtube` marks a request about a YouTube URL.
 */
export function classify(error: unknown, context: { call: string; model: string; youtube?: boolean }): Classified {
  if (error instanceof JobError) {
    return { retry: false, message: error.message, cause: error.failureCause, retryableLater: error.retryable }
  }
  if (error instanceof ApiError) return classifyApiError(parseApiError(error), context)
  const code = networkCode(error)
  if (code) return { retry: true, message: `network error during ${context.call} (${code})`, cause: 'network', retryableLater: true }
  if (isAbortError(error)) {
    // The SDK's own per-request timer fired (the caller's cancel is handled before classification).
    return { retry: true, message: `${context.call} timed out`, cause: 'timeout', retryableLater: true }
  }
  const message = errorText(error)
  return { retry: false, message: `${context.call} failed: ${message}`, cause: 'other', retryableLater: false }
}

function classifyApiError(e: ParsedApiError, context: { call: string; model: string; youtube?: boolean }): Classified {
  const what = `Gemini ${context.call} failed with HTTP ${e.status}${e.rpcStatus ? ` ${e.rpcStatus}` : ''}`
  const base = { status: e.status }
  const reason = e.details.find((d) => d.reason)?.reason ?? ''
  if (e.status === 429) return classifyQuota(e, what)
  if ([408, 500, 502, 503, 504].includes(e.status)) {
    return { ...base, retry: true, cause: e.status === 504 || e.status === 408 ? 'timeout' : 'network', retryableLater: true,
      message: `${what}: the service is unavailable or overloaded. ${e.serverMessage}` }
  }
  if (e.status === 400 && /not in an ACTIVE state/i.test(e.serverMessage)) {
    // The file went back to processing or the poll raced the state change: worth another try.
    return { ...base, retry: true, cause: 'other', retryableLater: true, message: `${what}: the uploaded file is not ACTIVE yet` }
  }
  if (e.status === 400 && /location is not supported/i.test(e.serverMessage)) {
    return { ...base, retry: false, cause: 'configuration', retryableLater: false,
      message: `${what}: the Gemini API is not available from this region on this plan; enable billing or route through a gateway (GEMINI_BASE_URL). ${e.serverMessage}` }
  }
  if (reason === 'API_KEY_INVALID' || /API key not valid/i.test(e.serverMessage)) {
    return { ...base, retry: false, cause: 'configuration', retryableLater: false,
      message: `${what}: the API key was rejected; check GEMINI_API_KEY` }
  }
  if (e.status === 404) {
    return { ...base, retry: false, cause: 'configuration', retryableLater: false,
      message: `${what}: not found (model '${context.model}' may be retired or misspelt; set GEMINI_MODEL). ${e.serverMessage}` }
  }
  if (e.status === 403 || e.status === 401) {
    return { ...base, retry: false, cause: 'configuration', retryableLater: false,
      message: `${what}: permission denied (the key lacks access to this API or project, or the uploaded file expired). ${e.serverMessage}` }
  }
  if (e.status === 400 && /input token count .*exceeds|exceeds the maximum number of tokens/i.test(e.serverMessage)) {
    return { ...base, retry: false, cause: 'too-large', retryableLater: false,
      message: `${what}: the video is too long for the model's context; clip it, use a model with a larger context, or use the local analyzer. ${e.serverMessage}` }
  }
  if (e.status === 413 || (e.status === 400 && /too large|exceeds the maximum/i.test(e.serverMessage))) {
    return { ...base, retry: false, cause: 'too-large', retryableLater: false,
      message: `${what}: the video is over Gemini's size or length limit; shorten or compress it, or use the local analyzer. ${e.serverMessage}` }
  }
  if (e.status === 400 && context.youtube && /unsupported mime type/i.test(e.serverMessage)) {
    // Gemini fetched the watch page itself (text/html): a live stream or premiere, not a video yet.
    return { ...base, retry: false, cause: 'unsupported-source', retryableLater: false,
      message: `${what}: the YouTube URL is a live stream or an upcoming premiere, which Gemini cannot analyse; enqueue it again once it is an ordinary video. ${e.serverMessage}` }
  }
  if (e.status === 400 && context.youtube) {
    // The service gives no reason for these ("Request contains an invalid argument.").
    return { ...base, retry: false, cause: 'source-missing', retryableLater: false,
      message: `${what}: Gemini cannot read this YouTube video; it may be private, unlisted, age-restricted or removed (only public videos can be analysed). ${e.serverMessage}` }
  }
  if (e.status === 400 && /mime|format/i.test(e.serverMessage)) {
    return { ...base, retry: false, cause: 'unreadable-media', retryableLater: false,
      message: `${what}: unsupported video format; transcode to MP4 (H.264/AAC). ${e.serverMessage}` }
  }
  return { ...base, retry: false, cause: 'other', retryableLater: false, message: `${what}. ${e.serverMessage}` }
}

/**
 * A 429 may list several violated quotas at once, per minute and per day. Waiting helps unless
 * the daily limit is what was reached: it is when it is the only violation, when its limit is 0
 * (the plan may not use the model at all), or when the server asks to wait beyond a minute.
 */
function classifyQuota(e: ParsedApiError, what: string): Classified {
  const violations = e.details.flatMap((d) => d.violations ?? [])
  const daily = violations.filter((v) => /PerDay/i.test(v.quotaId ?? ''))
  const others = violations.filter((v) => !/PerDay/i.test(v.quotaId ?? ''))
  const serverDelayMs = parseDuration(e.details.find((d) => d['@type']?.endsWith('google.rpc.RetryInfo'))?.retryDelay)
  const dailyReached = daily.length > 0 && (others.length === 0 || daily.some((v) => v.quotaValue === '0') || (serverDelayMs ?? 0) > 60_000)
  const base = { status: 429, cause: 'quota' as const }
  if (dailyReached) {
    const quota = daily.map((v) => `${v.quotaId ?? '?'}${v.quotaValue !== undefined ? `, limit ${v.quotaValue}` : ''}`).join('; ')
    const zero = daily.some((v) => v.quotaValue === '0')
    return { ...base, retry: false, retryableLater: false,
      message: `${what}: daily quota exhausted (${quota}); ${zero ? 'this plan may not use the model at all: enable billing or choose another GEMINI_MODEL' : 'retry the quota group once it resets'}. ${e.serverMessage}` }
  }
  return { ...base, retry: true, ...(serverDelayMs !== undefined ? { serverDelayMs } : {}), retryableLater: true,
    message: `${what}: rate limited${others[0]?.quotaId ? ` (${others[0].quotaId})` : ''}. ${e.serverMessage}` }
}

/** Removes every occurrence of the key from a text (defence in depth: server messages may echo a request). */
export function redact(text: string, apiKey: string): string {
  return apiKey.length >= 4 ? text.split(apiKey).join('***') : text
}

/** The JobError for a failure that ends the job, with the key scrubbed from every string. */
export function toJobError(c: Classified, apiKey: string, attempts: number, error: unknown): JobError {
  const tries = attempts > 1 ? ` (after ${attempts} attempts)` : ''
  return new JobError(redact(`${c.message}${tries}`, apiKey), {
    failure: c.cause,
    retryable: c.retryableLater,
    detail: { ...(c.status !== undefined ? { httpStatus: c.status } : {}), attempts },
    cause: error instanceof JobError ? undefined : new Error(redact(errorText(error), apiKey))
  })
}
