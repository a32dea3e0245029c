import { ConfigError, type Config } from '../core/config'
import type { Logger } from '../core/ports'
import { ConsoleApiError } from '../shared/console-api'
import type { WorkerEvent } from '../shared/events'
import type { CoreSession } from './core-session'
import type { UnavailableSession } from './unavailable-core'
import type { SwitchableCore } from './switchable-core'
import { errorText } from '../shared/error-text'

/** What the settings service needs from the running app to apply a profile. */
export interface ProfileRuntime {
  /** The configuration in force. */
  current(): Config
  /** The profile being switched to, while a switch runs. */
  switching(): string | null
  /** Drains the worker, opens `next`'s ports, swaps them in and restarts the worker if it ran. */
  apply(next: Config): Promise<void>
  emit(event: WorkerEvent): void
}

export interface ProfileSwitcher extends ProfileRuntime {
  openFirst(): Promise<CoreSession>
  attach(core: SwitchableCore): void
  session(): CoreSession
  /** Waits for a switch under way (a shutdown during one must not leave its ports open), then closes the session. */
  close(): Promise<void>
}

/**
 * Switches the app between configurations without restarting the process. The old ports keep
 * serving reads while the worker drains; the new ones are opened and checked before anything is
 * swapped, so a profile that cannot work leaves the app as it was (worker restarted if it ran).
 */
export function createProfileSwitcher(deps: {
  first: Config
  open(config: Config): Promise<CoreSession>
  logger: Logger
  /**
   * When set, backends that cannot be opened at start do not fail the app: this stand-in serves
   * the console (saying why) while the first configuration is opened again every `retryEveryMs`.
   */
  whileUnavailable?: { session(config: Config, reason: string): UnavailableSession; retryEveryMs: number }
}): ProfileSwitcher {
  let session: CoreSession | null = null
  let standIn: UnavailableSession | null = null
  let retryTimer: NodeJS.Timeout | null = null
  let core: SwitchableCore | null = null
  let target: string | null = null
  let running: Promise<void> | null = null
  let closing = false
  const now = () => new Date().toISOString()
  const active = (): CoreSession => {
    if (!session) throw new Error('the app has no open session')
    return session
  }
  const emit = (event: WorkerEvent) => core?.events.emit(event)

  return {
    async openFirst() {
      try {
        session = await deps.open(deps.first)
      } catch (error) {
        // A setting to fix stays fatal: retrying cannot help.
        if (!deps.whileUnavailable || error instanceof ConfigError) throw error
        standIn = deps.whileUnavailable.session(deps.first, errorText(error))
        session = standIn
        scheduleRetry()
      }
      return session
    },
    attach(c) {
      core = c
    },
    session: active,
    current: () => active().config,
    switching: () => target,
    emit,
    async close() {
      closing = true
      if (retryTimer) clearTimeout(retryTimer)
      await running?.catch(() => undefined)
      await active().close()
    },
    apply(next) {
      if (closing) return Promise.reject(new ConsoleApiError('conflict', 'the app is shutting down'))
      if (target) return Promise.reject(new ConsoleApiError('conflict', `a switch to profile "${target}" is under way: wait for it to finish`))
      running = switchTo(next).finally(() => (running = null))
      return running
    }
  }

  function scheduleRetry(): void {
    retryTimer = setTimeout(() => void retryFirst(), deps.whileUnavailable?.retryEveryMs ?? 15_000)
  }

  /** Opens the configuration again; once it works, it replaces the stand-in (and starts the worker if asked for meanwhile). */
  async function retryFirst(): Promise<void> {
    retryTimer = null
    const waiting = standIn
    if (closing || !waiting || session !== waiting) return
    if (target) return scheduleRetry() // a profile switch is under way and will replace the stand-in
    let opened: CoreSession
    try {
      opened = await deps.open(waiting.config)
    } catch (error) {
      if (closing || session !== waiting) return
      const reason = errorText(error)
      deps.logger.warn(`Backends still unavailable: ${reason}`)
      waiting.setReason(reason)
      return scheduleRetry()
    }
    if (closing || session !== waiting || target) {
      await opened.close().catch(() => undefined)
      if (!closing && session === waiting) scheduleRetry()
      return
    }
    session = opened
    standIn = null
    core?.swap(opened.core)
    deps.logger.info(`Backends are available: ${opened.describeBackends().slice(1).map((l) => l.trim().replace(/\s+/g, ' ')).join(', ')}`)
    emit({ type: 'settings.changed', at: now(), profile: opened.config.profile, switching: null })
    if (waiting.wantsWorker()) await opened.core.start().catch((e: unknown) => deps.logger.error(`starting the worker failed: ${String(e)}`))
  }

  async function switchTo(next: Config): Promise<void> {
    const old = active()
    target = next.profile
    emit({ type: 'settings.changed', at: now(), profile: old.config.profile, switching: target })
    try {
      const state = (await old.core.api['worker.status'](undefined)).state
      const wasRunning = state === 'running' || state === 'starting'
      deps.logger.info(`Switching to profile ${next.profile}: draining the worker`)
      await old.core.stop({ mode: 'drain', deadlineMs: old.config.worker.shutdownDeadlineSeconds * 1000 })
      let opened: CoreSession
      try {
        opened = await deps.open(next)
        await opened.check().catch(async (error: unknown) => {
          await opened.close().catch(() => undefined)
          throw error
        })
        if (closing) {
          await opened.close().catch(() => undefined)
          throw new Error('the app is shutting down')
        }
      } catch (error) {
        if (wasRunning && !closing) await old.core.start().catch((e: unknown) => deps.logger.error(`restarting the worker failed: ${String(e)}`))
        const reason = errorText(error)
        throw new ConsoleApiError('bad-request', `Profile "${next.profile}" cannot be used, so "${old.config.profile}" stays active: ${reason}`)
      }
      session = opened
      core?.swap(opened.core)
      await old.close().catch((e: unknown) => deps.logger.warn(`closing the previous backends failed: ${String(e)}`))
      if (wasRunning && !closing) await opened.core.start()
      deps.logger.info(`Profile ${next.profile} is active`)
    } finally {
      target = null
      emit({ type: 'settings.changed', at: now(), profile: active().config.profile, switching: null })
    }
  }
}
