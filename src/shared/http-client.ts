import {
  ApiResult,
  ConsoleApiError,
  HTTP_EVENTS_PATH,
  HTTP_RPC_PREFIX,
  procedureNames,
  type ConsoleApi,
  type ProcedureName
} from './console-api'
import { WorkerEvent } from './events'
import type { Video } from './video'

/** `POST` the raw file here (`?name=&title=`) to add a video from a browser, which cannot give a path. */
export const HTTP_UPLOAD_PATH = '/api/upload'

/** How to reach a console server (`video-processor serve`). */
export interface HttpConsoleClientOptions {
  /** e.g. `http://127.0.0.1:8787`; empty string means the page's own origin (the browser console). */
  baseUrl: string
  /** Sent as `Authorization: Bearer` (and `?token=` where headers are impossible: EventSource). */
  token?: string
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch
}

/** Callbacks of an event subscription besides the events themselves. */
export interface SubscribeHandlers {
  /** The stream is (re)connected: caches may be stale, refetch what is shown. */
  onOpen?: () => void
  /** The server could not replay what was missed (it restarted, or too much happened). */
  onReset?: () => void
  /** The stream dropped; it reconnects by itself. */
  onError?: (error: unknown) => void
}

export type Subscribe = (onEvent: (event: WorkerEvent) => void, handlers?: SubscribeHandlers) => () => void

/** Sends a file's bytes to the server, which stores it under DATA_DIR/uploads and enqueues it. */
export type Upload = (file: Blob, name: string, title?: string) => Promise<Video>

/** The ConsoleApi over HTTP, plus the event stream over SSE and uploads. */
export type HttpConsoleClient = ConsoleApi & { subscribe: Subscribe; upload: Upload }

