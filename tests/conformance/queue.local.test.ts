import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type EmbeddedDb } from '../../src/adapters/embedded/database'
import { createLocalQueue, LeaseLostError, type LocalQueue } from '../../src/adapters/queue/local'
import { queueConformance } from './queue-suite'

// One in-memory PGlite for the whole file (a new one costs seconds); each test gets its own queue name.
let db: EmbeddedDb
beforeAll(async () => {
  db = await openDatabase(null)
})
afterAll(async () => {
  await db?.close()
})

const settings = { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 }

function makeLocal(overrides: Partial<Parameters<typeof createLocalQueue>[1]> = {}): LocalQueue {
  return createLocalQueue(db, { ...settings, name: `q-${randomUUID()}`, ...overrides })
}

queueConformance(
  'local (PGlite)',
  async () => {
    const queue = makeLocal()
    return {
      queue,
      deadLetters: async () => (await queue.deadLetters.list({ limit: 100 })).items.map((d) => d.body),
      cleanup: () => queue.close()
    }
  },
  { ...settings, groups: true, delay: true, staleDeleteRejects: true }
)

describe('local queue extras', () => {
  it('counts visible, in-flight, delayed and dead messages', async () => {
    const queue = makeLocal()
    await queue.send('one')
    await queue.send('two')
    await queue.send('later', { delaySeconds: 60 })
    const [held] = await queue.receive({ max: 1, waitSeconds: 0 })
    expect(await queue.counts()).toEqual({ visible: 1, inFlight: 1, delayed: 1, dead: 0 })
    await queue.deadLetter(held!, 'bad')
    expect(await queue.counts()).toEqual({ visible: 1, inFlight: 0, delayed: 1, dead: 1 })
  })

  it('lists dead letters with their reason and requeues them with a fresh receive count', async () => {
    const queue = makeLocal()
    await queue.send('poison')
    const [first] = await queue.receive({ max: 1, waitSeconds: 0 })
    await queue.deadLetter(first!, 'Message is not JSON')
    const { items: [dead], total } = await queue.deadLetters.list({ limit: 10 })
    expect(total).toBe(1)
    expect(dead).toMatchObject({ id: first!.id, body: 'poison', reason: 'Message is not JSON', receiveCount: 1 })
    expect(await queue.deadLetters.requeue([dead!.id])).toBe(1)
    expect((await queue.deadLetters.list({ limit: 10 })).items).toEqual([])
    const [again] = await queue.receive({ max: 1, waitSeconds: 1 })
    expect(again).toMatchObject({ id: first!.id, body: 'poison', receiveCount: 1 })
    await queue.deadLetter(again!, 'still bad')
    expect(await queue.deadLetters.purge()).toBe(1)
    expect(await queue.counts()).toEqual({ visible: 0, inFlight: 0, delayed: 0, dead: 0 })
  })

  it('names the reason in a dead letter moved after maxReceiveCount', async () => {
    const queue = makeLocal({ maxReceiveCount: 1, visibilityTimeoutSeconds: 1 })
    const told: string[] = []
    queue.onDeadLettered((letters) => told.push(...letters.map((l) => `${l.body}: ${l.reason}`)))
    await queue.send('x')
    await queue.receive({ max: 1, waitSeconds: 0 })
    // The only allowed delivery ends without a verdict (its lease runs out): the next look sweeps it.
    await new Promise((resolve) => setTimeout(resolve, 1100))
    expect(await queue.receive({ max: 1, waitSeconds: 0 })).toEqual([])
    const [dead] = (await queue.deadLetters.list({ limit: 10 })).items
    expect(dead?.reason).toMatch(/received 1 times.*maxReceiveCount 1/)
    expect(told).toEqual([expect.stringMatching(/^x: received 1 times/)])
  })

  it('keeps messages forever without a dead-letter table (maxReceiveCount null)', async () => {
    const queue = makeLocal({ maxReceiveCount: null })
    await queue.send('y')
    for (let n = 1; n <= 3; n++) {
      const [m] = await queue.receive({ max: 1, waitSeconds: 1 })
      expect(m?.receiveCount).toBe(n)
      await queue.changeVisibility(m!.receiptHandle, 0)
    }
  })

  it('accepts a late heartbeat while nobody else received the message', async () => {
    const queue = makeLocal()
    await queue.send('slow')
    const [m] = await queue.receive({ max: 1, waitSeconds: 0 })
    await new Promise((resolve) => setTimeout(resolve, 1200))
    await queue.changeVisibility(m!.receiptHandle, 30)
    expect(await queue.receive({ max: 1, waitSeconds: 0 })).toEqual([])
    expect(await queue.counts()).toMatchObject({ inFlight: 1, visible: 0 })
  })

  it('never hands one message to two concurrent receives', async () => {
    // A lease longer than the test, so a message can only come twice if two receives share it.
    const queue = makeLocal({ visibilityTimeoutSeconds: 60 })
    for (let i = 0; i < 30; i++) await queue.send(`c${i}`)
    const batches = await Promise.all(Array.from({ length: 8 }, () => queue.receive({ max: 5, waitSeconds: 1 })))
    const ids = batches.flat().map((m) => m.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.length).toBe(30)
    for (const batch of batches) expect(batch.length).toBeLessThanOrEqual(5)
  })

  it('delivers oldest first and returns at most 10 per receive', async () => {
    const queue = makeLocal()
    for (let i = 0; i < 12; i++) await queue.send(`o${i}`)
    const batch = await queue.receive({ max: 50, waitSeconds: 0 })
    expect(batch.map((m) => m.body)).toEqual(Array.from({ length: 10 }, (_, i) => `o${i}`))
  })

  it('deduplicates a send with the same deduplication id', async () => {
    const queue = makeLocal()
    const a = await queue.send('d', { deduplicationId: 'same' })
    const b = await queue.send('d', { deduplicationId: 'same' })
    expect(b.messageId).toBe(a.messageId)
    expect((await queue.counts()).visible).toBe(1)
  })

  it('rejects bad settings and handles with clear errors', async () => {
    expect(() => makeLocal({ visibilityTimeoutSeconds: -1 })).toThrow(/visibilityTimeoutSeconds must be between 0 and 43200/)
    expect(() => makeLocal({ maxReceiveCount: 0 })).toThrow(/maxReceiveCount must be a whole number/)
    const queue = makeLocal()
    await expect(queue.changeVisibility('not-a-handle', 5)).rejects.toBeInstanceOf(LeaseLostError)
    await expect(queue.delete([randomUUID()])).rejects.toThrow(/not current deliveries/)
    await expect(queue.send('z', { delaySeconds: 901 })).rejects.toThrow(/delaySeconds/)
  })

  it('close ends a waiting long poll', async () => {
    const queue = makeLocal()
    const waiting = queue.receive({ max: 1, waitSeconds: 20 })
    await queue.close()
    expect(await waiting).toEqual([])
  })
})
