/**
 * Every row ends true, and no message is lost: messages a queue gives up on by itself (the local
 * queue's sweep, SQS's redrive, a delivery beyond the limit) fail their videos `dead-lettered`;
 * the reconciler fails rows nobody holds as `stuck`; a failed move to the DLQ never deletes, and a
 * queue without one keeps the message. Dead letters are listed, requeued and purged through the
 * ConsoleApi, on the local queue and an SQS DLQ (fauxqs) alike.
 */
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createSqsClient } from '../../src/adapters/aws-clients'
import { openDatabase, type EmbeddedDb } from '../../src/adapters/embedded/database'
import { createLocalQueue } from '../../src/adapters/queue/local'
import { createSqsQueue } from '../../src/adapters/queue/sqs'
import { createEmbeddedStore } from '../../src/adapters/store/embedded'
import { createJournal } from '../../src/adapters/store/journal'
import type { CoreHandle } from '../../src/core/core-handle'
import { createCore, type CoreOptions } from '../../src/core/create-core'
import type { Analyzer, Queue, Source } from '../../src/core/ports'
import type { WorkerEvent } from '../../src/shared/events'
import { interceptResponse, startAwsLocal, type AwsLocal } from '../support/aws-local'
import { tempDir } from '../support/media'
import { memoryLogger } from '../support/memory-logger'

let db: EmbeddedDb
let aws: AwsLocal
let dir: string
let cleanup: () => Promise<void>
let n = 0
const name = (base: string) => `${base}-${++n}`

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-dlq-'))
  ;[db, aws] = await Promise.all([openDatabase(null), startAwsLocal()])
})
afterAll(async () => {
  await aws.stop()
  await db.close()
  await cleanup()
})

const analyzer: Analyzer = {
  name: 'instant',
  acceptsUrl: () => true,
  async check() {},
  async analyze() {
    return { summary: 's', topics: [], quiz: [], provenance: { engine: 'local', model: 'instant', transcriptSource: 'none', warnings: [] } }
  }
}
const urlSource: Source = { name: 'url', kinds: ['http'], fetch: async (s) => ({ kind: 'url', url: s.kind === 'http' ? s.url : '' }) }
const body = (id: string) => JSON.stringify({ video_id: id, source_type: 'http', url: `http://127.0.0.1:9/${id}.mp4` })
const store = () => createEmbeddedStore(db)

async function core(queue: Queue, opts: Partial<CoreOptions> = {}) {
  const downloadDir = path.join(dir, `d-${++n}`)
  await mkdir(downloadDir, { recursive: true })
  const logger = memoryLogger()
  const handle: CoreHandle = createCore(
    { queue, sources: [urlSource], analyzer, store: store(), journal: createJournal(db), clock: { now: () => new Date() }, logger },
    { concurrency: 2, pollWaitSeconds: 1, maxReceiveCount: 5, shutdownDeadlineSeconds: 1, downloadDir, dataDir: dir, readOnly: false, publicConfig: {}, backoffSeconds: () => 1, ...opts }
  )
  const events: WorkerEvent[] = []
  handle.events.subscribe((e) => events.push(e))
  return { core: handle, events, logger }
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 30_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 50))
  }
}

/** A row as a crashed worker leaves it: claimed (in flight), its lease running out. */
async function claimedByDeadWorker(id: string, leaseSeconds = 0.2): Promise<void> {
  const claim = await store().claim({ id, title: null, source: { kind: 'http', url: `http://127.0.0.1:9/${id}.mp4` }, owner: 'gone-host:4242', leaseSeconds, generation: null })
  expect(claim.claimed).toBe(true)
}

const rowOf = (id: string) => store().get(id)

