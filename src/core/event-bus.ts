import type { WorkerEvent } from '../shared/events'

export type EventListener = (event: WorkerEvent, seq: number) => void

/**
 * The core's typed event stream. Bridges subscribe and forward; a ring buffer of recent
 * events lets an SSE client that reconnects with Last-Event-ID catch up.
 */
export interface EventBus {
  emit(event: WorkerEvent): void
  subscribe(listener: EventListener): () => void
  /** Events after `seq` still in the buffer (oldest first). */
  since(seq: number): { event: WorkerEvent; seq: number }[]
  readonly lastSeq: number
}

export function createEventBus(capacity = 1000): EventBus {
  const listeners = new Set<EventListener>()
  const buffer: { event: WorkerEvent; seq: number }[] = []
  let lastSeq = 0
  return {
    emit(event) {
      lastSeq += 1
      buffer.push({ event, seq: lastSeq })
      if (buffer.length > capacity) buffer.shift()
      for (const listener of listeners) {
        try {
          listener(event, lastSeq)
        } catch {
          // A failing listener (a closed socket) must not stop the worker or other listeners.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    since(seq) {
      return buffer.filter((entry) => entry.seq > seq)
    },
    get lastSeq() {
      return lastSeq
    }
  }
}
