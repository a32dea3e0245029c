import pRetry from 'p-retry'
import type { Logger } from '../../core/ports'

/** The shape of a supabase-js (postgrest-js) answer that matters here. */
export interface PostgrestAnswer<T> {
  data: T | null
  error: { message: string; code?: string; details?: string | null; hint?: string | null } | null
  count?: number | null
  status: number
}

/** A PostgREST failure, with the HTTP status and the Postgres/PostgREST code, never the key. */
export class SupabaseError extends Error {
  constructor(
    what: string,
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(`Supabase ${what} failed (${status === 0 ? 'network' : `HTTP ${status}`}${code ? `, ${code}` : ''}): ${message}`)
    this.name = 'SupabaseError'
  }
}

/** 5xx, 429 and network failures (status 0) are worth another try. */
export function isTransientStatus(status: number): boolean {
  return status === 0 || status === 429 || status === 408 || status >= 500
}

export interface SupabaseBackoff {
  retries?: number
  minTimeoutMs?: number
  maxTimeoutMs?: number
}

/**
 * Runs one PostgREST request, retrying transient failures with exponential backoff and
 * jitter; other errors come back as {@link SupabaseError} at once.
 */
export async function runQuery<T>(
  what: string,
  request: () => PromiseLike<PostgrestAnswer<T>>,
  backoff: SupabaseBackoff,
  logger: Logger
): Promise<PostgrestAnswer<T>> {
  let failures = 0
  const answer = await pRetry(
    async () => {
      const res = await request()
      if (res.error) throw toError(what, res)
      return res
    },
    {
      retries: backoff.retries ?? 5,
      factor: 2,
      minTimeout: backoff.minTimeoutMs ?? 500,
      maxTimeout: backoff.maxTimeoutMs ?? 10_000,
      randomize: true,
      shouldRetry: ({ error }) => error instanceof SupabaseError && isTransientStatus(error.status),
      onFailedAttempt: ({ error, attemptNumber, retriesLeft }) => {
        if (!(error instanceof SupabaseError) || !isTransientStatus(error.status)) return
        failures = attemptNumber
        logger.warn(`${error.message}; ${retriesLeft > 0 ? 'backing off before retrying' : 'giving up'} (attempt ${attemptNumber})`)
      }
    }
  )
  if (failures > 0) logger.info(`Supabase ${what} succeeded after ${failures} failed attempt(s)`)
  return answer
}

function toError<T>(what: string, res: PostgrestAnswer<T>): SupabaseError {
  const e = res.error!
  // postgrest-js folds network failures into status 0 with `FetchError: …`; the cause sits in details.
  const cause = res.status === 0 ? /Caused by: [^\n]*/.exec(e.details ?? '')?.[0] : undefined
  const text = [e.message, cause, e.hint].filter(Boolean).join(' — ')
  return new SupabaseError(what, res.status, e.code ?? '', text)
}
