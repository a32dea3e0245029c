import type { Backends, WorkerStatus } from '../shared/console-api'
import { createConsoleApi } from './api'
import type { CoreHandle } from './core-handle'
import { createEventBus } from './event-bus'
import { defaultBackoffSeconds } from './pipeline/failure'
import type { Ports } from './ports'
import { markLetters } from './dead-letters'
import { createReconciler } from './reconciler'
import { createRecorder } from './recorder'
import { createStats } from './stats'
import { createWorker } from './worker'

/** What the core needs besides the ports; `createCoreOptions(config)` derives them from a Config. */
export interface CoreOptions {
  /** Jobs run at once (WORKER_CONCURRENCY). */
  concurrency: number
  /** Long-poll wait of a receive (POLL_WAIT_SECONDS). */
  pollWaitSeconds: number
  /** Deliveries before a retryable failure becomes final (MAX_RECEIVE_COUNT; the queue's own limit wins when lower). */
  maxReceiveCount: number
  /** How long `stop()` lets in-flight jobs finish before handing them back (SHUTDOWN_DEADLINE_SECONDS). */
  shutdownDeadlineSeconds: number
  /** Each job downloads into `<downloadDir>/<videoId>-<receive>`, removed after the job. */
  downloadDir: string
  /** Analyzer artifacts (keyframes) go to `<dataDir>/artifacts/<videoId>`. */
  dataDir: string
  /** MEDIA_ROOTS: the only folders local files are read from (empty: any). */
  mediaRoots?: string[]
  /** Refuse every write procedure of the ConsoleApi. */
  readOnly: boolean
  /** Configuration shown by `config.get` (secrets already masked). */
  publicConfig: Record<string, string>
  /** Delay before a retryable failure is delivered again; default 5 s doubling to 5 min. */
  backoffSeconds?: (receiveCount: number) => number
  /** Statistics sample interval for the throughput history; default 10 s. */
  sampleEveryMs?: number
  /** A graceful stop cuts a pending long poll short (default true; openApp passes false for SQS). */
  abortReceiveOnStop?: boolean
  /** Keeps the operator's last start or stop from the console, so it outlives the process. */
  rememberIntent?: (state: 'running' | 'stopped', at: Date) => Promise<void>
  /** How often the reconciler looks for rows nobody finishes (default 60 s; first look at start). */
  reconcileEverySeconds?: number
  /** Unchanged and unheld this long, a row is stuck (default: visibility × deliveries, at least the longest backoff + a visibility). */
  stuckAfterSeconds?: number
}

/** Wires the ports into the worker, the event bus and the ConsoleApi. Knows no transport or backend. */
export function createCore(ports: Ports, options: CoreOptions): CoreHandle {
  const events = createEventBus()
  const stats = createStats(ports.clock)
  const recorder = createRecorder({ bus: events, store: ports.store, journal: ports.journal, clock: ports.clock, logger: ports.logger })
  const worker = createWorker(
    {
      ports,
      recorder,
      stats,
      downloadDir: options.downloadDir,
      dataDir: options.dataDir,
      maxReceiveCount: options.maxReceiveCount,
      backoffSeconds: options.backoffSeconds ?? defaultBackoffSeconds
    },
    {
      concurrency: options.concurrency,
      pollWaitSeconds: options.pollWaitSeconds,
      sampleEveryMs: options.sampleEveryMs ?? 10_000,
      abortReceiveOnStop: options.abortReceiveOnStop ?? true
    }
  )
  const backoff = options.backoffSeconds ?? defaultBackoffSeconds
  const deliveries = Math.min(ports.queue.maxReceiveCount ?? options.maxReceiveCount, options.maxReceiveCount)
  const visibility = ports.queue.visibilityTimeoutSeconds
  const reconciler = createReconciler(
    { ports, recorder, stats },
    {
      stuckAfterSeconds: options.stuckAfterSeconds ?? Math.max(visibility * deliveries, backoff(Math.max(1, deliveries - 1)) + visibility),
      everySeconds: options.reconcileEverySeconds ?? 60
    }
  )
  // Messages the queue dead-letters by itself (the local queue's sweep): their rows end failed at once.
  const unsubscribe = ports.queue.onDeadLettered?.((letters) => {
    void markLetters({ ports, recorder, stats }, letters).catch((e: unknown) => ports.logger.warn(`dead-lettered videos not marked: ${String(e)}`))
  })
  const backends: Backends = {
    queue: ports.queue.name,
    source: ports.sources.map((s) => s.name).join(', '),
    analyzer: ports.analyzer.name,
    store: ports.store.name
  }
  const status = (): WorkerStatus => ({
    state: worker.state,
    backends,
    concurrency: options.concurrency,
    readOnly: options.readOnly,
    draining: worker.draining
  })
  const start = async () => {
    await worker.start()
    reconciler.start()
    return status()
  }
  const stop: CoreHandle['stop'] = async (opts = {}) => {
    const mode = opts.mode ?? 'drain'
    await worker.stop({ mode, deadlineMs: opts.deadlineMs ?? options.shutdownDeadlineSeconds * 1000 })
    return status()
  }
  // What the operator chose from the console outlives the process (a signal's stop is no choice).
  const remember = (state: 'running' | 'stopped') =>
    (options.rememberIntent?.(state, ports.clock.now()) ?? Promise.resolve()).catch((e: unknown) => ports.logger.warn(`worker state not saved: ${String(e)}`))
  const api = createConsoleApi({
    ports,
    recorder,
    stats,
    worker,
    readOnly: options.readOnly,
    publicConfig: options.publicConfig,
    dataDir: options.dataDir,
    ...(options.mediaRoots ? { mediaRoots: options.mediaRoots } : {}),
    status,
    start: async () => {
      await remember('running')
      return start()
    },
    // From the console, `drain` means what it says: no deadline, finish what runs. The call
    // answers at once with the new state; `worker.state` events tell when it has stopped.
    stop: async (mode) => {
      await remember('stopped')
      void worker.stop({ mode }).catch((e: unknown) => ports.logger.error(`stop failed: ${String(e)}`))
      return status()
    }
  })
  let closed: Promise<void> | null = null
  return {
    api,
    events,
    start,
    stop,
    close() {
      closed ??= (async () => {
        await stop()
        unsubscribe?.()
        await reconciler.stop()
        await recorder.flush()
        const results = await Promise.allSettled([ports.queue.close(), ports.analyzer.close?.(), ports.store.close(), ports.journal.close()])
        const failed = results.find((r) => r.status === 'rejected')
        if (failed) ports.logger.warn(`closing a port failed: ${String(failed.reason)}`)
      })()
      return closed
    }
  }
}
