import type { WebContents } from 'electron'
import type { CoreHandle } from '../../src/core/core-handle'
import type { ConsoleApi } from '../../src/shared/console-api'
import type { WorkerEvent } from '../../src/shared/events'
import { createHttpConsoleClient } from '../../src/shared/http-client'
import { startConsoleServer } from '../../src/server'
import { registerIpcBridge, relayEvents } from '../../src/main/ipc-bridge'
import { isTrustedSender } from '../../src/main/security'
import { createPreloadApi } from '../../src/preload/api'
import { createIpcTransport } from '../../src/renderer/src/transport/ipc'
import { createFakeIpc } from '../support/fake-ipc'

/** One way of reaching the ConsoleApi, as the console would. */
export interface Connection {
  api: ConsoleApi
  /** Resolves once events flow, so nothing emitted afterwards is missed. */
  subscribe(onEvent: (event: WorkerEvent) => void): Promise<() => void>
  close(): Promise<void>
}

export type TransportName = 'direct' | 'ipc' | 'http'

export const transports: Record<TransportName, (core: CoreHandle) => Promise<Connection>> = {
  async direct(core) {
    return {
      api: core.api,
      subscribe: async (onEvent) => core.events.subscribe((event) => onEvent(event)),
      close: async () => {}
    }
  },
  async ipc(core) {
    const fake = createFakeIpc()
    const unregister = registerIpcBridge({
      ipcMain: fake.ipcMain,
      api: core.api,
      isTrustedSender: (event) => isTrustedSender(event, fake.webContents as unknown as WebContents)
    })
    const stopRelay = relayEvents(core.events, fake.webContents)
    const transport = createIpcTransport(createPreloadApi(fake.ipcRenderer, () => ''))
    return {
      api: transport.api,
      subscribe: async (onEvent) => transport.subscribe(onEvent),
      close: async () => {
        stopRelay()
        unregister()
      }
    }
  },
  async http(core) {
    const server = await startConsoleServer({ core, sse: { heartbeatMs: 1000 } })
    const client = createHttpConsoleClient({ baseUrl: server.url })
    const subscriptions = new Set<() => void>()
    return {
      api: client,
      subscribe: (onEvent) =>
        new Promise((resolve) => {
          const off = client.subscribe(onEvent, { onOpen: () => resolve(off) })
          subscriptions.add(off)
        }),
      close: async () => {
        for (const off of subscriptions) off()
        await server.close()
      }
    }
  }
}
