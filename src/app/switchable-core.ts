import type { CoreHandle } from '../core/core-handle'
import { createEventBus } from '../core/event-bus'
import { procedureNames, type ConsoleApi } from '../shared/console-api'

export interface SwitchableCore extends CoreHandle {
  /** Routes every later call and event to `next`; the caller closes the previous core. */
  swap(next: CoreHandle): void
}

/**
 * One CoreHandle whose core can be replaced (a profile switch reopens every port): bridges keep
 * the same `api` and `events` for the life of the process, so open pages and IPC stay connected.
 * Events carry this bus's own sequence numbers, so an SSE client's Last-Event-ID stays valid.
 */
export function createSwitchableCore(first: CoreHandle): SwitchableCore {
  const events = createEventBus()
  let current = first
  let unforward = current.events.subscribe((event) => events.emit(event))
  const api = Object.fromEntries(
    procedureNames.map((name) => [name, (input: unknown) => (current.api[name] as (input: unknown) => Promise<unknown>)(input)])
  ) as ConsoleApi
  return {
    api,
    events,
    start: () => current.start(),
    stop: (opts) => current.stop(opts),
    close: () => current.close(),
    swap(next) {
      unforward()
      current = next
      unforward = current.events.subscribe((event) => events.emit(event))
    }
  }
}
