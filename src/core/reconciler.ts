import type { UnleasedRow } from './ports'
import { videoIdsOf } from './dead-letters'
import { errorText } from '../shared/error-text'
import type { Ports } from './ports'
import type { Recorder } from './recorder'
import type { StatsTracker } from './stats'

export interface ReconcilerOptions {
  /** A row unchanged this long with nobody holding it is stuck: visibility × deliveries, at least a backoff plus a visibility. */
  stuckAfterSeconds: number
  /** How often to look (the first look is at start). */
  everySeconds: number
}

const BATCH = 500

/**
 * Makes every row end true: at start and then periodically it finds rows left unsettled
 * (waiting after a delivery, in flight, or failed with a retry pending) that nobody has held
 * for longer than any delivery could take, and fails them: `dead-lettered` when their message
 * sits in the dead-letter queue, else `stuck`, with what is known. One conditional update per
 * row (only if it did not change meanwhile), so several machines may run this at once.
 */
export function createReconciler(deps: { ports: Ports; recorder: Recorder; stats: StatsTracker }, opts: ReconcilerOptions) {
  const { ports, recorder, stats } = deps
  let timer: NodeJS.Timeout | null = null
  let running: Promise<number> | null = null

  async function deadLettered(): Promise<Map<string, string>> {
    const found = new Map<string, string>()
    const letters = await ports.queue.deadLetters?.list({ limit: 1000 }).catch((e: unknown) => {
      recorder.log('warn', `reconcile: dead letters not read (${errorText(e)}); rows found are marked stuck`)
      return null
    })
    for (const l of letters?.items ?? []) for (const id of videoIdsOf(l.body)) found.set(id, l.reason ?? 'given up on by the queue')
    return found
  }

  function describe(row: UnleasedRow, minutes: number): string {
    const v = row.video
    const holder = row.lastOwner ? `; last claimed by ${row.lastOwner}${row.leaseUntil ? `, whose lease ended ${row.leaseUntil}` : ''}` : ''
    return `stuck: the video stayed ${v.processingStatus}${v.processingStatus === 'failed' ? ' with a retry pending' : ''} for over ${minutes} min with no worker holding it (attempt ${v.attempts}${holder}); its message was lost or given up on: retry it`
  }

  async function once(): Promise<number> {
    const before = new Date(ports.clock.now().getTime() - opts.stuckAfterSeconds * 1000)
    const rows = await ports.store.listUnleased(before, BATCH)
    if (rows.length === 0) return 0
    const dead = await deadLettered()
    const minutes = Math.round(opts.stuckAfterSeconds / 60)
    let settled = 0
    for (const row of rows) {
      const id = row.video.id
      const letter = dead.get(id)
      const failure = letter
        ? { cause: 'dead-lettered' as const, error: `its message is in the dead-letter queue: ${letter}` }
        : { cause: 'stuck' as const, error: describe(row, minutes) }
      const video = await ports.store.failUnleased(id, failure, { ifUpdatedAt: row.video.updatedAt })
      if (!video) continue
      settled += 1
      recorder.emit({ type: 'video.updated', at: recorder.now(), video })
      recorder.emit({ type: 'video.status', at: recorder.now(), videoId: id, status: 'failed', attempt: video.attempts })
      stats.failed()
      recorder.emit({ type: 'video.failed', at: recorder.now(), videoId: id, error: failure.error, cause: failure.cause, attempt: video.attempts, final: true })
    }
    if (settled > 0) recorder.log('warn', `reconcile: ${settled} video(s) left unsettled with no worker holding them were marked failed`)
    return settled
  }

  const run = (): Promise<number> => {
    running ??= once()
      .catch((e: unknown) => {
        recorder.log('warn', `reconcile failed (${errorText(e)}); trying again in ${opts.everySeconds} s`)
        return 0
      })
      .finally(() => {
        running = null
      })
    return running
  }

  return {
    /** Looks now and then every `everySeconds`; calling it again does nothing more. */
    start(): void {
      if (timer) return
      void run()
      timer = setInterval(() => void run(), opts.everySeconds * 1000)
      timer.unref?.()
    },
    /** One look now; resolves with how many rows it settled. */
    runOnce: run,
    async stop(): Promise<void> {
      if (timer) clearInterval(timer)
      timer = null
      await running
    }
  }
}
