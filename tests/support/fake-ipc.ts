import { EventEmitter } from 'node:events'
import type { IpcMainInvokeEvent, IpcRendererEvent } from 'electron'
import type { IpcMainLike, EventTarget } from '../../src/main/ipc-bridge'
import type { IpcRendererLike } from '../../src/preload/api'

type Handler = (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<unknown>

/** A frame as the bridge sees it: the main frame of the window, or an embedded one. */
export interface FakeFrame {
  url: string
}

/**
 * An in-memory stand-in for Electron's ipcMain / ipcRenderer / webContents trio. Arguments
 * cross through structuredClone, as Electron's IPC serialises them, so anything that would
 * not survive the real channel fails here too.
 */
export function createFakeIpc(url = 'app://console/index.html') {
  const handlers = new Map<string, Handler>()
  const toRenderer = new EventEmitter()
  const lifecycle = new EventEmitter()
  const mainFrame: FakeFrame = { url }
  let destroyed = false
  const webContents = {
    id: 1,
    mainFrame,
    send(channel: string, ...args: unknown[]) {
      toRenderer.emit(channel, {} as IpcRendererEvent, ...structuredClone(args))
    },
    isDestroyed: () => destroyed,
    once(event: 'destroyed', listener: () => void): void {
      lifecycle.once(event, listener)
    },
    destroy() {
      destroyed = true
      lifecycle.emit('destroyed')
    }
  } satisfies EventTarget & Record<string, unknown>
  const ipcMain: IpcMainLike = {
    handle(channel, listener) {
      if (handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
      handlers.set(channel, listener)
    },
    removeHandler(channel) {
      handlers.delete(channel)
    }
  }
  /** An ipcRenderer whose calls appear to come from `frame` of `sender`. */
  const rendererFor = (sender: object = webContents, frame: FakeFrame = mainFrame): IpcRendererLike => ({
    async invoke(channel, ...args) {
      const handler = handlers.get(channel)
      if (!handler) throw new Error(`No handler registered for '${channel}'`)
      const event = { sender, senderFrame: frame, frameId: 1, processId: 1 } as unknown as IpcMainInvokeEvent
      return structuredClone(await handler(event, ...structuredClone(args)))
    },
    on(channel, listener) {
      toRenderer.on(channel, listener)
    },
    removeListener(channel, listener) {
      toRenderer.removeListener(channel, listener)
    }
  })
  return { ipcMain, webContents, mainFrame, ipcRenderer: rendererFor(), rendererFor, handlers }
}
