import type { JobError } from './errors'

const MAX_CHAIN = 4

/**
 * What a failure leaves for the evidence panel: the stage's own detail (ffprobe output, raw model
 * text, HTTP status and body) plus the error underneath (an SDK's or the system's: name, code,
 * message), so the operator sees more than the summary line. Null when there is nothing more.
 */
export function errorEvidence(error: JobError): Record<string, unknown> | null {
  const chain: { name: string; message: string; code?: string }[] = []
  for (let e: unknown = error.cause, depth = 0; e instanceof Error && depth < MAX_CHAIN; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code
    chain.push({ name: e.name, message: scrubUrls(e.message).slice(0, 1000), ...(typeof code === 'string' || typeof code === 'number' ? { code: String(code) } : {}) })
  }
  if (!error.detail && chain.length === 0) return null
  return { ...(error.detail ?? {}), ...(chain.length > 0 ? { error: chain } : {}) }
}

/** Library messages may quote a URL whole: its password and query (signed URLs carry secrets there) are taken out. */
export function scrubUrls(text: string): string {
  return text.replace(/\b(https?:\/\/)([^\s/@]+@)?([^\s?#"']*)(\?[^\s#"']*)?/gi, (_m, scheme: string, user: string | undefined, rest: string, query: string | undefined) =>
    `${scheme}${user ? '****@' : ''}${rest}${query ? '?…' : ''}`
  )
}