function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`
}

/** Creates a client of the HTTP bridge; works in Node (fetch) and in the browser (fetch + EventSource). */
export function createHttpConsoleClient(options: HttpConsoleClientOptions): HttpConsoleClient {
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  const headers: Record<string, string> = { 'Content-Type': 'application/json' }
  if (options.token) headers.Authorization = `Bearer ${options.token}`

  async function post(name: string, url: string, init: RequestInit): Promise<unknown> {
    let response: Response
    try {
      response = await doFetch(url, { method: 'POST', credentials: 'same-origin', ...init })
    } catch (error) {
      throw new Error(`Cannot reach the console at ${options.baseUrl || 'this page'}: ${(error as Error).message}`, { cause: error })
    }
    const text = await response.text()
    let body: unknown
    try {
      body = JSON.parse(text)
    } catch {
      throw new ConsoleApiError('internal', `${name}: the server answered ${response.status} without a result`)
    }
    const parsed = ApiResult.safeParse(body)
    if (!parsed.success) throw new ConsoleApiError('internal', `${name}: the server answered ${response.status} with a malformed result`)
    if (!parsed.data.ok) throw new ConsoleApiError(parsed.data.error.code, parsed.data.error.message)
    return parsed.data.result
  }

  const call = (name: ProcedureName, input: unknown) =>
    post(name, joinUrl(options.baseUrl, HTTP_RPC_PREFIX + name), { headers, body: input === undefined ? '' : JSON.stringify(input) })

  const upload: Upload = async (file, name, title) => {
    const query = new URLSearchParams({ name, ...(title ? { title } : {}) })
    const uploadHeaders: Record<string, string> = { 'Content-Type': 'application/octet-stream' }
    if (options.token) uploadHeaders.Authorization = `Bearer ${options.token}`
    return (await post('upload', `${joinUrl(options.baseUrl, HTTP_UPLOAD_PATH)}?${query}`, { headers: uploadHeaders, body: file })) as Video
  }

  const api = Object.fromEntries(procedureNames.map((name) => [name, (input: unknown) => call(name, input)])) as ConsoleApi
  const subscribe: Subscribe = (onEvent, handlers = {}) =>
    typeof globalThis.EventSource === 'function' && !options.fetch
      ? subscribeWithEventSource(options, onEvent, handlers)
      : subscribeWithFetch(options, doFetch, onEvent, handlers)
  return Object.assign(api, { subscribe, upload })
}

function deliver(data: string, onEvent: (event: WorkerEvent) => void): void {
  let json: unknown
  try {
    json = JSON.parse(data)
  } catch {
    return
  }
  const parsed = WorkerEvent.safeParse(json)
  if (parsed.success) onEvent(parsed.data)
}

function eventsUrl(options: HttpConsoleClientOptions, params: Record<string, string>): string {
  const query = new URLSearchParams(params)
  if (options.token) query.set('token', options.token)
  const qs = query.toString()
  return joinUrl(options.baseUrl, HTTP_EVENTS_PATH) + (qs ? `?${qs}` : '')
}

function subscribeWithEventSource(
  options: HttpConsoleClientOptions,
  onEvent: (event: WorkerEvent) => void,
  handlers: SubscribeHandlers
): () => void {
  let closed = false
  let source: EventSource | undefined
  let lastId = ''
  let timer: ReturnType<typeof setTimeout> | undefined
  const open = () => {
    source = new EventSource(eventsUrl(options, lastId ? { lastEventId: lastId } : {}), { withCredentials: true })
    source.onopen = () => handlers.onOpen?.()
    source.onmessage = (message) => {
      lastId = message.lastEventId || lastId
      deliver(message.data as string, onEvent)
    }
    source.addEventListener('hello', (message) => {
      lastId = (message as MessageEvent).lastEventId || lastId
    })
    source.addEventListener('reset', (message) => {
      lastId = (message as MessageEvent).lastEventId || lastId
      handlers.onReset?.()
    })
    source.onerror = (error) => {
      handlers.onError?.(error)
      // EventSource retries network errors itself but gives up on an HTTP error (a proxy's 502
      // while the server restarts): then open a new one, resuming from the last id.
      if (source?.readyState === EventSource.CLOSED && !closed) {
        timer = setTimeout(open, 2000)
      }
    }
  }
  open()
  return () => {
    closed = true
    clearTimeout(timer)
    source?.close()
  }
}

type SseMessage = { event: string; data: string; id?: string; retry?: number }

/** Splits an SSE byte stream into messages (the subset of the spec the server writes). */
export function createSseParser(onMessage: (message: SseMessage) => void): (chunk: string) => void {
  let buffer = ''
  return (chunk) => {
    buffer += chunk
    let boundary: RegExpExecArray | null
    while ((boundary = /\r?\n\r?\n/.exec(buffer))) {
      const block = buffer.slice(0, boundary.index)
      buffer = buffer.slice(boundary.index + boundary[0].length)
      const message: SseMessage = { event: 'message', data: '' }
      const data: string[] = []
      for (const line of block.split(/\r?\n/)) {
        if (line === '' || line.startsWith(':')) continue
        const colon = line.indexOf(':')
        const field = colon === -1 ? line : line.slice(0, colon)
        const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '')
        if (field === 'data') data.push(value)
        else if (field === 'event') message.event = value
        else if (field === 'id') message.id = value
        else if (field === 'retry' && /^\d+$/.test(value)) message.retry = Number(value)
      }
      message.data = data.join('\n')
      if (data.length > 0 || message.id !== undefined || message.retry !== undefined) onMessage(message)
    }
  }
}

function subscribeWithFetch(
  options: HttpConsoleClientOptions,
  doFetch: typeof fetch,
  onEvent: (event: WorkerEvent) => void,
  handlers: SubscribeHandlers
): () => void {
  const abort = new AbortController()
  let lastId: string | undefined
  let retryMs = 1000
  const connect = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const headers: Record<string, string> = { Accept: 'text/event-stream' }
        if (options.token) headers.Authorization = `Bearer ${options.token}`
        if (lastId !== undefined) headers['Last-Event-ID'] = lastId
        const response = await doFetch(joinUrl(options.baseUrl, HTTP_EVENTS_PATH), { headers, signal: abort.signal })
        if (!response.ok || !response.body) throw new Error(`event stream answered ${response.status}`)
        handlers.onOpen?.()
        const parse = createSseParser((message) => {
          if (message.retry !== undefined) retryMs = message.retry
          if (message.id !== undefined) lastId = message.id
          if (message.event === 'message') deliver(message.data, onEvent)
          else if (message.event === 'reset') handlers.onReset?.()
        })
        const reader = response.body.getReader()
        const decoder = new TextDecoder()
        for (;;) {
          const { done, value } = await reader.read()
          if (done) break
          parse(decoder.decode(value, { stream: true }))
        }
        throw new Error('event stream ended')
      } catch (error) {
        if (abort.signal.aborted) return
        handlers.onError?.(error)
        await new Promise((resolve) => setTimeout(resolve, retryMs))
      }
    }
  }
  void connect()
  return () => abort.abort()
}
