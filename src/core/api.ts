import { randomUUID } from 'node:crypto'
import { ZodError } from 'zod'
import { Analysis } from '../shared/analysis'
import { ConsoleApiError, consoleProcedures, type ConsoleApi, type ProcedureName, type WorkerStatus } from '../shared/console-api'
import { VideoQuery, type Video } from '../shared/video'
import { withoutCredentials, type VideoSource } from '../shared/video-source'
import { IN_FLIGHT_STATUSES, type FailureCause } from '../shared/video-status'
import { toSeedMessage } from './message-format'
import type { Ports } from './ports'
import type { Recorder } from './recorder'
import type { SettingsAdmin } from './settings-port'
import type { StatsTracker } from './stats'
import type { Worker } from './worker'
import { cancelWaiting, createBulkActions } from './bulk-actions'
import { deadLetterApi } from './dead-letters'
import { analysisRuns, withoutRunBodies } from './analysis-runs'
import { buildDebugBundle } from './debug-bundle'
import { inspectMedia } from './media-facts'
import { localMediaRules } from './local-media'
import { checkEnqueue, sourceCapabilities } from './source-capabilities'
import { isPendingRetry, listRow } from '../shared/video-view'
import { errorText, parseJsonOrNull } from '../shared/error-text'

export interface ApiDeps {
  ports: Ports
  recorder: Recorder
  stats: StatsTracker
  worker: Worker
  readOnly: boolean
  publicConfig: Record<string, string>
  /** Where artifacts (keyframes) live, for the debug bundle. */
  dataDir: string
  /** MEDIA_ROOTS: the folders local files may come from (empty: any). */
  mediaRoots?: string[]
  status(): WorkerStatus
  start(): Promise<WorkerStatus>
  stop(mode: 'drain' | 'now'): Promise<WorkerStatus>
}

/**
 * The ConsoleApi on top of the ports. Every input is validated against `consoleProcedures`
 * (bridges validate too; the core does not trust them), and read-only mode refuses writes.
 */
