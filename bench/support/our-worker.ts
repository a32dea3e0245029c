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
  return (concurrency) => ({
    label: `ours, concurrency ${concurrency}`,
    async start(ctx) {
      const logger: Logger = {
        info: () => {},
        debug: () => {},
        warn: () => {},
        error: (m) => ctx.onError(new Error(m))
      }
      const queue = await createSqsQueue({ queueUrl: ctx.queueUrl, client: ctx.client, logger })
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
        {
          concurrency,
          pollWaitSeconds: 20,
          maxReceiveCount: 5,
          shutdownDeadlineSeconds: 5,
          downloadDir: join(embedded.dataDir, 'downloads'),
          dataDir: embedded.dataDir,
          readOnly: false,
          publicConfig: {}
        }
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
