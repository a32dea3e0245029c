import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ConsoleApiError, WorkerStatus } from '../../src/shared/console-api'
import { Video, VideoDetail, VideoPage } from '../../src/shared/video'
import { Stats } from '../../src/shared/stats'
import type { WorkerEvent } from '../../src/shared/events'
import type { CoreHandle } from '../../src/core/core-handle'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { loadConfig } from '../../src/app/load-config'
import { openApp } from '../../src/app/open-app'
import { transports, type Connection, type TransportName } from '../contract/transports'
import { createInMemoryCore } from '../contract/in-memory-core'

type Opened = { core: CoreHandle; close(): Promise<void> }

/**
 * Cores the suite runs against: the API double (quick, checks the bridges alone) and the real
 * core on the embedded defaults (PGlite queue and store, local analyzer) in a temporary
 * DATA_DIR. Each is opened once and shared by the three transports.
 */
const cores: Record<string, { open(): Promise<Opened>; validatesInput: boolean }> = {
  'api double': {
    validatesInput: false,
    open: async () => {
      const core = createInMemoryCore()
      return { core, close: () => core.close() }
    }
  },
  'real core': {
    validatesInput: true,
    open: async () => {
      const dir = await mkdtemp(path.join(tmpdir(), 'vp-contract-'))
      const config = loadConfig({ env: { DATA_DIR: path.join(dir, 'data'), POLL_WAIT_SECONDS: '1', PATH: process.env['PATH'] ?? '' }, envFileName: null, cwd: dir })
      const app = await openApp(config, { logger: { debug() {}, info() {}, warn() {}, error() {} } })
      return {
        core: app.core,
        close: async () => {
          await app.close()
          await rm(dir, { recursive: true, force: true })
        }
      }
    }
  }
}

const shared = new Map<string, Promise<Opened>>()
afterAll(async () => {
  for (const opened of shared.values()) await (await opened).close()
})

function waitFor(events: WorkerEvent[], match: (event: WorkerEvent) => boolean, what: string): Promise<WorkerEvent> {
  return new Promise((resolve, reject) => {
    const started = Date.now()
    const check = () => {
      const found = events.find(match)
      if (found) return resolve(found)
      if (Date.now() - started > 10_000) return reject(new Error(`no ${what} event; got ${events.map((e) => e.type).join(', ')}`))
      setTimeout(check, 10)
    }
    check()
  })
}

for (const [coreName, { open, validatesInput }] of Object.entries(cores)) {
  const openCore = () => {
    if (!shared.has(coreName)) shared.set(coreName, open())
    return shared.get(coreName)!
  }
  describe.each(Object.keys(transports) as TransportName[])(`ConsoleApi (${coreName}) through %s`, (transport) => {
    let opened: Opened
    let connection: Connection
    const events: WorkerEvent[] = []
    let unsubscribe: () => void

    beforeAll(async () => {
      opened = await openCore()
      connection = await transports[transport](opened.core)
      unsubscribe = await connection.subscribe((event) => events.push(event))
    })
    afterAll(async () => {
      unsubscribe?.()
      await connection?.close()
    })

    it('reports the worker status with its backends', async () => {
      const status = WorkerStatus.parse(await connection.api['worker.status'](undefined))
      expect(Object.keys(status.backends).sort()).toEqual(['analyzer', 'queue', 'source', 'store'])
    })

    it('enqueues a video, lists it, returns its detail and tells subscribers', async () => {
      const video = Video.parse(
        await connection.api['videos.enqueue']({ source: { kind: 'http', url: 'http://127.0.0.1:9/contract.mp4' }, title: `contract via ${transport}` })
      )
      expect(video.title).toBe(`contract via ${transport}`)
      expect(video.source).toEqual({ kind: 'http', url: 'http://127.0.0.1:9/contract.mp4' })
      const page = VideoPage.parse(await connection.api['videos.list']({ search: `contract via ${transport}` }))
      expect(page.items.map((item) => item.id)).toContain(video.id)
      const detail = VideoDetail.parse(await connection.api['videos.get']({ id: video.id }))
      expect(detail.video.id).toBe(video.id)
      await waitFor(events, (e) => (e.type === 'video.updated' && e.video.id === video.id) || ('videoId' in e && e.videoId === video.id), 'event about the new video')
    })

    it('answers null for an unknown video and a typed error for retrying one', async () => {
      const id = '00000000-0000-4000-8000-000000000000'
      expect(await connection.api['videos.get']({ id })).toBeNull()
      const error = await connection.api['videos.retry']({ id }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConsoleApiError)
      expect((error as ConsoleApiError).code).toBe('not-found')
    })

    it('starts and stops the worker and streams its state', async () => {
      const started = await connection.api['worker.start'](undefined)
      expect(['starting', 'running']).toContain(started.state)
      await waitFor(events, (e) => e.type === 'worker.state' && (e.state === 'running' || e.state === 'starting'), 'worker.state running')
      const stopped = await connection.api['worker.stop']({ mode: 'now' })
      expect(['stopping', 'stopped']).toContain(stopped.state)
      await waitFor(events, (e) => e.type === 'worker.state' && e.state === 'stopped', 'worker.state stopped')
    })

    it('cancels a queued video, and retrying failures by cause queues it again', async () => {
      // The worker is stopped now (previous test), so the video stays queued until cancelled.
      const video = await connection.api['videos.enqueue']({ source: { kind: 'http', url: 'http://127.0.0.1:9/cancel.mp4' }, title: `cancel via ${transport}` })
      expect(await connection.api['videos.cancel']({ id: video.id })).toEqual({ cancelled: true })
      const cancelled = VideoDetail.parse(await connection.api['videos.get']({ id: video.id }))
      expect(cancelled.video).toMatchObject({ processingStatus: 'failed', errorCause: 'cancelled' })
      expect(await connection.api['videos.cancel']({ id: video.id })).toEqual({ cancelled: false })
      const { count } = await connection.api['videos.retryFailed']({ cause: 'cancelled' })
      expect(count).toBeGreaterThanOrEqual(1)
      const again = VideoDetail.parse(await connection.api['videos.get']({ id: video.id }))
      expect(again.video.processingStatus).toBe('queued')
    })

    it('returns statistics that validate', async () => {
      const stats = Stats.parse(await connection.api['stats.get'](undefined))
      expect(stats.received).toBeGreaterThanOrEqual(0)
    })

    it.skipIf(transport === 'direct' && !validatesInput)('refuses invalid input with a bad-request error naming the field', async () => {
      const call = connection.api['videos.get'] as (input: unknown) => Promise<unknown>
      const error = await call({ id: 'nope' }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(ConsoleApiError)
      expect((error as ConsoleApiError).code).toBe('bad-request')
      expect((error as Error).message).toMatch(/id/)
    })
  })
}
