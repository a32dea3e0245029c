/**
 * One analysis per video: duplicate deliveries, two workers on one queue, Retry and Cancel of
 * videos whose message is still pending. The analyzer is a gate the test opens, counting calls
 * per video and how many run at once.
 */
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type EmbeddedDb } from '../../src/adapters/embedded/database'
import { createLocalQueue, type LocalQueue } from '../../src/adapters/queue/local'
import { createEmbeddedStore } from '../../src/adapters/store/embedded'
import { createJournal } from '../../src/adapters/store/journal'
import type { CoreHandle } from '../../src/core/core-handle'
import { createCore, type CoreOptions } from '../../src/core/create-core'
import type { Analyzer } from '../../src/core/ports'
import type { WorkerEvent } from '../../src/shared/events'
import { gateAnalyzer, urlSource } from '../support/gate-analyzer'
import { tempDir } from '../support/media'

let db: EmbeddedDb
let dir: string
let cleanup: () => Promise<void>
let queueNo = 0

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-claim-'))
  db = await openDatabase(null)
})
afterAll(async () => {
  await db.close()
  await cleanup()
})

interface Worker {
  core: CoreHandle
  events: WorkerEvent[]
}

async function worker(queue: LocalQueue, analyzer: Analyzer, opts: Partial<CoreOptions> = {}): Promise<Worker> {
  const downloadDir = path.join(dir, `downloads-${randomUUID().slice(0, 8)}`)
  await mkdir(downloadDir, { recursive: true })
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined }
  const core = createCore(
    { queue, sources: [urlSource], analyzer, store: createEmbeddedStore(db), journal: createJournal(db), clock: { now: () => new Date() }, logger: silent },
    {
      concurrency: 2,
      pollWaitSeconds: 1,
      maxReceiveCount: 5,
      shutdownDeadlineSeconds: 1,
      downloadDir,
      dataDir: dir,
      readOnly: false,
      publicConfig: {},
      backoffSeconds: () => 1,
      ...opts
    }
  )
  const events: WorkerEvent[] = []
  core.events.subscribe((e) => events.push(e))
  return { core, events }
}

