import type { IpcRendererEvent } from 'electron'
import type { ApiResult } from '../shared/console-api'
import type { WorkerEvent } from '../shared/events'
import type { PreloadApi, ShutdownNotice } from '../shared/preload-api'

// The shared channel names, repeated so the sandboxed preload bundle stays free of zod and the
// schemas (tests/unit/main-ipc.test.ts checks they match src/shared/console-api.ts).
export const IPC_CALL_CHANNEL = 'api:call'
export const IPC_EVENT_CHANNEL = 'api:event'
/** The shutdown's progress (src/main/shutdown.ts SHUTDOWN_CHANNEL). */
export const SHUTDOWN_CHANNEL = 'app:shutdown'

/** The part of `ipcRenderer` the preload uses (injected for tests). */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>
  on(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown
  removeListener(channel: string, listener: (event: IpcRendererEvent, ...args: unknown[]) => void): unknown
}

export function createPreloadApi(ipcRenderer: IpcRendererLike, pathForFile: (file: File) => string): PreloadApi {
  return {
    call: (name, input) => {
      if (typeof name !== 'string') return Promise.resolve({ ok: false, error: { code: 'bad-request', message: 'procedure name must be a string' } })
      // The desktop app's main process relays the core's answer as JSON text, unparsed there.
      return ipcRenderer.invoke(IPC_CALL_CHANNEL, name, input).then((reply) => (typeof reply === 'string' ? (JSON.parse(reply) as ApiResult) : (reply as ApiResult)))
    },
    onEvent: (callback) => {
      // The IpcRendererEvent (with its sender) never reaches the page.
      const listener = (_event: IpcRendererEvent, payload: unknown) => callback(payload as WorkerEvent)
      ipcRenderer.on(IPC_EVENT_CHANNEL, listener)
      return () => {
        ipcRenderer.removeListener(IPC_EVENT_CHANNEL, listener)
      }
    },
    onShutdown: (callback) => {
      const listener = (_event: IpcRendererEvent, notice: unknown) => callback(notice as ShutdownNotice)
      ipcRenderer.on(SHUTDOWN_CHANNEL, listener)
      return () => {
        ipcRenderer.removeListener(SHUTDOWN_CHANNEL, listener)
      }
    },
    pathForFile: (file) => {
      try {
        return pathForFile(file)
      } catch {
        return ''
      }
    }
  }
}
