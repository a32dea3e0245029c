import type { Config } from '../core/config'
import type { CoreHandle } from '../core/core-handle'
import { createEventBus } from '../core/event-bus'
import type { SettingsAdmin } from '../core/settings-port'
import { ConsoleApiError, procedureNames, type ConsoleApi, type WorkerStatus } from '../shared/console-api'
import { publicConfig } from './config-lines'
import type { CoreSession } from './core-session'

/** A session that stands in while the backends cannot be opened; it says why and remembers whether the worker should start. */
export interface UnavailableSession extends CoreSession {
  /** The operator (or the command) asked for the worker while it could not run. */
  wantsWorker(): boolean
  /** The latest reason the backends could not be opened. */
  setReason(reason: string): void
}

/**
 * The console of a process whose backends are down at start (`serve`): every call that needs them
 * answers with one sentence naming the cause and that it is retried; the worker's status, the
 * configuration and the settings still answer, so the operator can see and fix the problem.
 */
export function createUnavailableSession(config: Config, opts: { reason: string; retryEverySeconds: number; settings?: SettingsAdmin }): UnavailableSession {
  let reason = opts.reason
  let wanted = false
  const events = createEventBus()
  const status = (): WorkerStatus => ({
    state: 'stopped',
    backends: { queue: 'unavailable', source: 'unavailable', analyzer: 'unavailable', store: 'unavailable' },
    concurrency: config.worker.concurrency,
    readOnly: config.readOnly,
    draining: false
  })
  const refuse = () =>
    Promise.reject(new ConsoleApiError('conflict', `The backends cannot be opened: ${reason}. Retrying every ${opts.retryEverySeconds} s; fix the settings or wait.`))
  const settings = opts.settings
  const special: Partial<Record<keyof ConsoleApi, (input: never) => Promise<unknown>>> = {
    'worker.status': async () => status(),
    'worker.start': async () => ((wanted = true), status()),
    'worker.stop': async () => ((wanted = false), status()),
    'config.get': async () => publicConfig(config),
    ...(settings
      ? {
          'settings.get': (input: { profile?: string } | undefined) => settings.get(input?.profile),
          'settings.set': (input: Parameters<SettingsAdmin['set']>[0]) => settings.set(input),
          'settings.check': (input: Parameters<SettingsAdmin['check']>[0]) => settings.check(input),
          'profiles.list': () => settings.profiles(),
          'profiles.use': (input: { name: string }) => settings.use(input.name)
        }
      : {})
  }
  const api = Object.fromEntries(procedureNames.map((name) => [name, special[name] ?? refuse])) as unknown as ConsoleApi
  const core: CoreHandle = {
    api,
    events,
    start: async () => ((wanted = true), status()),
    stop: async () => ((wanted = false), status()),
    close: async () => undefined
  }
  return {
    core,
    config,
    describeBackends: () => [`Backends unavailable: ${reason}; retrying every ${opts.retryEverySeconds} s (the console shows it)`],
    check: async () => undefined,
    close: async () => undefined,
    wantsWorker: () => wanted,
    setReason(next) {
      reason = next
      events.emit({ type: 'log', at: new Date().toISOString(), level: 'error', message: `Backends unavailable: ${next}; retrying in ${opts.retryEverySeconds} s`, videoId: null })
    }
  }
}
