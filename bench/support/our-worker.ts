import { join } from 'node:path'
import type { Analyzer, Logger } from '../../src/core/ports'
import type { BenchEmbedded } from './embedded'
import { borrowed } from './embedded'
import type { Contender } from './queue-run'
import { createUrlSource } from './sleep-analyzer'

/**
 * Our worker as a contender: createCore with the SQS adapter on fauxqs, the embedded store
 * and journal, and the bench analyzer. Loaded dynamically so a missing piece is a "not run" row.
 */
export async function createOurContender(embedded: BenchEmbedded, analyzer: Analyzer): Promise<(concurrency: number) => Contender> {
  const { createCore } = await import('../../src/core/create-core')
  const { createSqsQueue } = await import('../../src/adapters/queue/sqs')
  const { loadConfig } = await import('../../src/app/load-config')
  const { coreOptionsFrom } = await import('../../src/app/open-app')
  // The product's defaults (nothing configured), on the bench's data directory.
  const config = loadConfig({ env: { DATA_DIR: embedded.dataDir, DOWNLOAD_DIR: join(embedded.dataDir, 'downloads') }, envFileName: null })
  return (concurrency) => ({
    label: `ours, concurrency ${concurrency}`,
    async start(ctx) {
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
          store: borrowed(embedded.store),
          journal: borrowed(embedded.journal),
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
