import type { EmbeddedDb } from '../adapters/embedded/database'
import { createJournal } from '../adapters/store/journal'
import { createStatsHistory } from '../adapters/store/stats-history'
import { createUsageLedger } from '../adapters/store/usage-ledger'
import { createMediaInspector } from '../adapters/analyzer/local/inspector'
import { createZipArchiver } from '../adapters/bundle/zip'
import type { Config } from '../core/config'
import type { CoreHandle } from '../core/core-handle'
import { createCore, type CoreOptions } from '../core/create-core'
import type { Logger } from '../core/ports'
import type { SettingsAdmin } from '../core/settings-port'
import { publicConfig } from './config-lines'
import { selectPorts } from './select-ports'
import { createSourcePublisher } from './source-publisher'
import { saveWorkerIntent } from './worker-intent'

/** One configuration's ports wired into a core; the embedded database stays open across sessions. */
export interface CoreSession {
  core: CoreHandle
  config: Config
  describeBackends(): string[]
  /** Checks the analyzer can work (tools installed, model reachable); throws a clear error. */
  check(): Promise<void>
  /** Stops the worker and closes this session's ports (not the database). */
  close(): Promise<void>
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
    mediaRoots: config.mediaRoots,
    readOnly: config.readOnly,
    publicConfig: publicConfig(config),
    rememberIntent: (state, at) => saveWorkerIntent(config.dataDir, state, at)
  }
}

export async function openCoreSession(
  config: Config,
  db: EmbeddedDb,
  opts: { logger: Logger; settings?: SettingsAdmin; core?: Partial<CoreOptions> }
): Promise<CoreSession> {
  const ports = await selectPorts(config, db, opts.logger)
  await ports.store.init().catch(async (error: unknown) => {
    await Promise.allSettled([ports.queue.close(), ports.store.close(), ports.close()])
    throw error
  })
  const publisher = createSourcePublisher(config)
  const core = createCore(
    {
      ...ports,
      ...(publisher ? { publisher } : {}),
      ...(opts.settings ? { settings: opts.settings } : {}),
      // The console's debugging tools: look into media files, pack debug bundles.
      inspector: createMediaInspector({ ...(config.ffmpegPath ? { ffmpegPath: config.ffmpegPath } : {}), ...(config.ffprobePath ? { ffprobePath: config.ffprobePath } : {}) }),
      archiver: createZipArchiver(),
      journal: createJournal(db),
      statsHistory: createStatsHistory(db),
      usage: createUsageLedger(db),
      clock: { now: () => new Date() },
      logger: opts.logger
    },
    {
      ...coreOptionsFrom(config),
      // An aborted SQS long poll can swallow messages for a visibility timeout: let it end instead.
      abortReceiveOnStop: !config.aws.sqsUrl,
      ...opts.core
    }
  )
  let closing: Promise<void> | null = null
  return {
    core,
    config,
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
        }
      })()
      return closing
    }
  }
}
