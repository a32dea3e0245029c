import { join } from 'node:path'
import type { Analyzer, Logger } from '../../src/core/ports'
import { borrowed } from './embedded'
import type { Contender } from './queue-run'
import { createUrlSource } from './sleep-analyzer'

/**
 * Our worker as a contender: createCore with the SQS adapter on fauxqs, the run's fresh
 * embedded store and journal, and the bench analyzer; the product's defaults otherwise.
 * Loaded dynamically so a missing piece is a "not run" row.
 */
export async function createOurContender(analyzer: Analyzer): Promise<(concurrency: number) => Contender> {
  const { createCore } = await import('../../src/core/create-core')
  const { createSqsQueue } = await import('../../src/adapters/queue/sqs')
  const { loadConfig } = await import('../../src/app/load-config')
  const { coreOptionsFrom } = await import('../../src/app/open-app')
  const { createStatsHistory } = await import('../../src/adapters/store/stats-history')
  const { createUsageLedger } = await import('../../src/adapters/store/usage-ledger')
  return (concurrency) => ({
    label: `ours: ${concurrency} jobs at once`,
    async start(ctx) {
      const { dataDir } = ctx.embedded
      // The product's defaults (nothing configured), on this run's data directory.
      const config = loadConfig({ env: { DATA_DIR: dataDir, DOWNLOAD_DIR: join(dataDir, 'downloads') }, envFileName: null })
      const logger: Logger = {
        info: () => {},
        debug: () => {},
        warn: () => {},
        error: (m) => ctx.onError(new Error(m))
      }
      const queue = await createSqsQueue({
        queueUrl: ctx.queueUrl,
        client: ctx.client,
        visibilityTimeoutSeconds: config.worker.visibilityTimeoutSeconds,
        logger
      })
      const core = createCore(
        {
          queue,
          sources: [createUrlSource()],
          analyzer,
          store: borrowed(ctx.embedded.store),
          journal: borrowed(ctx.embedded.journal),
          statsHistory: createStatsHistory(ctx.embedded.db),
          usage: createUsageLedger(ctx.embedded.db),
          clock: { now: () => new Date() },
          logger
        },
        { ...coreOptionsFrom(config), concurrency }
      )
      core.events.subscribe((event) => {
        if (event.type === 'video.completed') ctx.onCompleted(event.videoId, performance.now())
        else if (event.type === 'video.failed') ctx.onError(new Error(`video failed: ${event.error}`))
      })
      await core.start()
      return { stop: () => core.close() }
    }
  })
}
