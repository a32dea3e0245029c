/**
 * The Queue port's contract, run against every adapter (local PGlite queue, SQS on
 * fauxqs). Each backend provides a factory making a fresh, empty queue per test.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { LeaseLostError } from '../../src/core/errors'
import type { Queue, ReceivedMessage } from '../../src/core/ports'

export interface QueueHarness {
  queue: Queue
  /** Bodies of the messages in the backend's dead-letter store; absent when it has none. */
  deadLetters?: () => Promise<string[]>
  cleanup(): Promise<void>
}

export interface QueueConformanceOptions {
  /** The visibility timeout the factory gives its queues (keep it 1-2 s). */
  visibilityTimeoutSeconds: number
  /** The factory's maxReceiveCount (at least 2), or null when its queues have no DLQ. */
  maxReceiveCount: number | null
  /** Whether message groups are honoured (local queue; SQS FIFO queues). */
  groups: boolean
  /** Whether `send` honours delaySeconds (SQS FIFO queues do not, per message). */
  delay: boolean
  /** Whether delete with a stale receipt handle rejects (local) or is ignored (SQS); it never deletes. */
  staleDeleteRejects: boolean
}

type MakeQueue = (kind: { fifo: boolean }) => Promise<QueueHarness>

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))

/** Receives until `count` messages came (or `seconds` passed), deleting none. */
async function collect(queue: Queue, count: number, seconds: number, max = 10): Promise<ReceivedMessage[]> {
  const got: ReceivedMessage[] = []
  const until = Date.now() + seconds * 1000
  while (got.length < count && Date.now() < until) {
    const batch = await queue.receive({ max, waitSeconds: Math.max(1, Math.ceil((until - Date.now()) / 1000)) })
    expect(batch.length).toBeLessThanOrEqual(max)
    got.push(...batch)
  }
  return got
}