describe('rows the queue gave up on end failed', () => {
  it('local queue: the sweep after max receives marks the row dead-lettered with the reason', async () => {
    const queue = createLocalQueue(db, { visibilityTimeoutSeconds: 1, maxReceiveCount: 2, name: name('sweep'), pollIntervalMs: 50 })
    const id = randomUUID()
    await queue.send(body(id))
    // Two deliveries that never finish (a worker killed twice mid-job).
    for (let i = 0; i < 2; i++) {
      await waitFor('delivery', async () => (await queue.receive({ max: 1, waitSeconds: 1 })).length === 1)
      await claimedByDeadWorker(id)
    }
    await new Promise((r) => setTimeout(r, 1100))
    const w = await core(queue, { maxReceiveCount: 2 })
    await w.core.start()
    const row = await waitFor('dead-lettered', async () => ((await rowOf(id))?.errorCause === 'dead-lettered' ? rowOf(id) : null))
    expect(row).toMatchObject({ processingStatus: 'failed', errorCause: 'dead-lettered' })
    expect(row?.completedAt).not.toBeNull()
    expect(row?.analysisResult).toMatch(/received 2 times without success/)
    const list = await w.core.api['deadLetters.list'](undefined)
    expect(list.items.map((l) => l.videoId)).toContain(id)
    await w.core.close()
  })

  it('a delivery beyond the limit (SQS redrive allows more) fails the video dead-lettered and moves the message to the DLQ', async () => {
    const dlq = await aws.createQueue(name('beyond-dlq'))
    const q = await aws.createQueue(name('beyond'), { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }) })
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    const id = randomUUID()
    await queue.send(body(id))
    for (let i = 0; i < 2; i++) {
      await waitFor('delivery', async () => (await queue.receive({ max: 1, waitSeconds: 1 })).length === 1)
      await claimedByDeadWorker(id)
    }
    await new Promise((r) => setTimeout(r, 1100))
    const w = await core(queue, { maxReceiveCount: 2 })
    await w.core.start()
    const row = await waitFor('dead-lettered', async () => ((await rowOf(id))?.errorCause === 'dead-lettered' ? rowOf(id) : null))
    expect(row?.analysisResult).toMatch(/delivered the message 3 times, beyond the limit of 2/)
    await waitFor('in the DLQ', async () => (await aws.counts(dlq.url)).visible === 1)
    // The worker sends to the DLQ first and deletes from the source after (never losing the message
    // between the two), and reports the move once both are done: only then is the source empty.
    await waitFor('move reported', () => w.events.some((e) => e.type === 'log' && /moved to the dead-letter queue/.test(e.message)))
    expect(await aws.counts(q.url)).toMatchObject({ visible: 0, inFlight: 0 })
    await w.core.close()
  })

  it('SQS redrive (fauxqs) moves the message out of sight; the reconciler finds the row and marks it dead-lettered', async () => {
    const dlq = await aws.createQueue(name('redrive-dlq'))
    const q = await aws.createQueue(name('redrive'), { VisibilityTimeout: '1', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 1 }) })
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    const id = randomUUID()
    await queue.send(body(id))
    await waitFor('delivery', async () => (await queue.receive({ max: 1, waitSeconds: 1 })).length === 1)
    await claimedByDeadWorker(id)
    await new Promise((r) => setTimeout(r, 1100))
    // The next receive finds the message over its redrive limit: SQS moves it, nobody is told.
    expect(await queue.receive({ max: 1, waitSeconds: 1 })).toEqual([])
    await waitFor('redriven', async () => (await aws.counts(dlq.url)).visible === 1)
    expect((await rowOf(id))?.processingStatus).toBe('processing')
    const w = await core(queue, { stuckAfterSeconds: 0.5, reconcileEverySeconds: 0.3 })
    await w.core.start()
    const row = await waitFor('reconciled', async () => ((await rowOf(id))?.processingStatus === 'failed' ? rowOf(id) : null))
    expect(row).toMatchObject({ errorCause: 'dead-lettered' })
    expect(row?.analysisResult).toMatch(/in the dead-letter queue/)
    // Listing the DLQ leaves its messages there, visible.
    expect(await aws.counts(dlq.url)).toMatchObject({ visible: 1 })
    await w.core.close()
  })

  it('the reconciler marks a row nobody holds stuck, with what it knows, and leaves held and settled rows alone', async () => {
    const queue = createLocalQueue(db, { visibilityTimeoutSeconds: 5, maxReceiveCount: 5, name: name('stuck'), pollIntervalMs: 50 })
    const gone = randomUUID()
    await claimedByDeadWorker(gone)
    const held = randomUUID()
    await claimedByDeadWorker(held, 600)
    const w = await core(queue, { stuckAfterSeconds: 0.5, reconcileEverySeconds: 0.3 })
    await w.core.start()
    const row = await waitFor('stuck', async () => ((await rowOf(gone))?.processingStatus === 'failed' ? rowOf(gone) : null))
    expect(row).toMatchObject({ errorCause: 'stuck' })
    expect(row?.analysisResult).toMatch(/stayed processing .* no worker holding it .*gone-host:4242/)
    expect(w.events.some((e) => e.type === 'video.failed' && e.videoId === gone && e.cause === 'stuck' && e.final)).toBe(true)
    expect((await rowOf(held))?.processingStatus).toBe('processing')
    // Retry now works, and it runs.
    await w.core.api['videos.retry']({ id: gone })
    await waitFor('completed', async () => (await rowOf(gone))?.processingStatus === 'completed')
    await w.core.close()
  })
})

