import type { WorkerState } from '../shared/events'

/**
 * What moves the worker from one state to another:
 * - `start`: start() was called on a stopped worker;
 * - `started`: start-up work (clean-up of a previous run) is done and the loop may run;
 * - `drain`: a graceful stop: no new receives, jobs in flight may finish;
 * - `stopNow`: stop at once (a second signal, "stop now", or the drain deadline passed):
 *   receives are abandoned and jobs in flight are handed back;
 * - `settled`: the loop has ended and every job in flight has finished or been handed back.
 */
export type LifecycleEvent = 'start' | 'started' | 'drain' | 'stopNow' | 'settled'

/**
 * Every allowed transition; an event missing from a state's row is refused (ignored) there.
 * A stop during start goes to `stopping` (nothing runs yet), so the end of start-up can no
 * longer move the worker to `running`.
 */
export const TRANSITIONS: Readonly<Record<WorkerState, Readonly<Partial<Record<LifecycleEvent, WorkerState>>>>> = {
  stopped: { start: 'starting' },
  starting: { started: 'running', drain: 'stopping', stopNow: 'stopping' },
  running: { drain: 'draining', stopNow: 'stopping' },
  draining: { stopNow: 'stopping', settled: 'stopped' },
  stopping: { settled: 'stopped' }
}

/** The state after `event`, or null when the table does not allow it from `state`. */
export function nextState(state: WorkerState, event: LifecycleEvent): WorkerState | null {
  return TRANSITIONS[state][event] ?? null
}

export interface Lifecycle {
  readonly state: WorkerState
  /** Applies the event when the table allows it; returns whether the state changed. */
  fire(event: LifecycleEvent): boolean
  /**
   * Aborted as soon as the worker leaves `running` (or a start is stopped): receives and idle
   * waits of the loop listen to it. Renewed on each start.
   */
  readonly leaving: AbortSignal
  /** Aborted when the worker must stop at once (`stopNow` from any state). */
  readonly urgent: AbortSignal
}

/** The worker's state, changed only through the transition table; `onChange` sees every change. */
export function createLifecycle(onChange: (state: WorkerState) => void): Lifecycle {
  let state: WorkerState = 'stopped'
  let leaving = new AbortController()
  let urgent = new AbortController()
  return {
    get state() {
      return state
    },
    get leaving() {
      return leaving.signal
    },
    get urgent() {
      return urgent.signal
    },
    fire(event) {
      const next = nextState(state, event)
      if (next === null) return false
      if (event === 'start') {
        leaving = new AbortController()
        urgent = new AbortController()
      }
      state = next
      if (next !== 'running' && next !== 'starting') leaving.abort()
      if (event === 'stopNow') urgent.abort()
      onChange(state)
      return true
    }
  }
}
