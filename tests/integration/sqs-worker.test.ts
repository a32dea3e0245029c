/**
 * The core's worker on the cloud adapters: SQS and S3 on fauxqs, the Supabase store through
 * the PostgREST fake, Gemini through its fake. Long jobs under the heartbeat, poison messages
 * to the DLQ, and an SQS outage while the worker runs.
 */
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { createGeminiAnalyzer } from '../../src/adapters/analyzer/gemini'
import { createS3Client } from '../../src/adapters/aws-clients'
import type { EmbeddedDb } from '../../src/adapters/embedded/database'
import { createSqsQueue } from '../../src/adapters/queue/sqs'
import { createS3Source } from '../../src/adapters/source/s3'
import { createJournal } from '../../src/adapters/store/journal'
import { createStatsHistory } from '../../src/adapters/store/stats-history'
import { createUsageLedger } from '../../src/adapters/store/usage-ledger'
import { createSupabaseStore } from '../../src/adapters/store/supabase'
import type { CoreHandle } from '../../src/core/core-handle'
import { createCore } from '../../src/core/create-core'
import type { Logger } from '../../src/core/ports'
import type { WorkerEvent } from '../../src/shared/events'
import { interceptResponse, startAwsLocal, startToggleProxy, type AwsLocal, type ToggleProxy } from '../support/aws-local'
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini'
import type { FakePostgrest } from '../support/fake-postgrest'
import { startFakeSupabase, TEST_SERVICE_KEY as KEY, type FakeSupabase } from '../support/fake-supabase'
import { seedMediaBucket } from '../support/media-bucket'
import { tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'
import { memoryLogger } from '../support/memory-logger'

let aws: AwsLocal
let gemini: FakeGemini
let supabase: FakeSupabase | undefined
let db: EmbeddedDb
let rest: FakePostgrest
let dir: string
let cleanupDir: () => Promise<void>
const running: { core: CoreHandle; close: () => Promise<void> }[] = []

beforeAll(async () => {
  ;({ dir, cleanup: cleanupDir } = await tempDir('vp-sqs-worker-'))
  aws = await startAwsLocal()
  await seedMediaBucket(aws, dir)
  gemini = await startFakeGemini()
  ;({ db, rest } = supabase = await startFakeSupabase())
})
afterEach(async () => {
  for (const r of running.splice(0)) await r.close()
  gemini.reset()
})
afterAll(async () => {
  await supabase?.close()
  await gemini?.close()
  await aws?.stop()
  await cleanupDir?.()
})

async function startWorker(queueUrl: string, opts: { endpoint?: string; s3Fault?: boolean; logger?: Logger } = {}) {
  const logger = opts.logger ?? memoryLogger()
  const queue = await createSqsQueue({ queueUrl, aws: { ...aws.aws, ...(opts.endpoint ? { endpoint: opts.endpoint } : {}) }, logger, backoff: { minTimeoutMs: 100, maxTimeoutMs: 500 } })
  const s3 = createS3Client(aws.aws)
  if (opts.s3Fault)
    interceptResponse(s3, 'GetObjectCommand', Infinity, () => ({
      statusCode: 500,
      body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>InternalError</Code><Message>We encountered an internal error.</Message></Error>'
    }))
  const store = createSupabaseStore({ url: rest.url, serviceRoleKey: KEY, logger, backoff: { minTimeoutMs: 20, maxTimeoutMs: 100 } })
  await store.init()
  const events: WorkerEvent[] = []
  const core = createCore(
    {
      queue,
      sources: [createS3Source({ client: s3, bucket: 'media' })],
      analyzer: createGeminiAnalyzer({ apiKey: gemini.apiKey, baseUrl: gemini.url, dataDir: dir, retry: { minDelayMs: 10, maxDelayMs: 50 }, poll: { minIntervalMs: 20, maxIntervalMs: 50 } }),
      store,
      journal: createJournal(db),
      statsHistory: createStatsHistory(db),
      usage: createUsageLedger(db),
      clock: { now: () => new Date() },
      logger
    },
    {
      concurrency: 2,
      pollWaitSeconds: 1,
      maxReceiveCount: 10,
      shutdownDeadlineSeconds: 5,
      downloadDir: path.join(dir, 'downloads'),
      dataDir: dir,
      readOnly: false,
      publicConfig: {},
      backoffSeconds: () => 0
    }
  )
  core.events.subscribe((e) => events.push(e))
  const close = async () => {
    await core.close()
    await queue.close()
    await store.close()
    s3.destroy()
  }
  running.push({ core, close })
  await core.start()
  return { core, events, logger }
}

async function upstreamRow(title: string): Promise<string> {
  const id = randomUUID()
  await db.query('insert into videos (id, title) values ($1, $2)', [id, title])
  return id
}

const s3Message = (id: string) => JSON.stringify({ video_id: id, source_type: 's3', s3_key: 'in/clip.mp4', s3_bucket: 'media' })

const waitFor = (what: string, fn: () => boolean | Promise<boolean>) => waitUntil(what, fn, 50_000)

const row = async (id: string) =>
  (await db.query<{ processing_status: string; attempts: number; analysis_result: string | null; error_cause: string | null }>('select * from videos where id = $1', [id])).rows[0]

describe('worker on SQS + S3 + Supabase + Gemini stand-ins', () => {
  it('a job longer than the visibility timeout is not delivered again while the heartbeat runs', async () => {
    const { url } = await aws.createQueue(`long-${randomUUID().slice(0, 8)}`, { VisibilityTimeout: '2' })
    const id = await upstreamRow('long job')
    // Gemini takes 6 s to answer: three visibility timeouts.
    gemini.fault('generate', { kind: 'delay', ms: 6000 })
    const { events } = await startWorker(url)
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: s3Message(id) }))
    const stolen: string[] = []
    while (!events.some((e) => e.type === 'video.completed' || e.type === 'video.failed')) {
      const out = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 0, VisibilityTimeout: 0 }))
      stolen.push(...(out.Messages ?? []).map((m) => m.Body ?? ''))
      await sleep(300)
    }
    expect(stolen).toEqual([])
    expect(events.filter((e) => e.type === 'video.completed').map((e) => e.type === 'video.completed' && e.videoId)).toEqual([id])
    expect(events.filter((e) => e.type === 'message.received')).toHaveLength(1)
    expect(await row(id)).toMatchObject({ processing_status: 'completed', attempts: 1 })
    await waitFor('message deleted', async () => (await aws.counts(url)).inFlight === 0)
    expect(await aws.counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 })
  })

  it('a stop hands the running job back to SQS at once (visibility 0), nothing waits for the timeout', async () => {
    const { url } = await aws.createQueue(`stop-${randomUUID().slice(0, 8)}`, { VisibilityTimeout: '600' })
    const id = await upstreamRow('stopped mid-job')
    gemini.fault('generate', { kind: 'delay', ms: 8000 })
    const { core, events } = await startWorker(url)
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: s3Message(id) }))
    await waitFor('job running', () => events.some((e) => e.type === 'video.status' && e.videoId === id && e.status === 'uploading'))
    await core.stop({ mode: 'now' })
    // With a 600 s visibility timeout, only a hand-back makes it visible again this soon. The poll the
    // stop abandoned may catch it first (SQS hands it to any waiting poll): that one gives it back too.
    const out = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: url, WaitTimeSeconds: 5, MessageSystemAttributeNames: ['ApproximateReceiveCount'] }))
    expect(out.Messages?.map((m) => m.Body)).toEqual([s3Message(id)])
    expect(Number(out.Messages?.[0]?.Attributes?.ApproximateReceiveCount)).toBeGreaterThanOrEqual(2)
  })

  it('a message that always fails reaches the DLQ after maxReceiveCount, its video failed with the reason', async () => {
    const dlq = await aws.createQueue(`poison-dlq-${randomUUID().slice(0, 8)}`)
    const { url } = await aws.createQueue(`poison-${randomUUID().slice(0, 8)}`, {
      VisibilityTimeout: '30',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 })
    })
    const id = await upstreamRow('always fails')
    const { events } = await startWorker(url, { s3Fault: true })
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: s3Message(id) }))
    await waitFor('final failure', () => events.some((e) => e.type === 'video.failed' && e.final))
    const receives = events.flatMap((e) => (e.type === 'message.received' ? [e.receiveCount] : []))
    expect(receives).toEqual([1, 2])
    const failed = await row(id)
    expect(failed).toMatchObject({ processing_status: 'failed', attempts: 2, error_cause: 'network' })
    expect(failed?.analysis_result).toMatch(/S3 download of s3:\/\/media\/in\/clip\.mp4 failed: InternalError/)
    let dead: string[] = []
    await waitFor('dead letter', async () => {
      const out = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 1 }))
      dead = (out.Messages ?? []).map((m) => m.Body ?? '')
      return dead.length > 0
    })
    expect(dead).toEqual([s3Message(id)])
    // The worker sends to the DLQ first and deletes from the source after (never losing the message
    // between the two), and reports the move once both are done: only then is the source empty.
    await waitFor('move reported', () => events.some((e) => e.type === 'log' && /moved to the dead-letter queue/.test(e.message)))
    expect(await aws.counts(url)).toMatchObject({ visible: 0, inFlight: 0 })
  })

  it('SQS refusing connections for a while: the worker logs, backs off, resumes, and loses nothing', async () => {
    const { url } = await aws.createQueue(`outage-${randomUUID().slice(0, 8)}`, { VisibilityTimeout: '5' })
    const proxy: ToggleProxy = await startToggleProxy(aws.port)
    try {
      const logger = memoryLogger()
      const { events } = await startWorker(url, { endpoint: proxy.endpoint, logger })
      const ids = [await upstreamRow('before 1'), await upstreamRow('before 2')]
      for (const id of ids) await aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: s3Message(id) }))
      await waitFor('first two completed', () => ids.every((id) => events.some((e) => e.type === 'video.completed' && e.videoId === id)))
      // Their deletes done, only the receive loop talks to SQS during the outage.
      await waitFor('first two deleted', async () => (await aws.counts(url)).inFlight === 0)
      await proxy.down()
      const during = [await upstreamRow('during 1'), await upstreamRow('during 2'), await upstreamRow('during 3')]
      for (const id of during) await aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: s3Message(id) }))
      await waitFor('refusals logged', () => logger.lines.filter((l) => /ECONNREFUSED/.test(l)).length >= 2)
      await sleep(1000)
      await proxy.up()
      await waitFor('all completed', () => [...ids, ...during].every((id) => events.some((e) => e.type === 'video.completed' && e.videoId === id)))
      const completed = events.flatMap((e) => (e.type === 'video.completed' ? [e.videoId] : []))
      expect(completed.sort()).toEqual([...ids, ...during].sort())
      const sqsLines = logger.lines.filter((l) => l.includes('SQS'))
      expect(sqsLines).toEqual(expect.arrayContaining([expect.stringMatching(/^warn SQS receive .* failed \(attempt \d+\): ECONNREFUSED/)]))
      expect(sqsLines).toEqual(expect.arrayContaining([expect.stringMatching(/^info SQS receive .* succeeded again/)]))
      await waitFor('queue empty', async () => (await aws.counts(url)).inFlight === 0)
      expect(await aws.counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 })
    } finally {
      await proxy.stop()
    }
  })
})
