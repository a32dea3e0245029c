import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { networkInterfaces } from 'node:os'
import type { CoreHandle } from '../app/open-app'
import { allowedHostnames, assertSafeBind } from './guards'
import { createRequestHandler } from './http-bridge'
import type { MediaGuard } from '../bridge/media'
import { createSseHub, type SseOptions } from './sse'

/** Options of the headless console. */
export interface ConsoleServerOptions {
  core: CoreHandle
  /** Address to bind; anything but loopback requires `token`. @defaultValue '127.0.0.1' */
  host?: string
  /** 0 picks a free port. @defaultValue 0 */
  port?: number
  /** When set, every request must carry it (Bearer header, `?token=`, or the cookie the page gets). */
  token?: string
  /** The built renderer (out/renderer); without it only the API is served. */
  staticDir?: string
  /** DATA_DIR, to serve keyframe images that analyses reference relative to it. */
  dataDir?: string
  /** Which local files `/media` may serve; default: absolute, no hidden folder, a regular file. */
  mediaGuard?: MediaGuard
  /** Refuse every write procedure and tell the console to hide its actions. @defaultValue false */
  readOnly?: boolean
  /** Further host names the Host header may carry (DNS names of this machine). */
  allowedHosts?: string[]
  sse?: SseOptions
  /** Unexpected errors (their text never reaches a client). @defaultValue console.error */
  onError?: (error: unknown, where: string) => void
}

export interface ConsoleServer {
  /** Base URL, e.g. `http://127.0.0.1:43123` (without the token). */
  url: string
  /** Every base URL it can be reached at: `url` first, then each address of this machine when bound to all of them. */
  urls: string[]
  close(): Promise<void>
}

function urlHost(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1'
  if (host === '::') return '[::1]'
  return host.includes(':') ? `[${host}]` : host
}

/** The addresses a wildcard bind listens on (IPv4 for 0.0.0.0, all for ::), loopback first. */
function boundAddresses(host: string): string[] {
  if (host !== '0.0.0.0' && host !== '::') return [host]
  const nics = Object.values(networkInterfaces()).flatMap((list) => list ?? [])
  const addresses = nics.filter((nic) => host === '::' || nic.family === 'IPv4').map((nic) => nic.address)
  return [...new Set([urlHost(host).replace(/^\[|\]$/g, ''), ...addresses])]
}

/**
 * Serves the ConsoleApi over HTTP + SSE and the built renderer. A bridge only: every call is
 * validated and handed to `core.api`; the worker's lifecycle stays with the caller.
 */
export async function startConsoleServer(options: ConsoleServerOptions): Promise<ConsoleServer> {
  const host = options.host ?? '127.0.0.1'
  const guard = { host, token: options.token || undefined, allowedHosts: options.allowedHosts }
  assertSafeBind(guard)
  const hub = createSseHub()
  const onError = options.onError ?? ((error: unknown, where: string) => console.error(`console server: ${where}:`, error))
  const server = createServer(
    createRequestHandler({
      core: options.core,
      allowedHosts: allowedHostnames(guard),
      token: guard.token,
      readOnly: options.readOnly ?? false,
      staticDir: options.staticDir,
      dataDir: options.dataDir,
      ...(options.mediaGuard ? { mediaGuard: options.mediaGuard } : {}),
      hub,
      sse: options.sse,
      onInternalError: onError
    })
  )
  server.requestTimeout = 0 // event streams stay open
  server.headersTimeout = 10_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  let closing: Promise<void> | undefined
  return {
    url: `http://${urlHost(host)}:${port}`,
    urls: boundAddresses(host).map((address) => `http://${urlHost(address)}:${port}`),
    close() {
      closing ??= new Promise<void>((resolve) => {
        hub.closeAll()
        server.close(() => resolve())
        server.closeAllConnections()
      })
      return closing
    }
  }
}
