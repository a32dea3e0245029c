import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { spawn } from 'node:child_process'
import { copyFile, mkdir, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalAnalyzer } from '../../src/adapters/analyzer/local/index'
import { openDatabase, type EmbeddedDb } from '../../src/adapters/embedded/database'
import { createLocalQueue, type LocalQueue } from '../../src/adapters/queue/local'
import { createFileSource } from '../../src/adapters/source/file'
import { createHttpSource } from '../../src/adapters/source/http'
import { createYoutubeSource } from '../../src/adapters/source/youtube'
import { createEmbeddedStore } from '../../src/adapters/store/embedded'
import { createJournal } from '../../src/adapters/store/journal'
import { createStatsHistory } from '../../src/adapters/store/stats-history'
import { createUsageLedger } from '../../src/adapters/store/usage-ledger'
import { createCore, type CoreOptions } from '../../src/core/create-core'
import type { CoreHandle } from '../../src/core/core-handle'
import type { WorkerEvent } from '../../src/shared/events'
import { makeTestVideo, tempDir } from '../support/media'

// One PGlite for the whole file (a new one costs seconds); each test gets its own queue name.
let db: EmbeddedDb
let dir: string
let cleanup: () => Promise<void>
let video: string
let server: Server
let base: string
let flakyHits = 0
const stalled: (() => void)[] = []
let queueNo = 0

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-worker-'))
  db = await openDatabase(null)
  video = await makeTestVideo(dir)
  const bytes = await readFile(video)
  server = createServer((req, res) => {
    if (req.url === '/flaky.mp4' && ++flakyHits === 1) return void res.writeHead(503).end()
    if (req.url === '/down.mp4') return void res.writeHead(503).end()
    if (req.url === '/stall.mp4') {
      // Sends headers and a little, then waits until the test lets it go (or the client aborts).
      res.writeHead(200, { 'content-length': bytes.length })
      res.write(bytes.subarray(0, 100))
      stalled.push(() => res.end(bytes.subarray(100)))
      return
    }
    res.writeHead(200, { 'content-length': bytes.length }).end(bytes)
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

interface Harness {
  core: CoreHandle
  queue: LocalQueue
  events: WorkerEvent[]
  downloadDir: string
}

async function harness(opts: Partial<CoreOptions> & { maxReceiveCount?: number; visibilityTimeoutSeconds?: number } = {}): Promise<Harness> {
  const { visibilityTimeoutSeconds, ...coreOpts } = opts
  queueNo += 1
  const downloadDir = path.join(dir, `downloads-${queueNo}`)
  await mkdir(downloadDir, { recursive: true })
  const queue = createLocalQueue(db, { visibilityTimeoutSeconds: visibilityTimeoutSeconds ?? 30, maxReceiveCount: opts.maxReceiveCount ?? 5, name: `q${queueNo}`, pollIntervalMs: 100 })
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined }
  const core = createCore(
    {
      queue,
      sources: [createFileSource(), createHttpSource(), createYoutubeSource()],
      // The pipeline is under test here, not the analysis: skip the slow OCR and speech steps.
      analyzer: createLocalAnalyzer({ dataDir: dir, ocr: false, speech: false }),
      store: createEmbeddedStore(db),
      journal: createJournal(db),
      statsHistory: createStatsHistory(db),
      usage: createUsageLedger(db),
      clock: { now: () => new Date() },
      logger: silent
    },
    {
      concurrency: 2,
      pollWaitSeconds: 1,
      maxReceiveCount: opts.maxReceiveCount ?? 5,
      shutdownDeadlineSeconds: 1,
      downloadDir,
      dataDir: dir,
      readOnly: false,
      publicConfig: {},
      backoffSeconds: () => 0,
      ...coreOpts
    }
  )
  const events: WorkerEvent[] = []
  core.events.subscribe((e) => events.push(e))
  return { core, queue, events, downloadDir }
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

const statusesOf = (events: WorkerEvent[], id: string) =>
  events.flatMap((e) => (e.type === 'video.status' && e.videoId === id ? [e.status] : []))

describe('worker on the embedded pieces', () => {
  it('processes 5 videos to completed, with the events of each in order and the analysis saved', async () => {
    const h = await harness()
    const ids: string[] = []
    for (let i = 0; i < 5; i++) ids.push((await h.core.api['videos.enqueue']({ source: { kind: 'file', path: video }, title: `clip ${i}` })).id)
    await h.core.start()
    await waitFor('5 completed', () => h.events.filter((e) => e.type === 'video.completed').length === 5)
    for (const id of ids) {
      const detail = await h.core.api['videos.get']({ id })
      expect(detail?.video.processingStatus).toBe('completed')
      expect(detail?.video.isProcessed).toBe(true)
      expect(detail?.analysis?.metadata?.width).toBe(160)
      expect(detail?.video.stageMs.download).toBeGreaterThanOrEqual(0)
      expect(statusesOf(h.events, id)).toEqual(['queued', 'processing', 'downloading', 'processing', 'completed'])
      const journalStatuses = detail!.journal.filter((j) => j.type === 'video.status').map((j) => j.status)
      expect(journalStatuses).toEqual(['queued', 'processing', 'downloading', 'processing', 'completed'])
    }
    await h.core.stop()
    const stats = await h.core.api['stats.get'](undefined)
    expect([stats.received, stats.processed, stats.failed, stats.inFlight]).toEqual([5, 5, 0, 0])
    await h.core.close()
    expect(await readdir(h.downloadDir)).toEqual([])
    expect((await h.queue.counts()).visible + (await h.queue.counts()).inFlight).toBe(0)
    const history = await h.core.api['stats.history'](undefined)
    expect(history.at(-1)?.processed).toBe(5)
  })

  it('fails a malformed message and a missing file with their reasons and keeps processing', async () => {
    const h = await harness()
    await h.core.start()
    const badId = '5b0c7c4e-8e0e-4a39-9d0c-3a3f5d7c1b21'
    await h.queue.send('this is not json')
    await h.queue.send(JSON.stringify({ video_id: badId, source_type: 'ftp' }))
    const missingPath = path.join(dir, 'missing.mp4')
    // enqueue refuses a missing file, so it comes as a producer's message (the file may vanish after enqueue too).
    const missing = { id: 'a4d6e1f2-3b5c-4d7e-8f90-123456789abc' }
    await h.queue.send(JSON.stringify({ video_id: missing.id, source_type: 'file', file_path: missingPath }))
    const good = await h.core.api['videos.enqueue']({ source: { kind: 'file', path: video } })
    await waitFor('good one completed', () => h.events.some((e) => e.type === 'video.completed' && e.videoId === good.id))
    await waitFor('two failures', () => h.events.filter((e) => e.type === 'video.failed').length === 2)
    const enqueued = await h.core.api['videos.enqueue']({ source: { kind: 'file', path: missingPath } }).then(() => 'queued', (e: Error) => e.message)
    expect(enqueued).toBe(`no such file: ${missingPath}`)
    await waitFor('dead letter', async () => (await h.queue.counts()).dead === 1)

    const bad = await h.core.api['videos.get']({ id: badId })
    expect(bad?.video.processingStatus).toBe('failed')
    // A well-formed job naming a kind of source nothing reads is about the source, not the message.
    expect(bad?.video.errorCause).toBe('unsupported-source')
    expect(bad?.video.analysisResult).toBe('Error: source_type "ftp" is not supported: use s3, youtube, file or http')
    expect(bad?.video.isProcessed).toBe(false)
    const lost = await h.core.api['videos.get']({ id: missing.id })
    expect(lost?.video.errorCause).toBe('source-missing')
    expect(lost?.video.analysisResult).toBe(`Error: video file not found: ${missingPath} (no such file); check the path or enqueue it again`)
    expect((await h.queue.deadLetters.list({ limit: 10 })).items[0]?.reason).toMatch(/not JSON/)
    const groups = await h.core.api['failures.groups'](undefined)
    expect(groups.map((g) => g.cause).sort()).toEqual(expect.arrayContaining(['unsupported-source', 'source-missing']))
    await h.core.close()
  })

  it('retries a retryable failure on the next delivery, and gives up after the last one', async () => {
    const h = await harness({ maxReceiveCount: 2 })
    await h.core.start()
    const flaky = await h.core.api['videos.enqueue']({ source: { kind: 'http', url: `${base}/flaky.mp4` } })
    const down = await h.core.api['videos.enqueue']({ source: { kind: 'http', url: `${base}/down.mp4` } })
    await waitFor('flaky completed', () => h.events.some((e) => e.type === 'video.completed' && e.videoId === flaky.id))
    const flakyFails = h.events.filter((e) => e.type === 'video.failed' && e.videoId === flaky.id)
    expect(flakyFails.map((e) => e.type === 'video.failed' && e.final)).toEqual([false])
    await waitFor('down failed for good', () => h.events.some((e) => e.type === 'video.failed' && e.videoId === down.id && e.final))
    const downFails = h.events.flatMap((e) => (e.type === 'video.failed' && e.videoId === down.id ? [e] : []))
    expect(downFails.map((e) => e.final)).toEqual([false, true])
    expect(downFails[1]?.error).toMatch(/HTTP 503.*gave up after 2 deliveries/)
    await waitFor('dead-lettered', async () => (await h.queue.counts()).dead === 1)
    // Retry from the console sends it again: the server is still down, so it fails again.
    const retried = await h.core.api['videos.retry']({ id: down.id })
    expect(retried.processingStatus).toBe('queued')
    await h.core.close()
  })

  it('cancels a running job, never takes more jobs than slots, and hands jobs back on stop', async () => {
    const h = await harness()
    await h.core.start()
    const a = await h.core.api['videos.enqueue']({ source: { kind: 'http', url: `${base}/stall.mp4` } })
    const b = await h.core.api['videos.enqueue']({ source: { kind: 'http', url: `${base}/stall.mp4` } })
    const c = await h.core.api['videos.enqueue']({ source: { kind: 'http', url: `${base}/stall.mp4` } })
    await waitFor('two downloading', () => stalled.length === 2)
    await new Promise((r) => setTimeout(r, 1500))
    expect(stalled.length).toBe(2)
    expect((await h.core.api['stats.get'](undefined)).inFlight).toBe(2)
    const running = [a, b, c].filter((v) => statusesOf(h.events, v.id).includes('downloading'))
    expect(running.length).toBe(2)
    const waiting = [a, b, c].find((v) => !running.includes(v))!
    expect(await h.core.api['videos.cancel']({ id: running[0]!.id })).toEqual({ cancelled: true })
    await waitFor('cancelled', () => h.events.some((e) => e.type === 'video.failed' && e.cause === 'cancelled'))
    expect((await h.core.api['videos.get']({ id: running[0]!.id }))?.video.analysisResult).toBe('Error: cancelled by the operator')
    await waitFor('third starts', () => stalled.length === 3)
    await h.core.stop({ mode: 'now' })
    for (const v of [running[1]!, waiting]) expect((await h.core.api['videos.get']({ id: v.id }))?.video.processingStatus).toBe('queued')
    expect((await h.queue.counts()).visible).toBe(2)
    expect(await readdir(h.downloadDir)).toEqual([])
    await h.core.close()
  })

  it('survives a store outage mid-run: the message waits out the backoff and the video completes once', async () => {
    const h = await harness({ backoffSeconds: () => 1 })
    const v = await h.core.api['videos.enqueue']({ source: { kind: 'file', path: video } })
    // A real store error: the table of record is gone while the worker receives the message.
    await db.exec('alter table videos rename to videos_away')
    try {
      await h.core.start()
      await waitFor('outage noticed', () => h.events.some((e) => e.type === 'log' && e.level === 'error' && /store unavailable/.test(e.message)))
    } finally {
      await db.exec('alter table videos_away rename to videos')
    }
    await waitFor('completed', () => h.events.some((e) => e.type === 'video.completed' && e.videoId === v.id))
    const receives = h.events.filter((e) => e.type === 'message.received')
    expect(receives.length).toBeGreaterThanOrEqual(2)
    expect(h.events.filter((e) => e.type === 'video.completed')).toHaveLength(1)
    expect((await h.core.api['worker.status'](undefined)).state).toBe('running')
    expect((await h.core.api['videos.get']({ id: v.id }))?.video).toMatchObject({ processingStatus: 'completed', isProcessed: true, attempts: 1 })
    await h.core.close()
    const counts = await h.queue.counts()
    expect([counts.visible, counts.inFlight, counts.dead]).toEqual([0, 0, 0])
  })

  it('clears job directories a crash left at start, but not those of another live worker sharing DOWNLOAD_DIR', async () => {
    const h = await harness()
    const exited = spawn(process.execPath, ['-e', ''])
    const deadPid = await new Promise<number>((resolve) => exited.on('exit', () => resolve(exited.pid!)))
    const dirs = {
      unmarked: '0b6c3a52-1f0e-4c7e-9d3b-5a2f8e1c4d71-1',
      dead: '0b6c3a52-1f0e-4c7e-9d3b-5a2f8e1c4d72-1',
      live: '0b6c3a52-1f0e-4c7e-9d3b-5a2f8e1c4d73-2',
      other: 'notes'
    }
    for (const d of Object.values(dirs)) await mkdir(path.join(h.downloadDir, d))
    await writeFile(path.join(h.downloadDir, dirs.dead, '.video-processor-pid'), String(deadPid))
    await writeFile(path.join(h.downloadDir, dirs.live, '.video-processor-pid'), String(process.ppid))
    await h.core.start()
    expect((await readdir(h.downloadDir)).sort()).toEqual([dirs.live, dirs.other].sort())
    await h.core.close()
  })

  it('marks a video failed, not queued forever, when its message cannot be sent; retry sends it', async () => {
    const h = await harness()
    await db.exec('alter table queue_messages rename to queue_messages_away')
    let id = ''
    try {
      await expect(h.core.api['videos.enqueue']({ source: { kind: 'file', path: video }, title: 'unsent' })).rejects.toThrow(/queue_messages/)
      const row = (await h.core.api['videos.list']({ search: 'unsent' })).items[0]
      id = row?.id ?? ''
      expect(row).toMatchObject({ processingStatus: 'failed', errorCause: 'other' })
      expect(row?.analysisResult).toMatch(/^Error: could not queue the video \(.*queue_messages.*\); retry it$/)
    } finally {
      await db.exec('alter table queue_messages_away rename to queue_messages')
    }
    await h.core.start()
    expect((await h.core.api['videos.retry']({ id })).processingStatus).toBe('queued')
    await waitFor('completed', () => h.events.some((e) => e.type === 'video.completed' && e.videoId === id))
    await h.core.close()
  })

  it('refuses writes in read-only mode', async () => {
    const h = await harness({ readOnly: true })
    await expect(h.core.api['videos.enqueue']({ source: { kind: 'file', path: video } })).rejects.toMatchObject({ code: 'read-only' })
    await expect(h.core.api['worker.start'](undefined)).rejects.toMatchObject({ code: 'read-only' })
    expect((await h.core.api['worker.status'](undefined)).readOnly).toBe(true)
    await expect(h.core.api['videos.get']({ id: 'nope' } as never)).rejects.toMatchObject({ code: 'bad-request' })
    await h.core.close()
  })

  it('keeps a job longer than the visibility timeout leased with heartbeats, so it is delivered once', async () => {
    const h = await harness({ visibilityTimeoutSeconds: 2 })
    await h.core.start()
    const before = stalled.length
    const v = await h.core.api['videos.enqueue']({ source: { kind: 'http', url: `${base}/stall.mp4` } })
    await waitFor('download started', () => stalled.length === before + 1)
    // Three visibility timeouts pass while the download hangs.
    await new Promise((r) => setTimeout(r, 6000))
    stalled[before]!()
    await waitFor('completed', () => h.events.some((e) => e.type === 'video.completed' && e.videoId === v.id))
    expect(h.events.filter((e) => e.type === 'message.received')).toHaveLength(1)
    expect(stalled.length).toBe(before + 1)
    await h.core.close()
    expect((await h.queue.counts()).inFlight + (await h.queue.counts()).visible).toBe(0)
  })

  it('lets a draining stop hand back what is still running at the deadline', async () => {
    const h = await harness()
    await h.core.start()
    const before = stalled.length
    const v = await h.core.api['videos.enqueue']({ source: { kind: 'http', url: `${base}/stall.mp4` } })
    await waitFor('download started', () => stalled.length === before + 1)
    await h.core.stop({ mode: 'drain', deadlineMs: 300 })
    expect((await h.core.api['worker.status'](undefined)).state).toBe('stopped')
    expect((await h.core.api['videos.get']({ id: v.id }))?.video.processingStatus).toBe('queued')
    // At the deadline the drain becomes a stop: the jobs still running are handed back.
    expect(h.events.filter((e) => e.type === 'worker.state').map((e) => e.type === 'worker.state' && e.state)).toEqual(['starting', 'running', 'draining', 'stopping', 'stopped'])
    expect((await h.queue.counts()).visible).toBe(1)
    await h.core.close()
  })

  it('cancels a queued video before it starts and retries failures by cause', async () => {
    const h = await harness()
    const queued = await h.core.api['videos.enqueue']({ source: { kind: 'file', path: video } })
    expect(await h.core.api['videos.cancel']({ id: queued.id })).toEqual({ cancelled: true })
    // A file that goes away after it was queued.
    const gonePath = path.join(dir, 'gone.mp4')
    await copyFile(video, gonePath)
    const gone = await h.core.api['videos.enqueue']({ source: { kind: 'file', path: gonePath } })
    await rm(gonePath)
    await h.core.start()
    await waitFor('gone failed', () => h.events.some((e) => e.type === 'video.failed' && e.videoId === gone.id))
    await waitFor('queue empty', async () => {
      const c = await h.queue.counts()
      return c.visible + c.inFlight === 0
    })
    expect((await h.core.api['videos.get']({ id: queued.id }))?.video.processingStatus).toBe('failed')
    expect(h.events.some((e) => e.type === 'video.status' && e.videoId === queued.id && e.status === 'processing')).toBe(false)
    // Every video cancelled so far in this file (the database is shared) is sent again, none other.
    const cancelled = (await h.core.api['videos.list']({ status: ['failed'] })).items.filter((v) => v.errorCause === 'cancelled')
    expect(cancelled.map((v) => v.id)).toContain(queued.id)
    expect(await h.core.api['videos.retryFailed']({ cause: 'cancelled' })).toEqual({ count: cancelled.length })
    expect((await h.core.api['videos.get']({ id: gone.id }))?.video.processingStatus).toBe('failed')
    await waitFor('retried one completed', () => h.events.some((e) => e.type === 'video.completed' && e.videoId === queued.id))
    expect((await h.core.api['videos.get']({ id: gone.id }))?.video.errorCause).toBe('source-missing')
    await h.core.close()
  })
})