export function queueConformance(name: string, makeQueue: MakeQueue, opts: QueueConformanceOptions): void {
  const vis = opts.visibilityTimeoutSeconds
  const waitPastTimeout = vis + 2

  describe(`Queue conformance: ${name}`, () => {
    let harness: QueueHarness | undefined
    const open = async (fifo = false): Promise<Queue> => {
      harness = await makeQueue({ fifo })
      return harness.queue
    }
    afterEach(async () => {
      await harness?.cleanup()
      harness = undefined
    })

    it('sends, receives with a receipt handle and receive count 1, and deletes for good', async () => {
      const queue = await open()
      const { messageId } = await queue.send('{"hello":1}')
      const [message, ...rest] = await collect(queue, 1, 5)
      expect(rest).toEqual([])
      expect(message).toMatchObject({ id: messageId, body: '{"hello":1}', receiveCount: 1 })
      expect(message?.receiptHandle).toEqual(expect.any(String))
      await queue.delete([message!.receiptHandle])
      await sleep(vis * 1000 + 300)
      expect(await queue.receive({ max: 10, waitSeconds: 0 })).toEqual([])
    })

    it('re-delivers a message not deleted within the visibility timeout, with receive count 2 and a new handle', async () => {
      const queue = await open()
      await queue.send('again')
      const [first] = await collect(queue, 1, 5)
      expect(await queue.receive({ max: 10, waitSeconds: 0 })).toEqual([])
      const [second] = await collect(queue, 1, waitPastTimeout)
      expect(second).toMatchObject({ id: first!.id, body: 'again', receiveCount: 2 })
      expect(second!.receiptHandle).not.toBe(first!.receiptHandle)
      await queue.delete([second!.receiptHandle])
    })

    it('extends a lease with changeVisibility (heartbeat) and hands the message back with 0', async () => {
      const queue = await open()
      await queue.send('long job')
      const [message] = await collect(queue, 1, 5)
      await queue.changeVisibility(message!.receiptHandle, vis + 4)
      // Past the original timeout the extended lease still hides it.
      expect(await queue.receive({ max: 10, waitSeconds: vis + 1 })).toEqual([])
      await queue.changeVisibility(message!.receiptHandle, 0)
      const [back] = await collect(queue, 1, 5)
      expect(back).toMatchObject({ id: message!.id, receiveCount: 2 })
      await queue.delete([back!.receiptHandle])
    })

    it('rejects a stale receipt handle: it cannot extend or delete the newer delivery', async () => {
      const queue = await open()
      await queue.send('contended')
      const [first] = await collect(queue, 1, 5)
      const [second] = await collect(queue, 1, waitPastTimeout)
      expect(second?.id).toBe(first!.id)
      // One error class for every adapter, so the worker can tell a lost lease from an outage.
      await expect(queue.changeVisibility(first!.receiptHandle, vis + 10)).rejects.toBeInstanceOf(LeaseLostError)
      const staleDelete = queue.delete([first!.receiptHandle])
      if (opts.staleDeleteRejects) await expect(staleDelete).rejects.toBeInstanceOf(LeaseLostError)
      else await staleDelete
      // The newer delivery is intact: its handle still works.
      await queue.changeVisibility(second!.receiptHandle, vis + 10)
      await queue.delete([second!.receiptHandle])
    })

    it('long polling returns as soon as a message is sent, and an abort ends the wait', async () => {
      const queue = await open()
      const started = Date.now()
      const waiting = queue.receive({ max: 1, waitSeconds: 20 })
      await sleep(300)
      await queue.send('late')
      const got = await waiting
      expect(got.map((m) => m.body)).toEqual(['late'])
      expect(Date.now() - started).toBeLessThan(15_000)
      await queue.delete([got[0]!.receiptHandle])

      const controller = new AbortController()
      const abortedAt = Date.now()
      setTimeout(() => controller.abort(), 200)
      expect(await queue.receive({ max: 1, waitSeconds: 20, signal: controller.signal })).toEqual([])
      expect(Date.now() - abortedAt).toBeLessThan(15_000)
    })

    it('never returns more than max and delivers every message exactly once while leased', async () => {
      const queue = await open()
      for (let i = 0; i < 5; i++) await queue.send(`m${i}`)
      const first = await queue.receive({ max: 2, waitSeconds: 2 })
      expect(first.length).toBeGreaterThan(0)
      expect(first.length).toBeLessThanOrEqual(2)
      const rest = await collect(queue, 5 - first.length, 5, 3)
      const bodies = [...first, ...rest].map((m) => m.body).sort()
      expect(bodies).toEqual(['m0', 'm1', 'm2', 'm3', 'm4'])
      await queue.delete([...first, ...rest].map((m) => m.receiptHandle))
    })

    it.runIf(opts.delay)('holds a message sent with delaySeconds until the delay passed', async () => {
      const queue = await open()
      await queue.send('later', { delaySeconds: 2 })
      expect(await queue.receive({ max: 1, waitSeconds: 0 })).toEqual([])
      const [message] = await collect(queue, 1, 6)
      expect(message?.body).toBe('later')
      await queue.delete([message!.receiptHandle])
    })

    it.runIf(opts.maxReceiveCount !== null)('moves a message to the dead-letter store after maxReceiveCount receives', async () => {
      const queue = await open()
      const max = opts.maxReceiveCount!
      expect(queue.maxReceiveCount).toBe(max)
      await queue.send('poison')
      for (let n = 1; n <= max; n++) {
        const [message] = await collect(queue, 1, 5)
        expect(message).toMatchObject({ body: 'poison', receiveCount: n })
        await queue.changeVisibility(message!.receiptHandle, 0)
      }
      expect(await queue.receive({ max: 10, waitSeconds: 1 })).toEqual([])
      if (harness?.deadLetters) expect(await harness.deadLetters()).toEqual(['poison'])
    })

    it('deadLetter moves a held message out of the queue at once', async () => {
      const queue = await open()
      await queue.send('not a job')
      const [message] = await collect(queue, 1, 5)
      await queue.deadLetter(message!, 'Message is not JSON')
      await sleep(vis * 1000 + 300)
      expect(await queue.receive({ max: 10, waitSeconds: 0 })).toEqual([])
      if (harness?.deadLetters) expect(await harness.deadLetters()).toEqual(['not a job'])
    })

    it.runIf(opts.groups)('delivers a group in order, never while another message of the group is in flight', async () => {
      const queue = await open(true)
      for (const body of ['a1', 'a2', 'a3']) await queue.send(body, { groupId: 'a', deduplicationId: body })
      await queue.send('b1', { groupId: 'b', deduplicationId: 'b1' })
      const order: string[] = []
      let sawB = false
      while (order.length < 3) {
        const batch = await queue.receive({ max: 10, waitSeconds: 2 })
        const ofA = batch.filter((m) => m.groupId === 'a')
        sawB ||= batch.some((m) => m.body === 'b1')
        expect(ofA.length).toBeGreaterThan(0)
        // While these are in flight, nothing more of group a comes.
        const during = await queue.receive({ max: 10, waitSeconds: 0 })
        expect(during.filter((m) => m.groupId === 'a')).toEqual([])
        sawB ||= during.some((m) => m.body === 'b1')
        order.push(...ofA.map((m) => m.body))
        await queue.delete(ofA.map((m) => m.receiptHandle))
      }
      expect(order).toEqual(['a1', 'a2', 'a3'])
      expect(sawB).toBe(true)
    })
  })
}