export function createConsoleApi(deps: ApiDeps): ConsoleApi {
  const { ports, recorder } = deps
  const { store, queue, journal } = ports
  const settings = (): SettingsAdmin => {
    if (!ports.settings) throw new ConsoleApiError('not-found', 'settings are not kept by this process: set them in the environment')
    return ports.settings
  }

  /**
   * Sets the video `queued` and sends its message, only when no message of it is pending: one
   * conditional update on the row decides, so a second click, Retry-all or another console
   * (on another machine) cannot make a second message.
   */
  async function requeue(video: Video): Promise<Video> {
    if (!video.source) throw new ConsoleApiError('conflict', `video ${video.id} has no recorded source, so it cannot be sent again`)
    const requeued = await store.requeue(video.id, { newGeneration: true })
    if (!requeued) throw new ConsoleApiError('conflict', await whyNotRequeued(video.id))
    recorder.emit({ type: 'video.updated', at: recorder.now(), video: requeued.video })
    await send(video.id, video.source, video.title, requeued.generation)
    recorder.emit({ type: 'video.status', at: recorder.now(), videoId: video.id, status: 'queued', attempt: video.attempts })
    return requeued.video
  }

  async function whyNotRequeued(id: string): Promise<string> {
    const now = await store.get(id)
    if (!now) return `no video with id ${id}`
    if (now.processingStatus === 'queued') return `video ${id} is already queued: its message is waiting in the queue, and a retry would run it twice`
    if (isPendingRetry(now)) return `video ${id} is waiting for its automatic retry (the queue delivers it again after the backoff); cancel that retry first to run it afresh`
    return `video ${id} is being processed right now (${now.processingStatus}); cancel it first`
  }
  /**
   * Sends the video's message. A row left `queued` without a message would wait forever, so a
   * failed send marks it failed with the reason (retry sends it again) before the error goes on.
   */
  async function send(id: string, source: VideoSource, title: string | null | undefined, generation: number): Promise<void> {
    try {
      await queue.send(toSeedMessage(id, source, title, generation))
    } catch (error) {
      const reason = `could not queue the video (${errorText(error)}); retry it`
      await recorder
        .update(id, { processingStatus: 'failed', analysisResult: `Error: ${reason}`, errorCause: 'other', completedAt: new Date() })
        .catch((e: unknown) => recorder.log('error', `video left queued without a message: ${errorText(e)}`, id))
      throw error
    }
  }

  const bulk = createBulkActions({ store, recorder, requeue })
  const deadLetters = deadLetterApi({ ports, recorder, stats: deps.stats })
  // The bucket of `s3` sources that name none, as the settings show it ('(not set)' when there is none).
  const bucket = deps.publicConfig['AWS_S3_BUCKET']
  const capabilities = () => sourceCapabilities(ports, bucket && !bucket.startsWith('(') ? bucket : null)
  const mustGet = async (id: string): Promise<Video> => {
    const video = await store.get(id)
    if (!video) throw new ConsoleApiError('not-found', `no video with id ${id}`)
    return video
  }

  const handlers: ConsoleApi = {
    'worker.status': async () => deps.status(),
    'worker.start': async () => deps.start(),
    'worker.stop': async (input) => deps.stop(input?.mode ?? 'drain'),
    'stats.get': async () => deps.stats.snapshot(),
    'stats.history': async (input) => (await ports.statsHistory?.samples(new Date(ports.clock.now().getTime() - (input?.sinceMinutes ?? 60) * 60_000))) ?? [],
    'videos.list': async (input) => {
      const page = await store.list(VideoQuery.parse(input ?? {}))
      return { ...page, items: page.items.map(listRow) }
    },
    'videos.get': async ({ id }) => {
      const video = await store.get(id)
      if (!video) return null
      const parsed = video.processingStatus === 'completed' && video.analysisResult ? Analysis.safeParse(parseJsonOrNull(video.analysisResult)) : null
      // Journal lines are written in groups: wait for those already recorded, so a reader sees them.
      await recorder.flush()
      // Each run's full analysis is in its own journal line; the detail leaves those bodies out (videos.analyses has them).
      return { video, analysis: parsed?.success ? parsed.data : null, journal: withoutRunBodies(await journal.list(id)) }
    },
    'videos.enqueue': async ({ source: given, title }) => {
      await checkEnqueue(given, capabilities(), {
        localFilesReadHere: true,
        localMedia: localMediaRules({ mediaRoots: deps.mediaRoots ?? [], dataDir: deps.dataDir, ...(ports.inspector ? { inspector: ports.inspector } : {}) })
      })
      const id = randomUUID()
      // Before the row and the message: a source other workers cannot read never gets queued.
      const source = ports.publisher ? await ports.publisher.publish(given, { videoId: id }) : given
      const video = await store.createVideo({ id, title: title ?? null, source: withoutCredentials(source) })
      recorder.emit({ type: 'video.updated', at: recorder.now(), video })
      await send(id, source, title, 0)
      recorder.emit({ type: 'video.status', at: recorder.now(), videoId: id, status: 'queued', attempt: 0 })
      return video
    },
    'videos.retry': async ({ id }) => {
      const video = await store.get(id)
      if (!video) throw new ConsoleApiError('not-found', `no video with id ${id}`)
      return requeue(video)
    },
    'videos.retryFailed': async (input) => {
      const cause: FailureCause | undefined = input?.cause
      let count = 0
      // Page through every failed video; each retry changes its status, so offset stays 0.
      for (let offset = 0; ; ) {
        const page = await store.list(VideoQuery.parse({ status: ['failed'], limit: 500, offset, sort: 'createdAt', order: 'asc' }))
        let skipped = 0
        for (const video of page.items) {
          // A video whose automatic retry is pending already has its message.
          if ((cause && video.errorCause !== cause) || !video.source || isPendingRetry(video)) {
            skipped += 1
            continue
          }
          const requeued = await requeue(video).then(
            () => true,
            (e: unknown) => {
              if (e instanceof ConsoleApiError && e.code === 'conflict') return false
              throw e
            }
          )
          if (requeued) count += 1
          else skipped += 1
        }
        offset += skipped
        if (page.items.length === 0 || offset >= page.total) break
      }
      return { count }
    },
    'videos.cancel': async ({ id }) => {
      // A run here is aborted (it records the cancel while it holds the claim)…
      const aborted = deps.worker.cancel(id)
      const video = await store.get(id)
      if (!video) throw new ConsoleApiError('not-found', `no video with id ${id}`)
      // …and whatever waits is marked on the row, if nobody holds it: not started yet, a retry the
      // queue delivers later (also one a run here has just left), or a run whose worker is gone.
      // Every later delivery of it is then deleted unrun.
      const why = isPendingRetry(video) ? 'retry cancelled by the operator' : 'cancelled by the operator'
      if (await cancelWaiting(store, recorder, video, why)) return { cancelled: true }
      if (aborted) return { cancelled: true }
      const now = await store.get(id)
      if (now && IN_FLIGHT_STATUSES.includes(now.processingStatus))
        throw new ConsoleApiError('conflict', `video ${id} is being processed by another worker (${now.processingStatus}); cancel it from the console of that machine`)
      return { cancelled: false }
    },
    'videos.retryMany': async (input) => bulk.retryMany(input),
    'videos.cancelRetries': async (input) => bulk.cancelRetries(input),
    'videos.analyses': async ({ id }) => {
      await recorder.flush()
      return analysisRuns(await journal.list(id))
    },
    'videos.inspect': async ({ id }) => inspectMedia(await mustGet(id), ports.inspector, localMediaRules({ mediaRoots: deps.mediaRoots ?? [], dataDir: deps.dataDir })),
    'videos.export': async ({ id }) => {
      const video = await mustGet(id)
      await recorder.flush()
      const entries = await journal.list(id)
      const parsed = video.processingStatus === 'completed' && video.analysisResult ? Analysis.safeParse(parseJsonOrNull(video.analysisResult)) : null
      const bundle = {
        video,
        analysis: parsed?.success ? parsed.data : null,
        journal: withoutRunBodies(entries),
        runs: analysisRuns(entries),
        media: await inspectMedia(video, ports.inspector),
        settings: deps.publicConfig,
        dataDir: deps.dataDir,
        generatedAt: ports.clock.now()
      }
      return buildDebugBundle(bundle, ports.archiver)
    },
    'sources.capabilities': async () => capabilities(),
    'queue.send': async ({ body }) => queue.send(body),
    'failures.groups': async () => store.failureGroups(),
    'deadLetters.list': async (input) => deadLetters.list(input?.limit ?? 100),
    'deadLetters.requeue': async ({ ids }) => ({ count: await deadLetters.requeue(ids) }),
    'deadLetters.purge': async ({ ids }) => ({ count: await deadLetters.purge(ids) }),
    'config.get': async () => deps.publicConfig,
    'settings.get': async (input) => settings().get(input?.profile),
    'settings.set': async (input) => settings().set(input),
    'settings.check': async (input) => settings().check(input),
    'profiles.list': async () => settings().profiles(),
    'profiles.use': async ({ name }) => settings().use(name),
    'profiles.remove': async ({ name }) => settings().remove(name)
  }
  return guard(handlers, deps.readOnly)
}

/** Validates input, refuses writes in read-only mode, and turns bad input into `bad-request`. */
function guard(handlers: ConsoleApi, readOnly: boolean): ConsoleApi {
  const api = {} as Record<ProcedureName, (input: unknown) => Promise<unknown>>
  for (const name of Object.keys(consoleProcedures) as ProcedureName[]) {
    const spec = consoleProcedures[name]
    const handler = handlers[name] as (input: unknown) => Promise<unknown>
    api[name] = async (input: unknown) => {
      if (readOnly && spec.write) throw new ConsoleApiError('read-only', `${name} is refused: the console is read-only (READ_ONLY=true)`)
      let parsed: unknown
      try {
        parsed = spec.input.parse(input)
      } catch (error) {
        if (error instanceof ZodError) {
          const issue = error.issues[0]
          throw new ConsoleApiError('bad-request', `${name}: ${issue?.path.join('.') || 'input'}: ${issue?.message ?? 'invalid input'}`)
        }
        throw error
      }
      return handler(parsed)
    }
  }
  return api as unknown as ConsoleApi
}
