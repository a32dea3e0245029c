import { HTTP_EVENTS_PATH } from './console-api'
import { WorkerEvent } from './events'
import { joinUrl, type HttpConsoleClientOptions } from './http-rpc'

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

/**
 * The event stream of the HTTP bridge, read with fetch in Node and in the browser alike: the
 * token goes in a header (the page's cookie rides along on its own origin), a dropped stream
 * is opened again after the server's `retry:` delay with `Last-Event-ID`, so nothing is missed
 * that the server still holds.
 */
export function createHttpEvents(options: HttpConsoleClientOptions): Subscribe {
  const doFetch: typeof fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init))
  return (onEvent, handlers = {}) => subscribeWithFetch(options, doFetch, onEvent, handlers)
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