function newQueue(visibilityTimeoutSeconds = 2): LocalQueue {
  queueNo += 1
  return createLocalQueue(db, { visibilityTimeoutSeconds, maxReceiveCount: 5, name: `claim${queueNo}`, pollIntervalMs: 50 })
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 30_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

const received = (events: WorkerEvent[], id: string) => events.filter((e) => e.type === 'message.received' && e.videoId === id).length
const empty = async (queue: LocalQueue) => {
  const c = await queue.counts()
  return c.visible + c.inFlight + c.delayed === 0
}
const seedBody = (id: string) => JSON.stringify({ video_id: id, source_type: 'http', url: `http://127.0.0.1:9/${id}.mp4` })

describe('one analysis per video', () => {
  it('two deliveries of one video at once: one runs, the other waits and is then deleted as a duplicate', async () => {
    const gate = gateAnalyzer()
    const queue = newQueue()
    const w = await worker(queue, gate.analyzer)
    const id = randomUUID()
    await queue.send(seedBody(id))
    await queue.send(seedBody(id))
    await w.core.start()
    await waitFor('both deliveries received', () => received(w.events, id) === 2)
    await waitFor('one run started', () => gate.calls(id) === 1)
    gate.release()
    await waitFor('completed', () => w.events.some((e) => e.type === 'video.completed' && e.videoId === id))
    await waitFor('queue empty', () => empty(queue))
    expect(gate.calls(id)).toBe(1)
    expect(gate.most).toBe(1)
    const detail = await w.core.api['videos.get']({ id })
    expect(detail?.video).toMatchObject({ processingStatus: 'completed', attempts: 1 })
    expect(detail?.journal.map((j) => j.message).join('\n')).toMatch(/deleted without running the video: the video is already completed/)
    await w.core.close()
  })

  it('two workers on one queue and one store never analyse the same video twice', async () => {
    const gate = gateAnalyzer()
    const queue = newQueue()
    const a = await worker(queue, gate.analyzer, { concurrency: 1 })
    const b = await worker(queue, gate.analyzer, { concurrency: 1 })
    const ids = [randomUUID(), randomUUID(), randomUUID()]
    // Every video twice, as a producer that sends again (or SQS delivering twice) would.
    for (const id of ids) for (let i = 0; i < 2; i++) await queue.send(seedBody(id))
    await Promise.all([a.core.start(), b.core.start()])
    gate.release()
    await waitFor('all completed', async () => {
      const rows = await Promise.all(ids.map((id) => a.core.api['videos.get']({ id })))
      return rows.every((r) => r?.video.processingStatus === 'completed')
    })
    await waitFor('queue empty', () => empty(queue))
    for (const id of ids) expect(gate.calls(id)).toBe(1)
    await Promise.all([a.core.close(), b.core.close()])
  })

  it('a completed video is not redone when its message comes again', async () => {
    const gate = gateAnalyzer()
    gate.release()
    const queue = newQueue()
    const w = await worker(queue, gate.analyzer)
    const video = await w.core.api['videos.enqueue']({ source: { kind: 'http', url: 'http://127.0.0.1:9/a.mp4' } })
    await w.core.start()
    await waitFor('completed', () => w.events.some((e) => e.type === 'video.completed' && e.videoId === video.id))
    await queue.send(seedBody(video.id))
    await waitFor('duplicate received', () => received(w.events, video.id) === 2)
    await waitFor('queue empty', () => empty(queue))
    expect(gate.calls(video.id)).toBe(1)
    expect((await w.core.api['videos.get']({ id: video.id }))?.video.attempts).toBe(1)
    await w.core.close()
  })
})

describe('Retry and Cancel of a video whose message is pending', () => {
  it('Retry of a queued video is refused with the reason; it runs once', async () => {
    const gate = gateAnalyzer()
    gate.release()
    const queue = newQueue()
    const w = await worker(queue, gate.analyzer)
    const video = await w.core.api['videos.enqueue']({ source: { kind: 'http', url: 'http://127.0.0.1:9/q.mp4' } })
    await expect(w.core.api['videos.retry']({ id: video.id })).rejects.toThrow(/already queued/)
    expect(await w.core.api['videos.retryFailed'](undefined)).toEqual({ count: 0 })
    expect((await queue.counts()).visible).toBe(1)
    await w.core.start()
    await waitFor('completed', () => w.events.some((e) => e.type === 'video.completed' && e.videoId === video.id))
    await waitFor('queue empty', () => empty(queue))
    expect(gate.calls(video.id)).toBe(1)
    expect(received(w.events, video.id)).toBe(1)
    await w.core.close()
  })

  it('two retries at once of a failed video make one message, and Retry of a pending retry is refused', async () => {
    const gate = gateAnalyzer()
    gate.setPlan((_id, call) => (call === 1 ? 'permanent' : call === 2 ? 'retryable' : 'ok'))
    gate.release()
    const queue = newQueue()
    const w = await worker(queue, gate.analyzer, { backoffSeconds: () => 30 })
    const video = await w.core.api['videos.enqueue']({ source: { kind: 'http', url: 'http://127.0.0.1:9/f.mp4' } })
    await w.core.start()
    await waitFor('failed for good', async () => (await w.core.api['videos.get']({ id: video.id }))?.video.completedAt)
    await waitFor('queue empty', () => empty(queue))
    await w.core.stop()
    const both = await Promise.allSettled([w.core.api['videos.retry']({ id: video.id }), w.core.api['videos.retry']({ id: video.id })])
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    expect(String((both.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason)).toMatch(/already queued/)
    expect((await queue.counts()).visible).toBe(1)
    expect(await w.core.api['videos.retryMany']({ ids: [video.id], dryRun: false, includeUnlikely: true })).toMatchObject({ done: 0 })
    expect((await queue.counts()).visible).toBe(1)

    // The retry fails retryably: its automatic retry is pending (30 s backoff).
    await w.core.start()
    await waitFor('retry pending', async () => {
      const v = (await w.core.api['videos.get']({ id: video.id }))?.video
      return v?.processingStatus === 'failed' && v.completedAt === null && v.attempts === 2
    })
    await expect(w.core.api['videos.retry']({ id: video.id })).rejects.toThrow(/automatic retry/)
    expect(await w.core.api['videos.retryFailed'](undefined)).toEqual({ count: 0 })
    const c = await queue.counts()
    expect(c.visible + c.inFlight + c.delayed).toBe(1)
    await w.core.close()
  })

  it('Cancel stops a video waiting for its automatic retry: the later delivery is deleted without running', async () => {
    const gate = gateAnalyzer()
    gate.setPlan((_id, call) => (call === 1 ? 'retryable' : 'ok'))
    gate.release()
    const queue = newQueue()
    const w = await worker(queue, gate.analyzer, { backoffSeconds: () => 1 })
    const video = await w.core.api['videos.enqueue']({ source: { kind: 'http', url: 'http://127.0.0.1:9/c.mp4' } })
    await w.core.start()
    await waitFor('retry pending', async () => {
      const v = (await w.core.api['videos.get']({ id: video.id }))?.video
      return v?.processingStatus === 'failed' && v.completedAt === null
    })
    expect(await w.core.api['videos.cancel']({ id: video.id })).toEqual({ cancelled: true })
    await waitFor('second delivery received', () => received(w.events, video.id) === 2)
    await waitFor('queue empty', () => empty(queue))
    expect(gate.calls(video.id)).toBe(1)
    const detail = await w.core.api['videos.get']({ id: video.id })
    expect(detail?.video).toMatchObject({ processingStatus: 'failed', errorCause: 'cancelled' })
    expect(detail?.journal.map((j) => j.message).join('\n')).toMatch(/cancelled by the operator before this delivery/)
    // Now Retry runs it again, once, and the old message could never come back to run it twice.
    await w.core.api['videos.retry']({ id: video.id })
    await waitFor('completed', () => w.events.some((e) => e.type === 'video.completed' && e.videoId === video.id))
    expect(gate.calls(video.id)).toBe(2)
    await w.core.close()
  })
})
