import { ConsoleApiError, procedureNames, type ConsoleApi } from '../../../shared/console-api'
import type { PreloadApi } from '../../../shared/preload-api'
import type { Transport } from './transport'

/** The ConsoleApi over the preload's `window.api`: results come back as values and are thrown here. */
export function createIpcTransport(bridge: PreloadApi, mediaBase = 'app://console'): Transport {
  const api = Object.fromEntries(
    procedureNames.map((name) => [
      name,
      async (input: unknown) => {
        const result = await bridge.call(name, input)
        if (!result.ok) throw new ConsoleApiError(result.error.code, result.error.message)
        return result.result
      }
    ])
  ) as ConsoleApi
  return {
    kind: 'ipc',
    api,
    subscribe: (onEvent, handlers) => {
      const off = bridge.onEvent(onEvent)
      // IPC never drops: the first "open" is immediate and there is no reconnect.
      queueMicrotask(() => handlers?.onOpen?.())
      return off
    },
    mediaUrl: (videoId, what) => `${mediaBase}/media/${videoId}/${what === 'video' ? 'video' : `keyframe/${what.keyframe}`}`,
    pathForFile: (file) => bridge.pathForFile(file)
  }
}
