import { randomUUID } from 'node:crypto'
import { createEventBus } from '../../src/core/event-bus'
import type { CoreHandle } from '../../src/core/core-handle'
import { ConsoleApiError, type ConsoleApi, type WorkerStatus } from '../../src/shared/console-api'
import type { Video } from '../../src/shared/video'
import type { WorkerState } from '../../src/shared/events'
import { queuedVideo } from '../support/video-fixtures'
import type { FailureCause } from '../../src/shared/video-status'
import { matchesQuery, retryOutlook } from '../../src/shared/video-view'

/**
 * A test double of the API surface (not of the worker): enough behaviour for the bridges'
 * tests to tell a right answer from a wrong one. The contract suite also runs the real core.
 */
const noSettings = async (): Promise<never> => {
  throw new ConsoleApiError('not-found', 'the in-memory core keeps no settings')
}

export function createInMemoryCore(): CoreHandle & { fail(id: string, cause: FailureCause): void } {
  const events = createEventBus(50)
  const videos = new Map<string, Video>()
  let state: WorkerState = 'stopped'
  const now = () => new Date().toISOString()
  const status = (): WorkerStatus => ({
    state,
    backends: { queue: 'memory', source: 'memory', analyzer: 'memory', store: 'memory' },
    concurrency: 1,
    readOnly: false,
    draining: false
  })
  const setState = (next: WorkerState) => {
    state = next
    events.emit({ type: 'worker.state', at: now(), state })
    return status()
  }
  const update = (video: Video) => {
    videos.set(video.id, video)
    events.emit({ type: 'video.updated', at: now(), video })
    return video
  }
  const api: ConsoleApi = {
    'worker.status': async () => status(),
    'worker.start': async () => setState('running'),
    'worker.stop': async () => setState('stopped'),
    'stats.get': async () => ({
      startedAt: null,
      uptimeMs: 0,
      received: videos.size,
      processed: 0,
      failed: [...videos.values()].filter((v) => v.processingStatus === 'failed').length,
      cancelled: 0,
      inFlight: 0,
      stages: {},
      tokens: { prompt: 0, output: 0, total: 0 },
      costUsd: 0
    }),
    'stats.history': async () => [],
    'videos.list': async (query) => {
      const all = [...videos.values()].filter((v) => !query?.status || query.status.includes(v.processingStatus))
      const matching = query?.search ? all.filter((v) => v.id.startsWith(query.search ?? '') || v.title?.includes(query.search ?? '')) : all
      return { items: matching.slice(0, query?.limit ?? 500), total: matching.length }
    },
    'videos.get': async ({ id }) => {
      const video = videos.get(id)
      return video ? { video, analysis: null, journal: [] } : null
    },
    'videos.enqueue': async ({ source, title }) => update(queuedVideo({ id: randomUUID(), title: title ?? null, source, at: now() })),
    'videos.retry': async ({ id }) => {
      const video = videos.get(id)
      if (!video) throw new ConsoleApiError('not-found', `No video ${id}`)
      if (video.processingStatus !== 'failed') throw new ConsoleApiError('conflict', `Video ${id} has not failed`)
      return update({ ...video, processingStatus: 'queued', updatedAt: now() })
    },
    'videos.retryFailed': async (input) => {
      const failed = [...videos.values()].filter((v) => v.processingStatus === 'failed' && (!input?.cause || v.errorCause === input.cause))
      for (const video of failed) update({ ...video, processingStatus: 'queued' })
      return { count: failed.length }
    },
    'videos.cancel': async ({ id }) => {
      const video = videos.get(id)
      if (!video || video.processingStatus === 'completed' || video.processingStatus === 'failed') return { cancelled: false }
      update({ ...video, processingStatus: 'failed', errorCause: 'cancelled', analysisResult: 'Error: cancelled' })
      return { cancelled: true }
    },
    'failures.groups': async () => [],
    'config.get': async () => ({ DATA_DIR: '/tmp/x', GEMINI_API_KEY: '••••' }),
    // The settings store is the app's; this double of the API surface keeps none.
    'settings.get': noSettings,
    'settings.set': noSettings,
    'settings.check': noSettings,
    'profiles.list': noSettings,
    'profiles.use': noSettings,
    'profiles.remove': noSettings,
    'videos.retryMany': async (input) => {
      const query = { ...input.filter, display: input.filter?.display ?? ['failed' as const] }
      const failed = [...videos.values()].filter((v) => v.processingStatus === 'failed' && matchesQuery(v, query) && (!input.ids || input.ids.includes(v.id)))
      const permanent = failed.filter((v) => retryOutlook(v) === 'unlikely' && !input.includeUnlikely)
      const todo = failed.filter((v) => !permanent.includes(v))
      if (!input.dryRun) for (const video of todo) update({ ...video, processingStatus: 'queued', updatedAt: now() })
      return { matched: failed.length, done: todo.length, skipped: permanent.length ? [{ reason: 'permanent cause', count: permanent.length }] : [] }
    },
    'videos.cancelRetries': async () => ({ matched: 0, done: 0, skipped: [] }),
    'videos.analyses': async () => [],
    'videos.inspect': async ({ id }) => {
      if (!videos.has(id)) throw new ConsoleApiError('not-found', `No video ${id}`)
      return { path: null, present: false, note: 'memory', sizeBytes: null, metadata: null, probeError: null, stills: [] }
    },
    'videos.export': async ({ id }) => {
      if (!videos.has(id)) throw new ConsoleApiError('not-found', `No video ${id}`)
      return { fileName: `${id}.zip`, base64: '', files: [] }
    },
    'sources.capabilities': async () => [],
    'queue.send': async () => ({ messageId: randomUUID() }),
    'deadLetters.list': async () => ({ store: null, items: [], total: null }),
    'deadLetters.requeue': async () => {
      throw new ConsoleApiError('not-found', 'the in-memory core has no dead-letter queue')
    },
    'deadLetters.purge': async () => {
      throw new ConsoleApiError('not-found', 'the in-memory core has no dead-letter queue')
    }
  }
  return {
    api,
    events,
    /** Marks a video failed with this cause, as the worker would. */
    fail(id: string, cause: FailureCause) {
      const video = videos.get(id)
      if (video) update({ ...video, processingStatus: 'failed', errorCause: cause, analysisResult: `Error: failed (${cause})`, completedAt: now(), updatedAt: now() })
    },
    start: () => api['worker.start'](undefined),
    stop: () => api['worker.stop'](undefined),
    close: async () => {
      state = 'stopped'
    }
  }
}
