import { EventEmitter } from 'node:events'
import type { EmbeddedDb } from '../embedded/database'

/**
 * In-process wake-ups for long polls: a send (or anything that makes a message
 * deliverable) on a queue wakes the receivers waiting on that queue at once, instead
 * of them finding it at their next poll. One emitter per database, so two queue
 * objects on the same table see each other's sends.
 */
const emitters = new WeakMap<EmbeddedDb, EventEmitter>()

function emitterOf(db: EmbeddedDb): EventEmitter {
  let emitter = emitters.get(db)
  if (!emitter) {
    emitter = new EventEmitter()
    emitter.setMaxListeners(0)
    emitters.set(db, emitter)
  }
  return emitter
}

export function wakeReceivers(db: EmbeddedDb, queue: string): void {
  emitterOf(db).emit(queue)
}

/** Resolves after `ms`, on a wake-up for `queue`, or when a signal aborts, whichever is first. */
export function sleepUntilWoken(db: EmbeddedDb, queue: string, ms: number, signals: (AbortSignal | undefined)[]): Promise<void> {
  const emitter = emitterOf(db)
  return new Promise((resolve) => {
    const live = signals.filter((s): s is AbortSignal => s !== undefined)
    const done = (): void => {
      clearTimeout(timer)
      emitter.off(queue, done)
      for (const s of live) s.removeEventListener('abort', done)
      resolve()
    }
    const timer = setTimeout(done, Math.max(0, ms))
    emitter.on(queue, done)
    for (const s of live) {
      if (s.aborted) return done()
      s.addEventListener('abort', done, { once: true })
    }
  })
}
