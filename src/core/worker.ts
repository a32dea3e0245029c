import type { WorkerState } from '../shared/events'
import type { ReceivedMessage } from './ports'
import { errorText } from '../shared/error-text'
import { handleMessage, type MessageDeps } from './pipeline/handle-message'
import type { AbortReason } from './pipeline/failure'
import { removeStaleJobDirs } from './pipeline/job-dirs'

export interface WorkerOptions {
  concurrency: number
  pollWaitSeconds: number
  /** How often a statistics sample goes to the journal while running. */
  sampleEveryMs: number
  /**
   * Whether a graceful stop cuts a long poll short. Safe for the local queue; on SQS an aborted
   * long poll can still take messages that then stay invisible for a visibility timeout, so
   * there a graceful stop lets the poll end (at most POLL_WAIT_SECONDS) and hands back what came.
   */
  abortReceiveOnStop: boolean
}

export interface Worker {
  readonly state: WorkerState
  readonly draining: boolean
  start(): Promise<void>
  /** `drain`: finish in-flight jobs (until `deadlineMs`, if given); `now`: hand them back at once. */
  stop(opts: { mode: 'drain' | 'now'; deadlineMs?: number }): Promise<void>
  /** Aborts the running job of this video; false when none runs here. */
  cancel(videoId: string): boolean
  isRunning(videoId: string): boolean
}

type Deps = Omit<MessageDeps, 'track'>

/**
 * The consumer loop: long-polls for at most as many messages as there are free slots, runs
 * each in its own slot, and stops gracefully (no new receives, in-flight jobs finish until the
 * deadline, the rest are handed back).
 */
export function createWorker(deps: Deps, options: WorkerOptions): Worker {
  const { rec, stats, ports } = deps
  let state: WorkerState = 'stopped'
  let draining = false
  let loopDone: Promise<void> = Promise.resolve()
  let stopping: Promise<void> | null = null
  let receiveAbort: AbortController | null = null
  let wake: (() => void) | null = null
  let sampleTimer: NodeJS.Timeout | null = null
  let deadline: NodeJS.Timeout | null = null
  const inflight = new Map<string, { controller: AbortController; done: Promise<void> }>()
  const jobs = new Map<string, AbortController>()

  const setState = (next: WorkerState) => {
    state = next
    rec.emit({ type: 'worker.state', at: rec.now(), state })
  }
  const notify = () => {
    wake?.()
    wake = null
  }
  const idle = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(resolve, ms)
      wake = () => {
        clearTimeout(t)
        resolve()
      }
    })
  const sample = async () => {
    rec.emit({ type: 'stats', at: rec.now(), stats: stats.snapshot() })
    await ports.statsHistory?.recordSample(stats.sample()).catch((e: unknown) => rec.log('warn', `stats sample not saved: ${errorText(e)}`))
  }

  const messageDeps: MessageDeps = {
    ...deps,
    track(videoId, controller) {
      jobs.set(videoId, controller)
      return () => {
        if (jobs.get(videoId) === controller) jobs.delete(videoId)
      }
    }
  }

  function launch(message: ReceivedMessage) {
    const controller = new AbortController()
    const done = handleMessage(messageDeps, message, controller.signal)
      .catch((e: unknown) => rec.log('error', `message ${message.id}: ${errorText(e)}`))
      .finally(() => {
        inflight.delete(message.receiptHandle)
        rec.emit({ type: 'stats', at: rec.now(), stats: stats.snapshot() })
        notify()
      })
    inflight.set(message.receiptHandle, { controller, done })
  }

  async function loop() {
    let errors = 0
    while (state === 'running') {
      const free = options.concurrency - inflight.size
      if (free <= 0) {
        await new Promise<void>((resolve) => (wake = resolve))
        continue
      }
      receiveAbort = new AbortController()
      let messages: ReceivedMessage[]
      try {
        messages = await ports.queue.receive({ max: Math.min(free, 10), waitSeconds: options.pollWaitSeconds, signal: receiveAbort.signal })
        errors = 0
      } catch (e) {
        if (state !== 'running') break
        errors += 1
        const wait = Math.min(30_000, 1000 * 2 ** Math.min(errors - 1, 5))
        rec.log('warn', `receive failed (${errorText(e)}); trying again in ${wait / 1000} s`)
        await idle(wait)
        continue
      }
      for (const m of messages) {
        if (state !== 'running') {
          // Received while stopping: give it straight back.
          await ports.queue.changeVisibility(m.receiptHandle, 0).catch(() => undefined)
          continue
        }
        launch(m)
      }
      if (messages.length === 0 && options.pollWaitSeconds === 0) await idle(1000)
    }
  }

  const abortAll = (reason: AbortReason) => {
    for (const { controller } of inflight.values()) controller.abort(reason)
  }

  return {
    get state() {
      return state
    },
    get draining() {
      return draining
    },
    async start() {
      if (stopping) await stopping
      if (state !== 'stopped') return
      setState('starting')
      await removeStaleJobDirs(deps.downloadDir)
      stats.started()
      draining = false
      setState('running')
      loopDone = loop()
      sampleTimer = setInterval(() => void sample(), options.sampleEveryMs)
      sampleTimer.unref?.()
    },
    async stop({ mode, deadlineMs }) {
      if (state === 'stopped' && !stopping) return
      if (mode === 'now') {
        abortAll({ kind: 'shutdown' })
        receiveAbort?.abort()
        if (state === 'draining') setState('stopping')
      } else if (deadlineMs !== undefined && !deadline) {
        // A later stop may bring the deadline an earlier drain did not have (SIGINT after worker.stop).
        deadline = setTimeout(() => abortAll({ kind: 'shutdown' }), deadlineMs)
      }
      if (stopping) return stopping
      stopping = (async () => {
        draining = mode === 'drain'
        setState(mode === 'drain' ? 'draining' : 'stopping')
        if (options.abortReceiveOnStop) receiveAbort?.abort()
        notify()
        await loopDone
        await Promise.all([...inflight.values()].map((j) => j.done))
        if (deadline) clearTimeout(deadline)
        deadline = null
        if (sampleTimer) clearInterval(sampleTimer)
        await sample()
        await rec.flush()
        draining = false
        setState('stopped')
      })()
      try {
        await stopping
      } finally {
        stopping = null
      }
    },
    cancel(videoId) {
      const controller = jobs.get(videoId)
      if (!controller) return false
      controller.abort({ kind: 'cancel' } satisfies AbortReason)
      return true
    },
    isRunning: (videoId) => jobs.has(videoId)
  }
}
