import { createWriteStream } from 'node:fs'
import { basename, extname, join } from 'node:path'
import { Readable, Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ReadableStream as WebReadableStream } from 'node:stream/web'
import { JobError } from '../../core/errors'
import type { FetchContext, FetchedVideo, Source } from '../../core/ports'
import type { VideoSource } from '../../shared/video-source'

export interface HttpSourceOptions {
  /** Injected for tests of odd servers; the global fetch otherwise. */
  fetch?: typeof fetch
  /** Gives up when no response headers arrive within this time. Default 60 s. */
  connectTimeoutMs?: number
  /** Gives up when the body sends no bytes for this long (a stall); a slow, steady body never times out. Default 60 s. */
  stallTimeoutMs?: number
}

/**
 * One timer with two meanings: first the wait for headers, then the gap between body chunks.
 * Its own controller (not `AbortSignal.timeout`, whose timer can be garbage-collected with the
 * signal, which made cuts depend on the collector) and cleared when the download ends.
 */
function watchdog(headersMs: number, stallMs: number) {
  const controller = new AbortController()
  let phase: 'headers' | 'body' = 'headers'
  let timer = setTimeout(() => controller.abort(), headersMs)
  return {
    signal: controller.signal,
    /** Bytes received so far, for the message of a stall. */
    bytes: 0,
    get fired(): 'headers' | 'body' | null {
      return controller.signal.aborted ? phase : null
    },
    /** Headers arrived, or a chunk did: the stall clock starts again. */
    alive() {
      phase = 'body'
      clearTimeout(timer)
      timer = setTimeout(() => controller.abort(), stallMs)
    },
    stop: () => clearTimeout(timer)
  }
}

/** Streams an http(s) URL into the job's directory; the file is temporary (deleted after the job). */
export function createHttpSource(opts: HttpSourceOptions = {}): Source {
  const doFetch = opts.fetch ?? fetch
  return {
    name: 'http',
    kinds: ['http'],
    async fetch(source: VideoSource, ctx: FetchContext): Promise<FetchedVideo> {
      if (source.kind !== 'http') throw new Error(`http source cannot fetch ${source.kind} videos`)
      const where = shown(source.url)
      const { url, headers } = splitCredentials(source.url)
      const headersMs = opts.connectTimeoutMs ?? 60_000
      const stallMs = opts.stallTimeoutMs ?? 60_000
      const dog = watchdog(headersMs, stallMs)
      try {
        return await download(url, headers, where, AbortSignal.any([ctx.signal, dog.signal]), dog, ctx)
      } catch (error) {
        if (ctx.signal.aborted) throw error
        if (dog.fired === 'headers') throw new JobError(`download of ${where} failed: no response within ${seconds(headersMs)}`, { failure: 'timeout', retryable: true, cause: error })
        if (dog.fired === 'body') throw new JobError(`download of ${where} stalled: no data for ${seconds(stallMs)} after ${dog.bytes} bytes`, { failure: 'timeout', retryable: true, cause: error })
        if (error instanceof JobError) throw error
        throw new JobError(`download of ${where} failed: ${scrub(describe(error), source.url)}`, { failure: 'network', retryable: true, cause: error })
      } finally {
        dog.stop()
      }
    }
  }

  async function download(
    url: string,
    headers: Record<string, string>,
    where: string,
    signal: AbortSignal,
    dog: { alive(): void; bytes: number },
    ctx: FetchContext
  ): Promise<FetchedVideo> {
    const res = await doFetch(url, { signal, redirect: 'follow', headers })
    dog.alive()
    if (!res.ok || !res.body) {
      const body = await excerpt(res, url)
      throw statusError(res.status, res.statusText, where, body)
    }
    const header = res.headers.get('content-length')
    const total = header !== null && /^\d+$/.test(header) ? Number(header) : null
    const dest = join(ctx.dir, fileName(res.url || url))
    ctx.log(`downloading ${where}${total !== null ? ` (${total} bytes)` : ''}`)
    let bytes = 0
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length
        dog.bytes = bytes
        dog.alive()
        ctx.onProgress(bytes, total)
        done(null, chunk)
      }
    })
    try {
      await pipeline(Readable.fromWeb(res.body as WebReadableStream), counter, createWriteStream(dest), { signal })
    } catch (error) {
      if (signal.aborted) throw error
      throw new JobError(`download of ${where} broke off after ${bytes} bytes: ${scrub(describe(error), url)}`, { failure: 'network', retryable: true, cause: error })
    }
    if (total !== null && bytes !== total)
      throw new JobError(`download of ${where} is incomplete: got ${bytes} of ${total} bytes`, { failure: 'network', retryable: true })
    ctx.onProgress(bytes, total ?? bytes)
    return { kind: 'file', path: dest, sizeBytes: bytes, temporary: true }
  }
}

