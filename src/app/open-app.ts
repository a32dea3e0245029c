import { mkdir } from 'node:fs/promises'
import { openDatabase, type EmbeddedDb } from '../adapters/embedded/database'
import { ConfigError, type Config } from '../core/config'
import type { CoreHandle } from '../core/core-handle'
import type { CoreOptions } from '../core/create-core'
import type { Logger } from '../core/ports'
import { openCoreSession, type CoreSession } from './core-session'
import type { LoadConfigOptions } from './load-config'
import { createLogger } from '../shared/logger'
import { acquireOwnerLock, type LockRole } from './owner-lock'
import { createProfileSwitcher } from './profile-switcher'
import { createSettingsService } from './settings-service'
import { createSwitchableCore } from './switchable-core'
import { createUnavailableSession } from './unavailable-core'

export { coreOptionsFrom } from './core-session'
/** What the bridges serve: the bridges name it from here, never from core. */
export type { CoreHandle } from '../core/core-handle'

export interface App {
  /** The same handle for the life of the app, across profile switches. */
  core: CoreHandle
  /** The configuration in force (it changes when the profile does). */
  readonly config: Config
  /** The embedded database (journal, local queue, embedded store). */
  db: EmbeddedDb
  /** Start-up lines naming the backend of each port. */
  describeBackends(): string[]
  /** Checks the analyzer can work (tools installed, model reachable); throws a clear error. */
  check(): Promise<void>
  /** Stops the worker (graceful, within the deadline), closes the ports and the database, releases DATA_DIR. */
  close(): Promise<void>
}

export interface OpenAppOptions {
  logger?: Logger
  /** Overrides of the core options (tests). */
  core?: Partial<CoreOptions>
  /**
   * How `config` was loaded, to load another profile the same way (environment, `.env.local`,
   * command-line values, the secret box). Default: the values `config` got from outside the store.
   */
  settings?: LoadConfigOptions
  /**
   * `owner` (default) for the process that runs the worker: it waits for a short command holding
   * DATA_DIR to finish. `visitor` for a short command, which fails at once when DATA_DIR is held.
   */
  role?: LockRole
  /**
   * Backends that cannot be opened at start (a queue or database down) do not fail the app: the
   * console serves a stand-in that says why, and the configuration is opened again every
   * `retryEverySeconds` (`serve`, the desktop app). Without it such an error is thrown (`worker`).
   */
  waitForBackends?: { retryEverySeconds: number }
}

/** A folder the app keeps files in; one that cannot be made is a setting to fix (exit code 2). */
async function makeDir(variable: 'DATA_DIR' | 'DOWNLOAD_DIR', dir: string): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(variable, `${variable}=${JSON.stringify(dir)} cannot be used (${error.code ?? error.message}): set ${variable} to a writable folder`)
  })
}

/** What `config` got from the command line, the environment and `.env.local`, for reloading it. */
function outsideValues(config: Config): LoadConfigOptions {
  const env: Record<string, string> = { DATA_DIR: config.dataDir }
  for (const [name, value] of Object.entries(config.raw)) if (config.sources[name as keyof Config['raw']] !== 'profile') env[name] = value
  return { env, envFileName: null }
}

/**
 * The composition root: takes DATA_DIR (lock), opens the embedded database and the adapters
 * the configuration asks for, and wires them into the core. The worker is not started.
 */
export async function openApp(config: Config, opts: OpenAppOptions = {}): Promise<App> {
  const logger = opts.logger ?? createLogger()
  await makeDir('DATA_DIR', config.dataDir)
  const lock = await acquireOwnerLock(config.dataDir, {
    role: opts.role ?? 'owner',
    ...(opts.role === 'visitor' ? { waitForVisitorMs: 0 } : {}),
    onWait: (holder) => logger.info(`Waiting for process ${holder.pid} (a short command using ${config.dataDir}) to finish`)
  })
  let db: EmbeddedDb | null = null
  try {
    await makeDir('DOWNLOAD_DIR', config.downloadDir)
    db = await openDatabase(config.dataDir)
    const openDb = db
    const loadOptions = opts.settings ?? outsideValues(config)
    const retryEverySeconds = opts.waitForBackends?.retryEverySeconds
    // The settings service and the switcher need each other: the service asks the switcher to apply a profile.
    const switcher = createProfileSwitcher({
      first: config,
      open: async (next) => {
        await makeDir('DOWNLOAD_DIR', next.downloadDir)
        return openCoreSession(next, openDb, { logger, settings, ...(opts.core ? { core: opts.core } : {}) })
      },
      logger,
      ...(retryEverySeconds !== undefined
        ? {
            whileUnavailable: {
              retryEveryMs: retryEverySeconds * 1000,
              session: (first: Config, reason: string) => createUnavailableSession(first, { reason, retryEverySeconds, settings })
            }
          }
        : {})
    })
    const settings = createSettingsService({ load: loadOptions, runtime: switcher })
    const first: CoreSession = await switcher.openFirst()
    const core = createSwitchableCore(first.core)
    switcher.attach(core)
    let closing: Promise<void> | null = null
    return {
      core,
      get config() {
        return switcher.session().config
      },
      db: openDb,
      describeBackends: () => switcher.session().describeBackends(),
      check: () => switcher.session().check(),
      close() {
        closing ??= (async () => {
          try {
            await switcher.close()
          } finally {
            await openDb.close().catch(() => undefined)
            await lock.release()
          }
        })()
        return closing
      }
    }
  } catch (error) {
    await db?.close().catch(() => undefined)
    await lock.release()
    throw error
  }
}
