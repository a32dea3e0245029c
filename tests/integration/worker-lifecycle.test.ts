/**
 * The worker's lifecycle on the embedded pieces: a stop during start-up ends `stopped` for good,
 * a stop `now` while draining hands the job back, hand-backs at stop do not use up deliveries,
 * and a job whose analysis is saved as the stop strikes has its message deleted, not handed back.
 */
import { createReadStream } from 'node:fs'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalAnalyzer } from '../../src/adapters/analyzer/local/index'
import { openDatabase, type EmbeddedDb } from '../../src/adapters/embedded/database'
import { createLocalQueue, type LocalQueue } from '../../src/adapters/queue/local'
import { createHttpSource } from '../../src/adapters/source/http'
import { createEmbeddedStore } from '../../src/adapters/store/embedded'
import { createJournal } from '../../src/adapters/store/journal'
import { createCore } from '../../src/core/create-core'
import type { CoreHandle } from '../../src/core/core-handle'
import type { Store } from '../../src/core/ports'
import type { WorkerEvent } from '../../src/shared/events'
import { makeTestVideo, tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'

let db: EmbeddedDb
let dir: string
let cleanup: () => Promise<void>
let server: Server
let base: string
let clip: string
const stalled: ServerResponse[] = []
let queueNo = 0

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-lifecycle-'))
  db = await openDatabase(null)
  clip = await makeTestVideo(dir, 'whole.mp4')
  // `/whole.mp4` is a real clip; anything else sends headers and a few bytes, then never more:
  // a download that runs until it is aborted.
  server = createServer((req, res) => {
    if (req.url === '/whole.mp4') {
      res.writeHead(200, { 'content-type': 'video/mp4' })
      createReadStream(clip).pipe(res)
      return
    }
    res.writeHead(200, { 'content-length': 1_000_000 })
    res.write(Buffer.alloc(100))
    stalled.push(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  await db.close()
  await cleanup()
})

async function harness(maxReceiveCount = 5, wrapStore: (store: Store) => Store = (store) => store): Promise<{ core: CoreHandle; queue: LocalQueue; events: WorkerEvent[] }> {
  queueNo += 1
  const downloadDir = path.join(dir, `downloads-${queueNo}`)
  const dataDir = path.join(dir, `data-${queueNo}`)
  await mkdir(downloadDir, { recursive: true })
  await mkdir(dataDir, { recursive: true })
  const queue = createLocalQueue(db, { visibilityTimeoutSeconds: 30, maxReceiveCount, name: `life${queueNo}`, pollIntervalMs: 100 })
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined }
  const core = createCore(
    {
      queue,
      sources: [createHttpSource()],
      analyzer: createLocalAnalyzer({ dataDir, ocr: false, speech: false }),
      store: wrapStore(createEmbeddedStore(db)),
      journal: createJournal(db),
      clock: { now: () => new Date() },
      logger: silent
    },
    { concurrency: 2, pollWaitSeconds: 1, maxReceiveCount, shutdownDeadlineSeconds: 1, downloadDir, dataDir, readOnly: false, publicConfig: {} }
  )
  const events: WorkerEvent[] = []
  core.events.subscribe((e) => events.push(e))
  return { core, queue, events }
}

const states = (events: WorkerEvent[]) => events.flatMap((e) => (e.type === 'worker.state' ? [e.state] : []))

describe('worker lifecycle', () => {
  it('a stop during start-up ends stopped, and stays stopped (never overwritten to running)', async () => {
    const h = await harness()
    const started = h.core.start()
    const stopped = h.core.stop({ mode: 'drain' })
    await Promise.all([started, stopped])
    // Give a late start-up every chance to (wrongly) go on.
    await new Promise((r) => setTimeout(r, 300))
    expect((await h.core.api['worker.status'](undefined)).state).toBe('stopped')
    expect(states(h.events)).toEqual(['starting', 'stopping', 'stopped'])
    // And a later start works as usual.
    await h.core.start()
    expect((await h.core.api['worker.status'](undefined)).state).toBe('running')
    await h.core.stop({ mode: 'now' })
  })

  it('a stop now while draining hands the job back at once', async () => {
    const h = await harness()
    const before = stalled.length
    const v = await h.core.api['videos.enqueue']({ source: { kind: 'http', url: `${base}/slow.mp4` } })
    await h.core.start()
    await waitUntil('download started', () => stalled.length === before + 1)
    const draining = h.core.stop({ mode: 'drain', deadlineMs: 600_000 })
    await waitUntil('draining', async () => (await h.core.api['worker.status'](undefined)).state === 'draining')
    await h.core.stop({ mode: 'now' })
    await draining
    expect(states(h.events)).toEqual(['starting', 'running', 'draining', 'stopping', 'stopped'])
    expect((await h.core.api["videos.get"]({ id: v.id }))?.video.processingStatus).toBe('queued')
    const counts = await h.queue.counts()
    expect(counts.inFlight).toBe(0)
  })

  it('hand-backs at stop do not use up deliveries: three restarts, still on delivery 1', async () => {
    const h = await harness(2)
    const v = await h.core.api['videos.enqueue']({ source: { kind: 'http', url: `${base}/slow.mp4` } })
    for (let round = 1; round <= 3; round++) {
      const before = stalled.length
      await h.core.start()
      await waitUntil(`download ${round} started`, () => stalled.length === before + 1)
      await h.core.stop({ mode: 'now' })
    }
    const received = h.events.flatMap((e) => (e.type === 'message.received' ? [e.receiveCount] : []))
    expect(received).toEqual([1, 1, 1])
    const counts = await h.queue.counts()
    expect(counts.dead).toBe(0)
    expect((await h.core.api["videos.get"]({ id: v.id }))?.video.processingStatus).toBe('queued')
  })

  it('a stop that strikes once the analysis is saved deletes the message instead of handing it back', async () => {
    let stopping: Promise<unknown> | null = null
    let stop = (): Promise<unknown> => Promise.resolve()
    // The stop `now` comes while the row's `completed` write is on its way: the job has its
    // analysis and saves it; what is left is only to delete the message.
    const h = await harness(5, (store) => ({
      ...store,
      async updateLeased(lease, patch, opts) {
        if (patch.processingStatus === 'completed') stopping ??= stop()
        return store.updateLeased(lease, patch, opts)
      }
    }))
    stop = () => h.core.stop({ mode: 'now' })
    const v = await h.core.api['videos.enqueue']({ source: { kind: 'http', url: `${base}/whole.mp4` } })
    await h.core.start()
    await waitUntil('the stop struck', () => stopping !== null, 60_000)
    await stopping
    expect((await h.core.api['videos.get']({ id: v.id }))?.video.processingStatus).toBe('completed')
    // Handed back, it would be delivered again only to be found completed: a delivery for nothing.
    const counts = await h.queue.counts()
    expect(counts).toMatchObject({ visible: 0, inFlight: 0, dead: 0 })
    expect(h.events.filter((e) => e.type === 'message.received')).toHaveLength(1)
  })

  it('a stop whose hand-back write fails still hands the message back, on its last delivery too', async () => {
    // The row's `queued` write at the stop fails (the store is gone for a moment): the job was cut
    // short all the same, so its message goes back uncounted, never to a retry delay or the DLQ.
    const h = await harness(1, (store) => ({
      ...store,
      async updateLeased(lease, patch, opts) {
        if (patch.processingStatus === 'queued') throw Object.assign(new Error('connect ECONNRESET'), { code: 'ECONNRESET' })
        return store.updateLeased(lease, patch, opts)
      }
    }))
    const before = stalled.length
    await h.core.api['videos.enqueue']({ source: { kind: 'http', url: `${base}/slow.mp4` } })
    await h.core.start()
    await waitUntil('download started', () => stalled.length === before + 1)
    await h.core.stop({ mode: 'now' })
    const counts = await h.queue.counts()
    expect(counts).toMatchObject({ visible: 1, inFlight: 0, dead: 0 })
  })
})
