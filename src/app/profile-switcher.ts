import type { Config } from '../core/config'
import type { Logger } from '../core/ports'
import { ConsoleApiError } from '../shared/console-api'
import type { WorkerEvent } from '../shared/events'
import type { CoreSession } from './core-session'
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
export function createProfileSwitcher(deps: { first: Config; open(config: Config): Promise<CoreSession>; logger: Logger }): ProfileSwitcher {
  let session: CoreSession | null = null
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
      session = await deps.open(deps.first)
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
