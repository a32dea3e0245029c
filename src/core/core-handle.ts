import type { ConsoleApi, WorkerStatus } from '../shared/console-api'
import type { EventBus } from './event-bus'

/** What `createCore` returns: the console API, the event stream and the worker's lifecycle. */
export interface CoreHandle {
  api: ConsoleApi
  events: EventBus
  /** Starts the worker loop (idempotent). */
  start(): Promise<WorkerStatus>
  /**
   * Graceful stop: no new receives; in-flight jobs finish until the deadline, the rest go back to
   * the queue. Always settles, also when a backend does not answer: at most a few seconds after
   * `deadlineMs` (default SHUTDOWN_DEADLINE_SECONDS), so a quit path can await it.
   */
  stop(opts?: { mode?: 'drain' | 'now'; deadlineMs?: number }): Promise<WorkerStatus>
  /** Stops and closes every port. */
  close(): Promise<void>
}
