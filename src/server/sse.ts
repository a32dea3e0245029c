import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CoreHandle } from '../app/open-app'
import type { WorkerEvent } from '../shared/events'

/** Options of the event stream. */
export interface SseOptions {
  /** A comment line this often keeps proxies and idle timeouts from closing the stream. @defaultValue 15000 */
  heartbeatMs?: number
  /** How long the browser waits before reconnecting. @defaultValue 1000 */
  retryMs?: number
}

/** Open event streams, so the server can end them when it closes. */
export type SseHub = { streams: Set<ServerResponse>; closeAll(): void }

export function createSseHub(): SseHub {
  const streams = new Set<ServerResponse>()
  return {
    streams,
    closeAll() {
      for (const res of streams) res.end()
      streams.clear()
    }
  }
}

function frame(seq: number, event: WorkerEvent): string {
  return `id: ${seq}\ndata: ${JSON.stringify(event)}\n\n`
}

function lastEventId(req: IncomingMessage, url: URL): number | undefined {
  const raw = req.headers['last-event-id'] ?? url.searchParams.get('lastEventId') ?? undefined
  const value = Number(Array.isArray(raw) ? raw[0] : raw)
  return raw !== undefined && Number.isInteger(value) && value >= 0 ? value : undefined
}

/**
 * `GET /api/events`: every `WorkerEvent` as one SSE message with its bus sequence as `id`.
 * A client reconnecting with `Last-Event-ID` gets what it missed from the bus's ring buffer;
 * when that is impossible (the buffer moved on, or the server restarted) it gets a `reset`
 * event and refetches everything.
 */
export function serveEvents(req: IncomingMessage, res: ServerResponse, url: URL, bus: CoreHandle['events'], hub: SseHub, options: SseOptions = {}): void {
  res.writeHead(200, {
    'Content-Type': 'text/event-stream; charset=utf-8',
    'Cache-Control': 'no-cache, no-transform',
    Connection: 'keep-alive',
    'X-Accel-Buffering': 'no'
  })
  res.write(`retry: ${options.retryMs ?? 1000}\n\n`)
  // Subscribe before replaying so nothing emitted in between is lost; skip duplicates by seq.
  let sent = lastEventId(req, url) ?? bus.lastSeq
  const pending: { event: WorkerEvent; seq: number }[] = []
  let replaying = true
  const unsubscribe = bus.subscribe((event, seq) => {
    if (replaying) pending.push({ event, seq })
    else if (seq > sent) {
      sent = seq
      res.write(frame(seq, event))
    }
  })
  const resumeFrom = lastEventId(req, url)
  if (resumeFrom !== undefined) {
    const missed = bus.since(resumeFrom)
    const oldest = missed[0]?.seq
    const gap = resumeFrom > bus.lastSeq || (oldest !== undefined && oldest > resumeFrom + 1)
    if (gap) {
      res.write(`event: reset\nid: ${bus.lastSeq}\ndata: {}\n\n`)
      sent = bus.lastSeq
    } else {
      for (const entry of missed) {
        res.write(frame(entry.seq, entry.event))
        sent = entry.seq
      }
    }
  } else {
    // A fresh client learns the current position, so its first reconnect can resume.
    res.write(`event: hello\nid: ${bus.lastSeq}\ndata: {}\n\n`)
  }
  replaying = false
  for (const entry of pending) {
    if (entry.seq > sent) {
      sent = entry.seq
      res.write(frame(entry.seq, entry.event))
    }
  }
  const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), options.heartbeatMs ?? 15_000)
  heartbeat.unref()
  hub.streams.add(res)
  const cleanup = () => {
    clearInterval(heartbeat)
    unsubscribe()
    hub.streams.delete(res)
  }
  req.on('close', cleanup)
  res.on('close', cleanup)
}