function seconds(ms: number): string {
  return `${Math.round(ms / 100) / 10} s`
}

const EXCERPT_BYTES = 1024

/** The start of an error response's body (what the server said), for the evidence; the rest is not read. */
async function excerpt(res: Response, url: string): Promise<string | null> {
  if (!res.body) return null
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  try {
    while (size < EXCERPT_BYTES) {
      const { done, value } = await reader.read()
      if (done) break
      chunks.push(value)
      size += value.length
    }
  } catch {
    // a body that breaks off is still evidence up to there
  } finally {
    await reader.cancel().catch(() => undefined)
  }
  const text = Buffer.concat(chunks).subarray(0, EXCERPT_BYTES).toString('utf8').trim()
  return text ? scrub(text, url) : null
}

function statusError(status: number, text: string, where: string, body: string | null): JobError {
  const detail = { status, ...(body ? { body } : {}) }
  const what = `HTTP ${status}${text ? ` ${text}` : ''} from ${where}`
  if (status === 404 || status === 410) return new JobError(`video not found: ${what}`, { failure: 'source-missing', retryable: false, detail })
  if (status === 401 || status === 403) return new JobError(`access denied: ${what}`, { failure: 'source-missing', retryable: false, detail })
  if (status === 429) return new JobError(`rate limited: ${what}`, { failure: 'quota', retryable: true, detail })
  if (status >= 500 || status === 408) return new JobError(`server error: ${what}`, { failure: 'network', retryable: true, detail })
  return new JobError(`download refused: ${what}`, { failure: 'other', retryable: false, detail })
}

/**
 * fetch refuses URLs with user:password (and names the whole URL, password included, in its
 * error): the credentials go into a Basic Authorization header instead.
 */
function splitCredentials(raw: string): { url: string; headers: Record<string, string> } {
  let u: URL
  try {
    u = new URL(raw)
  } catch {
    return { url: raw, headers: {} }
  }
  if (!u.username && !u.password) return { url: raw, headers: {} }
  const basic = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64')
  u.username = ''
  u.password = ''
  return { url: u.href, headers: { authorization: `Basic ${basic}` } }
}

/** Takes the full URL (and its password or query, should a library echo them) out of an error text. */
function scrub(text: string, raw: string): string {
  let out = text.split(raw).join(shown(raw))
  try {
    const u = new URL(raw)
    for (const secret of [u.password, decodeURIComponent(u.password), u.search.slice(1)]) if (secret.length >= 3) out = out.split(secret).join('…')
  } catch {
    // not a URL: nothing more to take out
  }
  return out
}

/** The URL without credentials or query (signed URLs carry secrets there). */
function shown(url: string): string {
  try {
    const u = new URL(url)
    return `${u.protocol}//${u.host}${u.pathname}${u.search ? '?…' : ''}`
  } catch {
    return '(invalid URL)'
  }
}

/** A safe local name from the URL's last path segment, keeping a short extension for ffprobe's sake. */
function fileName(url: string): string {
  let name = 'video'
  try {
    name = decodeURIComponent(basename(new URL(url).pathname)) || 'video'
  } catch {
    // keep the default
  }
  const ext = extname(name).slice(0, 8).replace(/[^.\w]/g, '')
  const stem = basename(name, extname(name)).replace(/[^\w.-]/g, '_').slice(0, 80) || 'video'
  return `${stem}${ext}`
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error)
  const cause = (error as Error & { cause?: unknown }).cause
  const code = cause instanceof Error ? ((cause as NodeJS.ErrnoException).code ?? cause.message) : undefined
  return code ? `${error.message} (${code})` : error.message
}
