import { readConsoleAddress } from '../app/console-address'
import { openApp } from '../app/open-app'
import { createLogger } from '../shared/logger'
import { currentHolder, OwnerLockError } from '../app/owner-lock'
import type { Config } from '../app/load-config'
import type { ConsoleApi } from '../shared/console-api'
import { createHttpConsoleClient } from '../shared/http-client'

export interface Connection {
  api: ConsoleApi
  /** `owner` when another process owns DATA_DIR and answered; `local` when this process opened it. */
  via: 'owner' | 'local'
  ownerPid: number | null
  close(): Promise<void>
}

/** How long a short command waits for a starting owner to serve its console, or for another short command. */
const WAIT_MS = 30_000

/**
 * The ConsoleApi for a short command: through the owner of DATA_DIR while one runs, else by
 * opening the embedded database here as a visitor (PGlite is single-process, so never both).
 * A visitor never makes an owner fail: an owner that starts meanwhile waits for it to finish.
 */
export async function connect(config: Config): Promise<Connection> {
  for (let waited = 0; ; waited += 200) {
    const holder = await currentHolder(config.dataDir)
    if (holder?.role === 'owner') {
      const address = await readConsoleAddress(config.dataDir)
      if (address && address.pid === holder.pid) {
        const api = createHttpConsoleClient({ baseUrl: address.url, token: address.token })
        return { api, via: 'owner', ownerPid: holder.pid, close: async () => undefined }
      }
    }
    if (holder === null) {
      try {
        const app = await openApp(config, { logger: createLogger({ level: 'silent' }), role: 'visitor' })
        return { api: app.core.api, via: 'local', ownerPid: null, close: () => app.close() }
      } catch (error) {
        // Another process took DATA_DIR between our look and our lock: go through it instead.
        if (!(error instanceof OwnerLockError)) throw error
      }
    }
    // The owner is starting up and has not published its address yet, or another short command holds the folder.
    if (waited >= WAIT_MS) {
      const pid = holder?.pid ?? (await currentHolder(config.dataDir))?.pid
      throw new Error(`process ${pid ?? '?'} owns ${config.dataDir} but does not serve the console: is it a video-processor worker?`)
    }
    await new Promise((r) => setTimeout(r, 200))
  }
}
