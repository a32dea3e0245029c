/**
 * A network blip between the worker and SQS, shorter than the visibility timeout, while a job
 * runs: the heartbeat retries through it, the job goes on, and the video is analysed once.
 * SQS is fauxqs behind a TCP proxy that refuses connections for 3 s on command.
 */
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { SendMessageCommand } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createGeminiAnalyzer } from '../../src/adapters/analyzer/gemini'
import { createS3Client } from '../../src/adapters/aws-clients'
import type { EmbeddedDb } from '../../src/adapters/embedded/database'
import { createSqsQueue } from '../../src/adapters/queue/sqs'
import { createS3Source } from '../../src/adapters/source/s3'
import { createJournal } from '../../src/adapters/store/journal'
import { createSupabaseStore } from '../../src/adapters/store/supabase'
import { createCore } from '../../src/core/create-core'
import type { WorkerEvent } from '../../src/shared/events'
import { startAwsLocal, type AwsLocal } from '../support/aws-local'
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini'
import type { FakePostgrest } from '../support/fake-postgrest'
import { startFakeSupabase, TEST_SERVICE_KEY as KEY, type FakeSupabase } from '../support/fake-supabase'
import { seedMediaBucket } from '../support/media-bucket'
import { tempDir } from '../support/media'
import { memoryLogger } from '../support/memory-logger'
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy'
import { waitUntil } from '../support/wait-until'

let aws: AwsLocal
let gemini: FakeGemini
let supabase: FakeSupabase | undefined
let db: EmbeddedDb
let rest: FakePostgrest
let proxy: TcpProxy
let dir: string
let cleanupDir: () => Promise<void>

beforeAll(async () => {
  ;({ dir, cleanup: cleanupDir } = await tempDir('vp-heartbeat-'))
  aws = await startAwsLocal()
  await seedMediaBucket(aws, dir)
  gemini = await startFakeGemini()
  ;({ db, rest } = supabase = await startFakeSupabase())
  proxy = await startTcpProxy({ port: aws.port })
})
afterAll(async () => {
  await proxy?.close()
  await supabase?.close()
  await gemini?.close()
  await aws?.stop()
  await cleanupDir?.()
})

describe('heartbeat through a network blip', () => {
  it('a 3 s connection-refused blip shorter than the visibility timeout: the job continues, the video is analysed once', async () => {
    const { url } = await aws.createQueue(`blip-${randomUUID().slice(0, 8)}`, { VisibilityTimeout: '8' })
    const id = randomUUID()
    await db.query('insert into videos (id, title) values ($1, $2)', [id, 'blip'])
    // Gemini answers after 16 s: two visibility timeouts, so the lease must be renewed across the blip.
    gemini.fault('generate', { kind: 'delay', ms: 16_000 })
    const logger = memoryLogger()
    // Only SQS goes through the proxy; S3, Supabase and Gemini stay reachable.
    const queue = await createSqsQueue({ queueUrl: url, aws: { ...aws.aws, endpoint: proxy.url }, logger, backoff: { minTimeoutMs: 100, maxTimeoutMs: 500 } })
    const s3 = createS3Client(aws.aws)
    const store = createSupabaseStore({ url: rest.url, serviceRoleKey: KEY, logger, backoff: { minTimeoutMs: 20, maxTimeoutMs: 100 } })
    await store.init()
    const core = createCore(
      {
        queue,
        sources: [createS3Source({ client: s3, bucket: 'media' })],
        analyzer: createGeminiAnalyzer({ apiKey: gemini.apiKey, baseUrl: gemini.url, dataDir: dir, retry: { minDelayMs: 10, maxDelayMs: 50 }, poll: { minIntervalMs: 20, maxIntervalMs: 50 } }),
        store,
        journal: createJournal(db),
        clock: { now: () => new Date() },
        logger
      },
      { concurrency: 2, pollWaitSeconds: 1, maxReceiveCount: 10, shutdownDeadlineSeconds: 5, downloadDir: path.join(dir, 'downloads'), dataDir: dir, readOnly: false, publicConfig: {}, backoffSeconds: () => 0 }
    )
    const events: WorkerEvent[] = []
    core.events.subscribe((e) => events.push(e))
    try {
      await core.start()
      await aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify({ video_id: id, source_type: 's3', s3_key: 'in/clip.mp4' }) }))
      await waitUntil('analysis under way', () => gemini.count('generate') === 1)
      // The first renewal is due 4 s after the receive: the blip starts a second before it.
      const received = events.find((e) => e.type === 'message.received')
      const renewalDue = Date.parse(received?.at ?? '') + 4000
      await new Promise((r) => setTimeout(r, Math.max(0, renewalDue - 1000 - Date.now())))
      await proxy.blip('refuse', 3000)
      await waitUntil('video finished', () => events.some((e) => (e.type === 'video.completed' || (e.type === 'video.failed' && e.final)) && e.videoId === id), 60_000)
      // Anything a lost lease would have let through shows up within one more visibility timeout.
      await new Promise((r) => setTimeout(r, 9000))
      expect(events.filter((e) => e.type === 'video.completed').map((e) => e.type === 'video.completed' && e.videoId)).toEqual([id])
      expect(events.filter((e) => e.type === 'message.received')).toHaveLength(1)
      expect(gemini.count('generate')).toBe(1)
      expect(logger.lines.filter((l) => /lease .* lost/.test(l))).toEqual([])
      await waitUntil('message deleted', async () => (await aws.counts(url)).inFlight === 0)
      expect(await aws.counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 })
    } finally {
      await core.close()
      s3.destroy()
    }
  }, 120_000)
})
