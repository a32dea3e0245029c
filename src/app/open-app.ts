import { mkdir } from 'node:fs/promises'
import { openDatabase, type EmbeddedDb } from '../adapters/embedded/database'
import { createJournal } from '../adapters/store/journal'
import { ConfigError, publicConfig, type Config } from '../core/config'
import type { CoreHandle } from '../core/core-handle'
import { createCore, type CoreOptions } from '../core/create-core'
import type { Logger } from '../core/ports'
import { acquireOwnerLock } from './owner-lock'
import { createConsoleLogger } from './logger'
import { selectPorts } from './select-ports'
import { createSourcePublisher } from './source-publisher'

export interface App {
  core: CoreHandle
  config: Config
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
}

/** A folder the app keeps files in; one that cannot be made is a setting to fix (exit code 2). */
async function makeDir(variable: 'DATA_DIR' | 'DOWNLOAD_DIR', dir: string): Promise<void> {
  await mkdir(dir, { recursive: true }).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigError(variable, `${variable}=${JSON.stringify(dir)} cannot be used (${error.code ?? error.message}): set ${variable} to a writable folder`)
  })
}

/** The CoreOptions a Config asks for. */
export function coreOptionsFrom(config: Config): CoreOptions {
  return {
    concurrency: config.worker.concurrency,
    pollWaitSeconds: config.worker.pollWaitSeconds,
    maxReceiveCount: config.worker.maxReceiveCount,
    shutdownDeadlineSeconds: config.worker.shutdownDeadlineSeconds,
    downloadDir: config.downloadDir,
    dataDir: config.dataDir,
    readOnly: config.readOnly,
    publicConfig: publicConfig(config)
  }
}

/**
 * The composition root: takes DATA_DIR (lock), opens the embedded database and the adapters
 * the configuration asks for, and wires them into the core. The worker is not started.
 */
export async function openApp(config: Config, opts: OpenAppOptions = {}): Promise<App> {
  const logger = opts.logger ?? createConsoleLogger()
  await makeDir('DATA_DIR', config.dataDir)
  const lock = await acquireOwnerLock(config.dataDir)
  let db: EmbeddedDb | null = null
  try {
    await makeDir('DOWNLOAD_DIR', config.downloadDir)
    db = await openDatabase(config.dataDir)
    const ports = await selectPorts(config, db, logger)
    await ports.store.init().catch(async (error: unknown) => {
      await Promise.allSettled([ports.queue.close(), ports.store.close(), ports.close()])
      throw error
    })
    const publisher = createSourcePublisher(config)
    const core = createCore({ ...ports, ...(publisher ? { publisher } : {}), journal: createJournal(db), clock: { now: () => new Date() }, logger }, {
      ...coreOptionsFrom(config),
      // An aborted SQS long poll can swallow messages for a visibility timeout: let it end instead.
      abortReceiveOnStop: !config.aws.sqsUrl,
      ...opts.core
    })
    const openDb = db
    let closing: Promise<void> | null = null
    return {
      core,
      config,
      db: openDb,
      describeBackends: () => [
        'Backends:',
        `  queue     ${ports.queue.name}`,
        `  store     ${ports.store.name}`,
        `  sources   ${ports.sources.map((s) => s.name).join(', ')}`,
        `  analyzer  ${ports.analyzer.name}`
      ],
      check: () => ports.analyzer.check(),
      close() {
        closing ??= (async () => {
          try {
            await core.close()
          } finally {
            await ports.close()
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
