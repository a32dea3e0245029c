import { readConsoleAddress } from '../app/console-address'
import { openApp } from '../app/open-app'
import { createLogger } from '../shared/logger'
import { currentOwner } from '../app/owner-lock'
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

/**
 * The ConsoleApi for a short command: through the owner of DATA_DIR while one runs, else by
 * opening the embedded database here (PGlite is single-process, so never both).
 */
export async function connect(config: Config): Promise<Connection> {
  for (let waited = 0; ; waited += 200) {
    const owner = await currentOwner(config.dataDir)
    const address = await readConsoleAddress(config.dataDir)
    if (owner !== null && address && address.pid === owner) {
      const api = createHttpConsoleClient({ baseUrl: address.url, token: address.token })
      return { api, via: 'owner', ownerPid: owner, close: async () => undefined }
    }
    if (owner === null) {
      const app = await openApp(config, { logger: createLogger({ level: 'silent' }) })
      return { api: app.core.api, via: 'local', ownerPid: null, close: () => app.close() }
    }
    // The owner is starting up and has not published its address yet.
    if (waited >= 15_000) throw new Error(`process ${owner} owns ${config.dataDir} but does not serve the console: is it a video-processor worker?`)
    await new Promise((r) => setTimeout(r, 200))
  }
}
