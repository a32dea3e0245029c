import type { IpcMainInvokeEvent } from 'electron'
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type ApiResult, type ConsoleApi } from '../shared/console-api'
import type { CoreHandle } from '../app/open-app'
import { dispatch, refusal } from '../bridge/dispatch'

/** The part of Electron's `ipcMain` the bridge uses (injected, so tests run without Electron). */
export interface IpcMainLike {
  handle(channel: string, listener: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>): void
  removeHandler(channel: string): void
}

/** The part of a `WebContents` the event relay uses. */
export interface EventTarget {
  send(channel: string, ...args: unknown[]): void
  isDestroyed(): boolean
  once(event: 'destroyed', listener: () => void): unknown
}

export interface IpcBridgeOptions {
  ipcMain: IpcMainLike
  /** The core in this process; or `forward`, when it runs in another (the desktop app's utility process). */
  api?: ConsoleApi
  /**
   * Answers a call elsewhere, with the same validation and error shaping as `dispatch`; a string
   * is the ApiResult as JSON, which the preload parses.
   */
  forward?: (name: unknown, input: unknown) => Promise<ApiResult | string>
  /** Sender check of every call (security.ts `isTrustedSender`): a false answer gets `unauthorized`. */
  isTrustedSender: (event: IpcMainInvokeEvent) => boolean
  readOnly?: boolean
  onInternalError?: (error: unknown, name: string) => void
}

/**
 * Serves the ConsoleApi on the one fixed `api:call` channel: sender check, then the same
 * name/zod validation and error shaping as the HTTP bridge. Returns the unregister function.
 */
export function registerIpcBridge(options: IpcBridgeOptions): () => void {
  options.ipcMain.handle(IPC_CALL_CHANNEL, async (event, name, input): Promise<ApiResult | string> => {
    if (!options.isTrustedSender(event)) {
      return refusal('unauthorized', 'This frame may not call the console API')
    }
    if (options.forward) return options.forward(name, input)
    if (!options.api) return { ok: false, error: { code: 'internal', message: 'The console API is not available' } }
    return dispatch(options.api, name, input, { readOnly: options.readOnly, onInternalError: options.onInternalError })
  })
  return () => options.ipcMain.removeHandler(IPC_CALL_CHANNEL)
}

/** Forwards every core event to one window until it is destroyed. Returns the stop function. */
export function relayEvents(events: CoreHandle['events'], target: EventTarget): () => void {
  const unsubscribe = events.subscribe((event) => {
    if (!target.isDestroyed()) target.send(IPC_EVENT_CHANNEL, event)
  })
  target.once('destroyed', unsubscribe)
  return unsubscribe
}
