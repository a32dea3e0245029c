import { setTimeout as sleep } from 'node:timers/promises'
import type { WorkerState } from '../shared/events'
import type { ReceivedMessage } from './ports'
import { errorText } from '../shared/error-text'
import { handleMessage, type MessageDeps } from './pipeline/handle-message'
import type { AbortReason } from './pipeline/failure'
import { removeStaleJobDirs } from './pipeline/job-dirs'
import { forgetLease, recordLeases, releaseDeadLeases } from './pipeline/lease-records'
import { createLifecycle } from './worker-lifecycle'
import { firstOf, withinBudget } from './budget'
import { handBack } from './pipeline/hand-back'
import { claimOwnerOf } from './pipeline/claim'

export interface WorkerOptions {
  concurrency: number
  pollWaitSeconds: number
  /** How often a statistics sample goes to the journal while running. */
  sampleEveryMs: number
  /**
   * Whether a graceful stop cuts a long poll short. Safe for the local queue; on SQS an aborted
   * long poll can still take messages that then stay invisible for a visibility timeout, so
   * there a graceful stop lets the poll end (at most POLL_WAIT_SECONDS) and hands back what came.
   * At the deadline (or a stop `now`) the poll is abandoned on every queue.
   */
  abortReceiveOnStop: boolean
  /**
   * After jobs are told to hand back (deadline or stop `now`), how long stop() still waits for
   * them and for the last journal writes. A job that has not ended by then is left behind: its
   * lease runs out and the queue delivers it again. Default 2 s.
   */
  handBackBudgetMs?: number
}

export interface Worker {
  readonly state: WorkerState
  readonly draining: boolean
  start(): Promise<void>
  /**
   * `drain`: finish in-flight jobs (until `deadlineMs`, if given); `now`: hand them back at once.
   * Always settles: after the deadline at most the hand-back budget is spent waiting.
   */
  stop(opts: { mode: 'drain' | 'now'; deadlineMs?: number }): Promise<void>
  /** Aborts the running job of this video; false when none runs here. */
  cancel(videoId: string): boolean
  isRunning(videoId: string): boolean
}

type Deps = Omit<MessageDeps, 'track'>

/**
 * The consumer loop: long-polls for at most as many messages as there are free slots, runs
 * each in its own slot, and stops gracefully (no new receives, in-flight jobs finish until the
 * deadline, the rest are handed back). Its states and their transitions are in worker-lifecycle.ts.
 */
