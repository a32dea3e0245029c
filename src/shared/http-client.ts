import type { ConsoleApi } from './console-api'
import { createHttpEvents, type Subscribe } from './http-events'
import { createHttpRpc, type HttpConsoleClientOptions } from './http-rpc'
import { createHttpUpload, type Upload } from './http-upload'

/** The ConsoleApi over HTTP, plus the event stream over SSE and uploads. */
export type HttpConsoleClient = ConsoleApi & { subscribe: Subscribe; upload: Upload }

/** Creates a client of the HTTP bridge; works in Node and in the browser (fetch only). */
export function createHttpConsoleClient(options: HttpConsoleClientOptions): HttpConsoleClient {
  return Object.assign(createHttpRpc(options), { subscribe: createHttpEvents(options), upload: createHttpUpload(options) })
}
