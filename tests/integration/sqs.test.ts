import { setTimeout as sleep } from 'node:timers/promises'
import { ReceiveMessageCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Queue } from '../../src/core/ports'
import { createSqsClient } from '../../src/adapters/aws-clients'
import { createSqsQueue, LeaseLostError, SqsDeleteError } from '../../src/adapters/queue/sqs'
import type { AwsLocal, ToggleProxy } from '../support/aws-local'
import { injectFault, interceptResponse, startAwsLocal, startToggleProxy, TEST_CREDENTIALS, TEST_REGION } from '../support/aws-local'
import { memoryLogger } from '../support/memory-logger'

const fast = { minTimeoutMs: 50, maxTimeoutMs: 400 }
let aws: AwsLocal
let counter = 0
const queueName = (base: string) => `${base}-${++counter}`

beforeAll(async () => {
  aws = await startAwsLocal()
})
afterAll(async () => {
  await aws.stop()
})

async function drain(queue: Queue, until: number, tries = 20) {
  const got: { body: string; receiptHandle: string; groupId: string | null }[] = []
  for (let i = 0; i < tries && got.length < until; i++) got.push(...(await queue.receive({ max: 10, waitSeconds: 1 })))
  return got
}

describe('SQS queue adapter on fauxqs', () => {
  it('reads the queue attributes at start: visibility timeout, RedrivePolicy, FIFO', async () => {
    const dlq = await aws.createQueue(queueName('attrs-dlq'))
    const q = await aws.createQueue(queueName('attrs'), {
      VisibilityTimeout: '45',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 4 })
    })
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    expect(queue.visibilityTimeoutSeconds).toBe(45)
    expect(queue.maxReceiveCount).toBe(4)
    expect(queue.name).toMatch(/^sqs \(attrs-\d+\)$/)
    await queue.close()
  })

  it('the per-service endpoint (AWS_ENDPOINT_URL_SQS) wins over the general one', async () => {
    const q = await aws.createQueue(queueName('endpoint'))
    const queue = await createSqsQueue({ queueUrl: q.url, aws: { ...aws.aws, endpoint: 'http://127.0.0.1:9', sqsEndpoint: aws.endpoint } })
    await queue.send('via the SQS endpoint')
    expect((await queue.receive({ max: 1, waitSeconds: 1 })).map((m) => m.body)).toEqual(['via the SQS endpoint'])
    await queue.close()
  })

  it('fails clearly at start when the queue does not exist', async () => {
    await expect(createSqsQueue({ queueUrl: `${aws.endpoint}/000000000000/missing`, aws: aws.aws })).rejects.toThrow(/AWS_SQS_URL/)
  })

  it('sends, receives at most 10 with receive count and sent time, deletes in batches', async () => {
    const q = await aws.createQueue(queueName('basic'))
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    for (let i = 0; i < 23; i++) await queue.send(`m${i}`)
    const first = await queue.receive({ max: 50, waitSeconds: 1 })
    expect(first.length).toBeGreaterThan(0)
    expect(first.length).toBeLessThanOrEqual(10)
    expect(first[0]!.receiveCount).toBe(1)
    expect(first[0]!.sentAt).toBeInstanceOf(Date)
    const rest = await drain(queue, 23 - first.length)
    const all = [...first, ...rest]
    expect(new Set(all.map((m) => m.body)).size).toBe(23)
    await queue.delete(all.map((m) => m.receiptHandle))
    expect(await aws.counts(q.url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 })
    await queue.close()
  })

  it('never asks for more than the free slots', async () => {
    const q = await aws.createQueue(queueName('slots'))
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    for (let i = 0; i < 5; i++) await queue.send(`s${i}`)
    const got = await queue.receive({ max: 2, waitSeconds: 1 })
    expect(got.length).toBeLessThanOrEqual(2)
    expect(await queue.receive({ max: 0, waitSeconds: 1 })).toEqual([])
    await queue.close()
  })

  it('a long poll returns when a message arrives, and an abort ends it early with nothing', async () => {
    const q = await aws.createQueue(queueName('poll'))
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    const polling = queue.receive({ max: 10, waitSeconds: 20 })
    await sleep(300)
    await queue.send('late')
    expect((await polling).map((m) => m.body)).toEqual(['late'])

    const ac = new AbortController()
    const waiting = queue.receive({ max: 10, waitSeconds: 20, signal: ac.signal })
    setTimeout(() => ac.abort(), 200)
    const outcome = await Promise.race([waiting, sleep(15_000).then(() => 'still waiting' as const)])
    expect(outcome).toEqual([])
    await queue.close()
  })

  it('a message reaching a poll after its caller aborted is handed back, not stranded for the visibility timeout', async () => {
    const q = await aws.createQueue(queueName('orphan'), { VisibilityTimeout: '600' })
    const logger = memoryLogger()
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws, logger })
    const ac = new AbortController()
    const waiting = queue.receive({ max: 10, waitSeconds: 20, signal: ac.signal })
    await sleep(200)
    ac.abort()
    expect(await waiting).toEqual([])
    // SQS still holds the abandoned poll open and gives it the next message.
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: 'arrived late' }))
    const other = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    const [got] = await drain(other, 1)
    expect(got?.body).toBe('arrived late')
    expect(logger.lines.some((l) => /reached a long poll nobody waited for; handing them back/.test(l))).toBe(true)
    await other.delete([got!.receiptHandle])
    await queue.close()
    await other.close()
  })

  it('a heartbeat keeps a job longer than the visibility timeout from being delivered again', async () => {
    const q = await aws.createQueue(queueName('lease'), { VisibilityTimeout: '2' })
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    const competitor = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    await queue.send('long job')
    const [job] = await queue.receive({ max: 1, waitSeconds: 1 })
    expect(job).toBeDefined()
    // Job runs 5 s against a 2 s visibility timeout; the core's heartbeat extends every second.
    const stolen: string[] = []
    const deadline = Date.now() + 5000
    const heartbeat = setInterval(() => void queue.changeVisibility(job!.receiptHandle, queue.visibilityTimeoutSeconds), 1000)
    while (Date.now() < deadline) {
      stolen.push(...(await competitor.receive({ max: 10, waitSeconds: 0 })).map((m) => m.body))
      await sleep(250)
    }
    clearInterval(heartbeat)
    expect(stolen).toEqual([])
    await queue.delete([job!.receiptHandle])
    // A heartbeat that comes after the delete is a clear lost lease, not a stray SQS error.
    await expect(queue.changeVisibility(job!.receiptHandle, 2)).rejects.toBeInstanceOf(LeaseLostError)
    await queue.close()
    await competitor.close()
  })

  it('a lease that expired and was taken by another worker rejects the heartbeat with LeaseLostError', async () => {
    const q = await aws.createQueue(queueName('lost'), { VisibilityTimeout: '1' })
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    await queue.send('x')
    const [first] = await queue.receive({ max: 1, waitSeconds: 1 })
    await sleep(1300)
    const [second] = await queue.receive({ max: 1, waitSeconds: 2 })
    expect(second?.receiveCount).toBe(2)
    const error = await queue.changeVisibility(first!.receiptHandle, 30).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(LeaseLostError)
    expect(String(error)).toMatch(/lease lost/)
    await queue.delete([second!.receiptHandle])
    await queue.close()
  })

  it('a throttled heartbeat is retried briefly, not taken for a lost lease', async () => {
    const q = await aws.createQueue(queueName('hb-throttle'), { VisibilityTimeout: '30' })
    const client = createSqsClient({ ...aws.aws, maxAttempts: 1 })
    const queue = await createSqsQueue({ queueUrl: q.url, client, logger: memoryLogger() })
    await queue.send('hb')
    const [m] = await queue.receive({ max: 1, waitSeconds: 1 })
    const fault = injectFault(client, 'ChangeMessageVisibilityCommand', 'throttle', 2)
    await queue.changeVisibility(m!.receiptHandle, 60)
    expect(fault.count()).toBe(2)
    const lasting = injectFault(client, 'ChangeMessageVisibilityCommand', 'unavailable', Infinity)
    const error = await queue.changeVisibility(m!.receiptHandle, 60).catch((e: unknown) => e)
    expect(error).not.toBeInstanceOf(LeaseLostError)
    expect(lasting.count()).toBe(4)
    lasting.remove()
    await queue.delete([m!.receiptHandle])
    await queue.close()
    client.destroy()
  })

  it('hands a message back at once with visibility 0', async () => {
    const q = await aws.createQueue(queueName('handback'), { VisibilityTimeout: '60' })
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    await queue.send('back')
    const [m] = await queue.receive({ max: 1, waitSeconds: 1 })
    await queue.changeVisibility(m!.receiptHandle, 0)
    const [again] = await queue.receive({ max: 1, waitSeconds: 2 })
    expect(again?.body).toBe('back')
    expect(again?.receiveCount).toBe(2)
    await queue.close()
  })

  it('reports the failed entries of a batch delete', async () => {
    const q = await aws.createQueue(queueName('delfail'))
    const client = createSqsClient(aws.aws)
    const queue = await createSqsQueue({ queueUrl: q.url, client })
    for (let i = 0; i < 3; i++) await queue.send(`d${i}`)
    const got = await drain(queue, 3)
    interceptResponse(client, 'DeleteMessageBatchCommand', 1, (input) => {
      const entries = input['Entries'] as { Id: string }[]
      return {
        statusCode: 200,
        body: {
          Successful: entries.slice(1).map((e) => ({ Id: e.Id })),
          Failed: [{ Id: entries[0]!.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' }]
        }
      }
    })
    const error = await queue.delete(got.map((m) => m.receiptHandle)).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SqsDeleteError)
    expect((error as SqsDeleteError).failed.map((f) => f.receiptHandle)).toEqual([got[0]!.receiptHandle])
    expect(String(error)).toMatch(/1 of 3 failed \(InternalError/)
    await queue.close()
    client.destroy()
  })

  it('deletes of concurrent jobs share one DeleteMessageBatch call; a failed entry fails only its own caller', async () => {
    const q = await aws.createQueue(queueName('delgroup'))
    const client = createSqsClient(aws.aws)
    const queue = await createSqsQueue({ queueUrl: q.url, client })
    let calls = 0
    const stack = client.middlewareStack as unknown as { add(mw: unknown, opts: object): void }
    stack.add(
      (next: (args: unknown) => Promise<unknown>, ctx: { commandName?: string }) => (args: unknown) => {
        if (ctx.commandName === 'DeleteMessageBatchCommand') calls += 1
        return next(args)
      },
      { step: 'initialize', name: 'count-deletes' }
    )
    for (let i = 0; i < 10; i++) await queue.send(`g${i}`)
    const got = await drain(queue, 10)
    expect(got).toHaveLength(10)
    // Ten jobs finishing at once, each deleting its own message.
    await Promise.all(got.map((m) => queue.delete([m.receiptHandle])))
    expect(calls).toBe(1)
    expect(await aws.counts(q.url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 })

    for (let i = 0; i < 3; i++) await queue.send(`h${i}`)
    const more = await drain(queue, 3)
    interceptResponse(client, 'DeleteMessageBatchCommand', 1, (input) => {
      const entries = input['Entries'] as { Id: string; ReceiptHandle: string }[]
      const bad = entries.find((e) => e.ReceiptHandle === more[1]!.receiptHandle)!
      return {
        statusCode: 200,
        body: {
          Successful: entries.filter((e) => e !== bad).map((e) => ({ Id: e.Id })),
          Failed: [{ Id: bad.Id, SenderFault: false, Code: 'InternalError', Message: 'try again' }]
        }
      }
    })
    const results = await Promise.allSettled(more.map((m) => queue.delete([m.receiptHandle])))
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
    expect(String((results[1] as PromiseRejectedResult).reason)).toMatch(/1 of 1 failed \(InternalError/)
    await queue.close()
    client.destroy()
  })

  it('a message that always fails reaches the DLQ after maxReceiveCount', async () => {
    const dlq = await aws.createQueue(queueName('poison-dlq'))
    const q = await aws.createQueue(queueName('poison'), {
      VisibilityTimeout: '30',
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 2 })
    })
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    await queue.send('{"video_id":"always fails"}')
    const counts: number[] = []
    for (let i = 0; i < 6; i++) {
      const got = await queue.receive({ max: 1, waitSeconds: 1 })
      for (const m of got) {
        counts.push(m.receiveCount)
        await queue.changeVisibility(m.receiptHandle, 0) // the job failed: hand it back
      }
    }
    expect(counts).toEqual([1, 2])
    expect(await aws.counts(q.url)).toMatchObject({ visible: 0, inFlight: 0 })
    const moved = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 1 }))
    expect(moved.Messages?.map((m) => m.Body)).toEqual(['{"video_id":"always fails"}'])
    await queue.close()
  })

  it('deadLetter() sends to the DLQ with the reason and deletes; without a DLQ it keeps the message, hidden', async () => {
    const dlq = await aws.createQueue(queueName('dl-dlq'))
    const q = await aws.createQueue(queueName('dl'), { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: 5 }) })
    const logger = memoryLogger()
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws, logger })
    await queue.send('not json')
    const [m] = await queue.receive({ max: 1, waitSeconds: 1 })
    expect(await queue.deadLetter(m!, 'message body is not JSON')).toBe('moved')
    const moved = await aws.sqs.send(
      new ReceiveMessageCommand({ QueueUrl: dlq.url, WaitTimeSeconds: 1, MessageAttributeNames: ['All'] })
    )
    expect(moved.Messages?.[0]?.Body).toBe('not json')
    expect(moved.Messages?.[0]?.MessageAttributes?.['DeadLetterReason']?.StringValue).toBe('message body is not JSON')
    expect(await aws.counts(q.url)).toMatchObject({ visible: 0, inFlight: 0 })

    const plain = await aws.createQueue(queueName('nodlq'))
    const noDlq = await createSqsQueue({ queueUrl: plain.url, aws: aws.aws, logger })
    await noDlq.send('bad')
    const [b] = await noDlq.receive({ max: 1, waitSeconds: 1 })
    expect(await noDlq.deadLetter(b!, 'bad message')).toBe('kept')
    expect(await aws.counts(plain.url)).toMatchObject({ visible: 0, inFlight: 1 })
    expect(logger.lines.some((l) => /dropped|moved/.test(l))).toBe(false)
    await queue.close()
    await noDlq.close()
  })

  it('a FIFO queue keeps order within each message group, across two consumers', async () => {
    const q = await aws.createQueue(queueName('order') + '.fifo', { FifoQueue: 'true', VisibilityTimeout: '10' })
    const producer = await createSqsQueue({ queueUrl: q.url, aws: aws.aws })
    for (let i = 0; i < 6; i++) {
      await producer.send(`A${i}`, { groupId: 'A' })
      await producer.send(`B${i}`, { groupId: 'B' })
    }
    const consumers = [await createSqsQueue({ queueUrl: q.url, aws: aws.aws }), await createSqsQueue({ queueUrl: q.url, aws: aws.aws })]
    const processed: string[] = []
    await Promise.all(
      consumers.map(async (c) => {
        for (let idle = 0; idle < 3; ) {
          const got = await c.receive({ max: 10, waitSeconds: 1 })
          if (got.length === 0) idle++
          for (const m of got) {
            expect(m.groupId).toBe(m.body[0])
            await sleep(20) // work
            processed.push(m.body)
            await c.delete([m.receiptHandle])
          }
        }
      })
    )
    expect(processed.filter((b) => b.startsWith('A'))).toEqual(['A0', 'A1', 'A2', 'A3', 'A4', 'A5'])
    expect(processed.filter((b) => b.startsWith('B'))).toEqual(['B0', 'B1', 'B2', 'B3', 'B4', 'B5'])
    for (const c of [producer, ...consumers]) await c.close()
  })

  it('throttling backs off with jitter instead of a tight loop, then resumes', async () => {
    const q = await aws.createQueue(queueName('throttle'))
    const client = createSqsClient({ ...aws.aws, maxAttempts: 1 })
    const logger = memoryLogger()
    const queue = await createSqsQueue({ queueUrl: q.url, client, logger, backoff: { minTimeoutMs: 100, maxTimeoutMs: 400 } })
    await queue.send('after the storm')
    const fault = injectFault(client, 'ReceiveMessageCommand', 'throttle', Infinity)
    const ac = new AbortController()
    const throttled = queue.receive({ max: 10, waitSeconds: 1, signal: ac.signal })
    await sleep(1500)
    ac.abort()
    expect(await throttled).toEqual([])
    // sqs-consumer re-polled ~1,700 times in 2 s here; backoff from 100 ms allows only a handful.
    expect(fault.count()).toBeGreaterThanOrEqual(2)
    expect(fault.count()).toBeLessThanOrEqual(8)
    expect(logger.lines.some((l) => l.startsWith('warn') && /ThrottlingException/.test(l))).toBe(true)
    fault.remove()

    const brief = injectFault(client, 'ReceiveMessageCommand', 'unavailable', 2)
    const got = await queue.receive({ max: 10, waitSeconds: 1 })
    expect(brief.count()).toBe(2)
    expect(got.map((m) => m.body)).toEqual(['after the storm'])
    expect(logger.lines.some((l) => /succeeded again after 2 failed/.test(l))).toBe(true)
    await queue.close()
    client.destroy()
  })

  it('an SQS endpoint refusing connections for a while: logs, backs off, resumes, loses nothing', async () => {
    const q = await aws.createQueue(queueName('outage'))
    const proxy: ToggleProxy = await startToggleProxy(aws.port)
    const logger = memoryLogger()
    const queue = await createSqsQueue({ queueUrl: q.url, aws: { ...aws.aws, endpoint: proxy.endpoint }, logger, backoff: fast })
    const direct = new SQSClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint: aws.endpoint })
    for (let i = 0; i < 5; i++) await queue.send(`before ${i}`)
    await proxy.down()
    const during = queue.receive({ max: 10, waitSeconds: 1 })
    for (let i = 0; i < 5; i++) await direct.send(new SendMessageCommand({ QueueUrl: q.url, MessageBody: `during ${i}` }))
    await sleep(1500)
    await proxy.up()
    const received = [...(await during)]
    for (let i = 0; i < 10 && received.length < 10; i++) received.push(...(await queue.receive({ max: 10, waitSeconds: 1 })))
    expect(received.map((m) => m.body).sort()).toEqual([...[0, 1, 2, 3, 4].map((i) => `before ${i}`), ...[0, 1, 2, 3, 4].map((i) => `during ${i}`)].sort())
    expect(logger.lines.some((l) => l.startsWith('warn') && /ECONNREFUSED/.test(l))).toBe(true)
    expect(logger.lines.some((l) => /succeeded again/.test(l))).toBe(true)
    await queue.delete(received.map((m) => m.receiptHandle))
    await queue.close()
    direct.destroy()
    await proxy.stop()
  })
})