describe('no message is lost', () => {
  it('SQS without a DLQ keeps a bad message and says so; it never claims to have moved it', async () => {
    const q = await aws.createQueue(name('nodlq'))
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    await queue.send('not json at all')
    const w = await core(queue)
    await w.core.start()
    await waitFor('kept', () => w.logger.lines.some((l) => /kept in the queue/.test(l)))
    await w.core.stop()
    expect(w.logger.lines.some((l) => /moved to the dead-letter queue/.test(l))).toBe(false)
    expect(w.logger.lines.some((l) => /dropped/.test(l))).toBe(false)
    expect(await aws.counts(q.url)).toMatchObject({ visible: 0, inFlight: 1 })
    expect(await w.core.api['deadLetters.list'](undefined)).toEqual({ store: null, items: [], total: null })
    await expect(w.core.api['deadLetters.purge']({})).rejects.toThrow(/no dead-letter queue/)
    await w.core.close()
  })

  it('a move to the DLQ that fails (no sqs:SendMessage on it) leaves the message in the queue', async () => {
    const dlq = await aws.createQueue(name('denied-dlq'))
    const q = await aws.createQueue(name('denied'), { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }) })
    const client = createSqsClient({ ...aws.aws, maxAttempts: 1 })
    const queue = await createSqsQueue({ queueUrl: q.url, client, backoff: { minTimeoutMs: 10, maxTimeoutMs: 20 } })
    await queue.send('{"not":"a job"}')
    interceptResponse(client, 'SendMessageCommand', 50, () => ({ statusCode: 403, body: { __type: 'AccessDenied', message: 'not authorized to perform: sqs:SendMessage' } }))
    const w = await core(queue)
    await w.core.start()
    await waitFor('logged', () => w.logger.lines.some((l) => /could not be moved to the dead-letter queue/.test(l)))
    await w.core.stop()
    expect(await aws.counts(q.url)).toMatchObject({ visible: 0, inFlight: 1 })
    expect(await aws.counts(dlq.url)).toMatchObject({ visible: 0 })
    await w.core.close()
    client.destroy()
  })
})