export function createWorker(deps: Deps, options: WorkerOptions): Worker {
  const { recorder, stats, ports } = deps
  const budgetMs = options.handBackBudgetMs ?? 2000
  const life = createLifecycle((state) => recorder.emit({ type: 'worker.state', at: recorder.now(), state }))
  let starting: Promise<void> = Promise.resolve()
  let loopDone: Promise<void> = Promise.resolve()
  let stopDone: Promise<void> | null = null
  let sampleTimer: NodeJS.Timeout | null = null
  const inflight = new Map<string, { controller: AbortController; done: Promise<void> }>()
  const jobs = new Map<string, AbortController>()

  const sample = async () => {
    recorder.emit({ type: 'stats', at: recorder.now(), stats: stats.snapshot() })
    await ports.statsHistory?.recordSample(stats.sample()).catch((e: unknown) => recorder.log('warn', `stats sample not saved: ${errorText(e)}`))
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

  /**
   * Runs the messages of one receive. Their leases are recorded first, and the jobs start
   * together once all are: jobs that move in step share the store's grouped writes (one
   * statement for the batch's claims, one for its next status…) instead of each job's write
   * going alone when its own file write happened to finish.
   */
  function launch(messages: ReceivedMessage[]) {
    const recorded = recordLeases(deps.dataDir, messages).then((failed) => {
      for (const { message, error } of failed) recorder.log('warn', `lease of message ${message.id} not recorded: ${errorText(error)}`)
    })
    for (const m of messages) run(m, recorded)
  }

  function run(message: ReceivedMessage, recorded: Promise<unknown>) {
    const controller = new AbortController()
    const done = recorded
      .then(() => handleMessage(messageDeps, message, controller.signal))
      .catch((e: unknown) => recorder.log('error', `message ${message.id}: ${errorText(e)}`))
      .finally(async () => {
        inflight.delete(message.receiptHandle)
        recorder.emit({ type: 'stats', at: recorder.now(), stats: stats.snapshot() })
        await forgetLease(deps.dataDir, message).catch(() => undefined)
      })
    inflight.set(message.receiptHandle, { controller, done })
  }


  async function loop(leaving: AbortSignal, urgent: AbortSignal) {
    let errors = 0
    // A graceful stop cuts the poll only where that is safe; a stop `now` (or the deadline) always does.
    const receiveSignal = options.abortReceiveOnStop ? leaving : urgent
    while (!leaving.aborted) {
      const free = options.concurrency - inflight.size
      if (free <= 0) {
        await firstOf([...inflight.values()].map((j) => j.done), leaving)
        continue
      }
      let messages: ReceivedMessage[]
      try {
        messages = await ports.queue.receive({ max: Math.min(free, 10), waitSeconds: options.pollWaitSeconds, signal: receiveSignal })
        errors = 0
      } catch (e) {
        if (leaving.aborted) break
        errors += 1
        const wait = Math.min(30_000, 1000 * 2 ** Math.min(errors - 1, 5))
        recorder.log('warn', `receive failed (${errorText(e)}); trying again in ${wait / 1000} s`)
        await sleep(wait, undefined, { signal: leaving }).catch(() => undefined)
        continue
      }
      if (leaving.aborted) {
        // Received while stopping: give them straight back, without counting the delivery.
        for (const m of messages) await withinBudget(handBack(ports.queue, m.receiptHandle), budgetMs).catch(() => undefined)
      } else launch(messages)
      if (messages.length === 0 && options.pollWaitSeconds === 0) await sleep(1000, undefined, { signal: leaving }).catch(() => undefined)
    }
  }

  const handBackAll = () => {
    const reason: AbortReason = { kind: 'shutdown' }
    for (const { controller } of inflight.values()) controller.abort(reason)
  }

  async function settle(deadlineMs: number | undefined): Promise<void> {
    await starting
    const urgent = life.urgent
    const onUrgent = () => handBackAll()
    if (urgent.aborted) onUrgent()
    else urgent.addEventListener('abort', onUrgent, { once: true })
    const deadline = deadlineMs === undefined ? undefined : setTimeout(() => life.fire('stopNow'), deadlineMs)
    try {
      // Until the deadline: everything may finish. After it: the budget, then leave what is left.
      const everything = (async () => {
        await loopDone
        await Promise.all([...inflight.values()].map((j) => j.done))
      })()
      await firstOf([everything], urgent)
      if (urgent.aborted) {
        const left = await withinBudget(everything, budgetMs).then(
          () => 0,
          () => inflight.size
        )
        if (left > 0) recorder.log('warn', `${left} job(s) did not hand back within ${budgetMs / 1000} s; their messages reappear when their lease runs out`)
      }
    } finally {
      if (deadline) clearTimeout(deadline)
      urgent.removeEventListener('abort', onUrgent)
    }
    if (sampleTimer) clearInterval(sampleTimer)
    sampleTimer = null
    // The last sample and journal lines are worth a second, not a hang on a store that does not answer.
    await withinBudget(
      (async () => {
        await sample()
        await recorder.flush()
      })(),
      1000
    ).catch(() => recorder.log('warn', 'journal writes still pending at stop were left behind'))
    life.fire('settled')
  }

  return {
    get state() {
      return life.state
    },
    get draining() {
      return life.state === 'draining'
    },
    async start() {
      if (stopDone) await stopDone
      if (!life.fire('start')) return
      starting = (async () => {
        const sweep = await removeStaleJobDirs(deps.downloadDir)
        for (const k of sweep.killed) recorder.log('warn', `ended ${k.command} (pid ${k.pid}), left running by a worker that is gone`)
        const deadPids = await releaseDeadLeases(deps.dataDir, ports.queue, (line) => recorder.log('warn', line))
        // Their claims on rows would otherwise defer the redeliveries until the claims' leases run out.
        for (const pid of deadPids) {
          await withinBudget(ports.store.releaseClaimsOf(claimOwnerOf(pid)), 5000).then(
            (n) => n > 0 && recorder.log('warn', `released the claim on ${n} video${n === 1 ? '' : 's'} held by process ${pid}, which is gone`),
            (e: unknown) => recorder.log('warn', `claims of process ${pid}, which is gone, not released (they end with their lease): ${errorText(e)}`)
          )
        }
      })().catch((e: unknown) => recorder.log('warn', `clean-up of a previous run failed: ${errorText(e)}`))
      await starting
      // A stop during start-up has moved the worker on: it must not run now.
      if (!life.fire('started')) return
      stats.started()
      loopDone = loop(life.leaving, life.urgent)
      sampleTimer = setInterval(() => void sample(), options.sampleEveryMs)
      sampleTimer.unref?.()
    },
    async stop({ mode, deadlineMs }) {
      if (mode === 'now') life.fire('stopNow')
      if (stopDone) {
        // A later stop may bring the deadline an earlier drain did not have (SIGTERM after worker.stop).
        if (deadlineMs !== undefined) setTimeout(() => life.fire('stopNow'), deadlineMs).unref?.()
        return stopDone
      }
      if (life.state === 'stopped') return
      if (mode === 'drain') life.fire('drain')
      stopDone = settle(deadlineMs).finally(() => {
        stopDone = null
      })
      return stopDone
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
