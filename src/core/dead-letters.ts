import { ConsoleApiError, type DeadLetterList } from '../shared/console-api'
import type { DeadLetter, Ports } from './ports'
import { parseQueueMessage } from './parse-message'
import { errorText } from '../shared/error-text'
import { markDeadLettered } from './pipeline/handle-message'
import type { Recorder } from './recorder'
import type { StatsTracker } from './stats'

interface Deps {
  ports: Ports
  recorder: Recorder
  stats: StatsTracker
}

/** The videos a message body names (none for a body that is no job). */
export function videoIdsOf(body: string): string[] {
  const parsed = parseQueueMessage(body)
  if (parsed.kind === 'jobs') return parsed.jobs.map((j) => j.videoId)
  return parsed.kind === 'invalid' && parsed.videoId ? [parsed.videoId] : []
}

/** Marks the videos of messages the queue dead-lettered by itself `failed` (`dead-lettered`), with its reason. */
export async function markLetters(deps: Deps, letters: DeadLetter[]): Promise<void> {
  for (const letter of letters) {
    const reason = `the queue gave up on its message: ${letter.reason ?? `received ${letter.receiveCount} times without a result`}`
    for (const id of videoIdsOf(letter.body)) {
      if (await markDeadLettered(deps, id, reason)) deps.recorder.log('warn', `marked failed: ${reason}`, id)
    }
  }
}

const ROUNDS = 20

/** The console's dead-letter procedures over the queue's `deadLetters`, whichever queue it is. */
export function deadLetterApi(deps: Deps) {
  const { ports, recorder } = deps
  const admin = () => {
    const found = ports.queue.deadLetters
    if (!found) throw new ConsoleApiError('not-found', `${ports.queue.name} has no dead-letter queue: give it a redrive policy to keep messages it gives up on`)
    return found
  }

  /** Moves letters back, then marks their videos queued (a message is pending again: Retry waits for it). */
  async function requeue(ids: string[] | undefined): Promise<number> {
    const store = admin()
    let count = 0
    for (let round = 0; round < ROUNDS; round++) {
      const page = await store.list({ limit: 500 })
      const chosen = page.items.filter((l) => ids === undefined || ids.includes(l.id))
      if (chosen.length === 0) break
      count += await store.requeue(chosen.map((l) => l.id))
      for (const id of chosen.flatMap((l) => videoIdsOf(l.body))) {
        const queued = await ports.store.requeue(id, { newGeneration: false }).catch((e: unknown) => {
          recorder.log('warn', `video not marked queued after its message was requeued: ${errorText(e)}`, id)
          return null
        })
        if (queued) {
          recorder.emit({ type: 'video.updated', at: recorder.now(), video: queued.video })
          recorder.emit({ type: 'video.status', at: recorder.now(), videoId: id, status: 'queued', attempt: queued.video.attempts })
        }
      }
      if (ids !== undefined) break
    }
    return count
  }

  return {
    async list(limit: number): Promise<DeadLetterList> {
      const store = ports.queue.deadLetters
      if (!store) return { store: null, items: [], total: null }
      const page = await store.list({ limit })
      return {
        store: store.name,
        total: page.total,
        items: page.items.map((l) => ({
          id: l.id,
          body: l.body,
          videoId: videoIdsOf(l.body)[0] ?? null,
          reason: l.reason,
          receiveCount: l.receiveCount,
          sentAt: l.sentAt?.toISOString() ?? null,
          deadAt: l.deadAt?.toISOString() ?? null
        }))
      }
    },
    requeue,
    purge: (ids: string[] | undefined) => admin().purge(ids)
  }
}