describe('dead letters in the console', () => {
  async function exercise(queue: Queue, dead: () => Promise<number>) {
    const w = await core(queue)
    const id = randomUUID()
    await store().createVideo({ id, title: 'dlq', source: { kind: 'http', url: 'http://127.0.0.1:9/x.mp4' } })
    await queue.send('this is not a job')
    await queue.send(body(id))
    // Both are given up on: the bad one by the worker, the job as an exhausted message would be.
    const got = await waitFor('received', async () => {
      const m = await queue.receive({ max: 10, waitSeconds: 1 })
      return m.length > 0 ? m : null
    })
    const all = got.length === 2 ? got : [...got, ...(await queue.receive({ max: 10, waitSeconds: 1 }))]
    for (const m of all) await queue.deadLetter(m, m.body.startsWith('this') ? 'message body is not JSON' : 'gave up after 5 deliveries')
    await store().failUnleased(id, { cause: 'dead-lettered', error: 'gave up' })
    await waitFor('two dead letters', async () => (await dead()) === 2)

    const list = await w.core.api['deadLetters.list']({ limit: 10 })
    expect(list.store).not.toBeNull()
    expect(list.items).toHaveLength(2)
    const job = list.items.find((l) => l.videoId === id)!
    expect(job).toMatchObject({ reason: 'gave up after 5 deliveries', receiveCount: 1 })
    expect(job.deadAt).not.toBeNull()
    const bad = list.items.find((l) => l.videoId === null)!
    expect(bad).toMatchObject({ body: 'this is not a job', reason: 'message body is not JSON' })

    expect(await w.core.api['deadLetters.requeue']({ ids: [job.id] })).toEqual({ count: 1 })
    expect((await rowOf(id))?.processingStatus).toBe('queued')
    await expect(w.core.api['videos.retry']({ id })).rejects.toThrow(/already queued/)
    await w.core.start()
    await waitFor('requeued video completed', async () => (await rowOf(id))?.processingStatus === 'completed')
    await w.core.stop()
    expect(await w.core.api['deadLetters.purge']({})).toEqual({ count: 1 })
    await waitFor('empty', async () => (await dead()) === 0)
    expect((await w.core.api['deadLetters.list'](undefined)).items).toEqual([])
    await w.core.close()
  }

  it('local queue: list, requeue one, purge all', async () => {
    const queue = createLocalQueue(db, { visibilityTimeoutSeconds: 5, maxReceiveCount: 5, name: name('panel'), pollIntervalMs: 50 })
    await exercise(queue, async () => (await queue.counts()).dead)
  })

  it('SQS DLQ: a requeue whose send back fails loses nothing: the letter stays, visible, and a later requeue moves it', async () => {
    const dlq = await aws.createQueue(name('fail-dlq'))
    const q = await aws.createQueue(name('fail'), { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }) })
    const client = createSqsClient({ ...aws.aws, maxAttempts: 1 })
    const queue = await createSqsQueue({ queueUrl: q.url, client, backoff: { minTimeoutMs: 10, maxTimeoutMs: 20 } })
    await queue.send('give up on me')
    const [m] = await waitFor('received', async () => {
      const got = await queue.receive({ max: 1, waitSeconds: 1 })
      return got.length > 0 ? got : null
    })
    expect(await queue.deadLetter(m!, 'bad')).toBe('moved')
    const w = await core(queue)
    const denied = interceptResponse(client, 'SendMessageCommand', 50, () => ({ statusCode: 403, body: { __type: 'AccessDenied', message: 'not authorized to perform: sqs:SendMessage' } }))
    await expect(w.core.api['deadLetters.requeue']({})).rejects.toThrow(/not authorized|AccessDenied/)
    denied.remove()
    expect(await aws.counts(dlq.url)).toMatchObject({ visible: 1, inFlight: 0 })
    expect((await w.core.api['deadLetters.list'](undefined)).items.map((l) => l.body)).toEqual(['give up on me'])
    expect(await w.core.api['deadLetters.requeue']({})).toEqual({ count: 1 })
    expect(await aws.counts(q.url)).toMatchObject({ visible: 1 })
    await w.core.close()
    client.destroy()
  })

  it('SQS DLQ (fauxqs): list, requeue one, purge all', async () => {
    const dlq = await aws.createQueue(name('panel-dlq'))
    const q = await aws.createQueue(name('panel'), { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }) })
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    await exercise(queue, async () => {
      const c = await aws.counts(dlq.url)
      return c.visible + c.inFlight
    })
    // Nothing was lost on the way: the source queue holds nothing either.
    expect(await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: q.url, WaitTimeSeconds: 0 }))).not.toHaveProperty('Messages.0')
  })
})
