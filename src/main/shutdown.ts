import { errorText } from '../shared/error-text'
import type { ShutdownNotice } from '../shared/preload-api'

export type { ShutdownNotice }

/** Main → window: the shutdown's progress (the preload repeats the name: it bundles no main code). */
export const SHUTDOWN_CHANNEL = 'app:shutdown'

/** The app as far as start-up got: nothing yet, or the pieces a graceful stop closes. */
export interface RunningApp {
  /** Jobs the worker holds now. */
  inFlight(): Promise<number>
  /** Graceful stop of the worker: finish jobs in flight (`drain`) or hand them back (`now`). */
  stopWorker(mode: 'drain' | 'now'): Promise<void>
  /** Closes the owner console, the ports and the database, releases DATA_DIR. */
  close(): Promise<void>
  /** The last resort when `close` hangs: closes the database only. */
  closeDatabase(): Promise<void>
}

export interface ShutdownOptions {
  /** How long jobs in flight may finish (SHUTDOWN_DEADLINE_SECONDS); read when the stop begins. */
  deadlineMs(): number
  /** Added to the deadline for handing back and closing; then the app exits whatever hangs. */
  graceMs?: number
  /** Ends the process (Electron's `app.exit`). */
  exit(code: number): void
  notify(notice: ShutdownNotice): void
  log(line: string): void
  /** Timers (injected for tests). */
  setTimer?: (fn: () => void, ms: number) => unknown
}

export interface Shutdown {
  /** Whether a stop has begun (start-up must not start the worker then). */
  readonly started: boolean
  /** Set once start-up has opened the app (the shutdown closes it) or failed (`null`). */
  attach(app: RunningApp | null): void
  /**
   * First call: graceful stop. Later calls: hand jobs back now; the database is still closed.
   * `exitCode` 1 when the app stops because start-up failed.
   */
  request(reason: string, exitCode?: number): void
}

const capped = <T>(work: Promise<T>, ms: number): Promise<T | undefined> =>
  Promise.race([work, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), ms).unref())])

/**
 * The one way the desktop app ends. A quit at any moment (during start-up, during a job, twice)
 * drains the worker until the deadline, hands back what is left, closes the database and exits;
 * after deadline + grace it closes the database itself and exits, whatever still hangs.
 */
export function createShutdown(options: ShutdownOptions): Shutdown {
  const graceMs = options.graceMs ?? 10_000
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms))
  let started = false
  let exited = false
  let handedBack = 0
  let hurried = false
  /** The worker has stopped: nothing is left to hand back. */
  let drained = false
  let exitCode = 0
  let attachApp: (app: RunningApp | null) => void = () => undefined
  const attached = new Promise<RunningApp | null>((resolve) => (attachApp = resolve))
  let current: RunningApp | null = null

  const exit = (code: number) => {
    if (exited) return
    exited = true
    options.exit(code)
  }

  /** Jobs still running go back to the queue now (the deadline passed, or a second quit). */
  async function hurry(app: RunningApp): Promise<void> {
    if (hurried || drained) return
    hurried = true
    handedBack = await capped(app.inFlight(), 2000).catch(() => undefined) ?? 0
    options.notify({ phase: 'handing-back', handedBack })
    await app.stopWorker('now').catch((error: unknown) => options.log(`stopping the worker failed: ${errorText(error)}`))
  }

  async function graceful(): Promise<void> {
    const app = await attached
    if (!app) return exit(exitCode)
    current = app
    const deadlineMs = options.deadlineMs()
    const inFlight = (await capped(app.inFlight(), 2000).catch(() => undefined)) ?? 0
    options.notify({ phase: 'draining', inFlight, deadlineSeconds: Math.round(deadlineMs / 1000) })
    setTimer(() => void hurry(app), deadlineMs)
    await app.stopWorker('drain').catch((error: unknown) => options.log(`stopping the worker failed: ${errorText(error)}`))
    drained = true
    options.notify({ phase: 'closing', handedBack })
    await app.close()
    options.log(`stopped: ${handedBack} job${handedBack === 1 ? '' : 's'} handed back, database closed`)
    exit(exitCode)
  }

  async function forced(): Promise<void> {
    if (exited) return
    options.log('the graceful stop did not end in time: closing the database and exiting')
    if (current) await capped(current.closeDatabase(), 3000).catch(() => undefined)
    exit(1)
  }

  return {
    get started() {
      return started
    },
    attach: (app) => attachApp(app),
    request(reason, code = 0) {
      if (exited) return
      exitCode = Math.max(exitCode, code)
      if (started) {
        options.log(`${reason} again: handing jobs in flight back to the queue`)
        if (current) void hurry(current)
        return
      }
      started = true
      options.log(`${reason}: stopping (jobs in flight get ${Math.round(options.deadlineMs() / 1000)} s, then go back to the queue)`)
      setTimer(() => void forced(), options.deadlineMs() + graceMs)
      graceful().catch((error: unknown) => {
        options.log(`shutdown failed: ${errorText(error)}`)
        void forced()
      })
    }
  }
}
