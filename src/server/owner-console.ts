import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { consoleTokenFor, removeConsoleAddress, writeConsoleAddress } from '../app/console-address'
import { createLocalMediaGuard } from '../app/local-media-guard'
import type { App } from '../app/open-app'
import { assertSafeBind } from './guards'
import { startConsoleServer, type ConsoleServer } from './index'

/** The CLI refuses an unsafe `serve --host` before it opens anything: the same rule the server applies. */
export { assertSafeBind }

/** The built renderer (`out/renderer`) when `npm run build` has run, else undefined. */
export function findRendererDir(from = dirname(fileURLToPath(import.meta.url))): string | undefined {
  let dir = from
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'out', 'renderer')
    if (existsSync(join(candidate, 'index.html'))) return candidate
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  return undefined
}

export interface OwnerConsole {
  server: ConsoleServer
  /** The token the server asks for (to print a ready-to-open URL). */
  token: string
  close(): Promise<void>
}

/**
 * The owner of DATA_DIR serves the ConsoleApi on loopback so `enqueue` and `status` from other
 * shells go through it; its address and token go to DATA_DIR/console.json (mode 600).
 */
export async function serveOwnerConsole(app: App, opts: { host?: string; port?: number; token?: string; staticDir?: string } = {}): Promise<OwnerConsole> {
  const host = opts.host ?? '127.0.0.1'
  const explicit = opts.token ?? app.config.consoleToken
  // Off loopback only a token the operator chose counts; the server refuses to start without one.
  assertSafeBind({ host, ...(explicit ? { token: explicit } : {}) })
  const token = explicit ?? (await consoleTokenFor(app.config.dataDir))
  const server = await startConsoleServer({
    core: app.core,
    host,
    port: opts.port ?? 0,
    token,
    dataDir: app.config.dataDir,
    mediaGuard: createLocalMediaGuard(app.config),
    readOnly: app.config.readOnly,
    ...(opts.staticDir ? { staticDir: opts.staticDir } : {})
  })
  // Other commands reach the owner on loopback even when the server binds a wider address.
  const url = new URL(server.url)
  if (url.hostname === '0.0.0.0' || url.hostname === '[::]') url.hostname = '127.0.0.1'
  await writeConsoleAddress(app.config.dataDir, { url: url.origin, pid: process.pid, token })
  return {
    server,
    token,
    async close() {
      await removeConsoleAddress(app.config.dataDir)
      await server.close()
    }
  }
}
