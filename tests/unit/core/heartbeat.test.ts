import { describe, expect, it } from 'vitest'
import { LeaseLostError } from '../../../src/core/errors'
import { startHeartbeat } from '../../../src/core/pipeline/heartbeat'
import type { Queue } from '../../../src/core/ports'

/** A queue whose visibility changes answer as the test scripts them; the rest is never called. */
function scriptedQueue(visibilityTimeoutSeconds: number, answer: (call: number) => 'ok' | 'refused' | 'lost') {
  let calls = 0
  const unused = () => Promise.reject(new Error('not used by the heartbeat'))
  const queue: Queue = {
    name: 'scripted',
    visibilityTimeoutSeconds,
    maxReceiveCount: null,
    receive: unused,
    delete: unused,
    send: unused,
    deadLetter: unused,
    close: () => Promise.resolve(),
    changeVisibility: () => {
      calls += 1
      const a = answer(calls)
      if (a === 'ok') return Promise.resolve()
      if (a === 'lost') return Promise.reject(new LeaseLostError('receipt handle is not current'))
      return Promise.reject(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), { code: 'ECONNREFUSED' }))
    }
  }
  return { queue, calls: () => calls }
}

const waitFor = async (fn: () => boolean) => {
  while (!fn()) await new Promise((r) => setTimeout(r, 20))
}

describe('heartbeat', () => {
  it('retries refused connections while the lease lasts, and carries on when they pass', async () => {
    // Visibility 2 s: renewals every 1 s; calls 1 and 2 are refused, the retry a few hundred ms later gets through.
    const q = scriptedQueue(2, (n) => (n <= 2 ? 'refused' : 'ok'))
    const transient: number[] = []
    const lost: unknown[] = []
    const hb = startHeartbeat(q.queue, 'h', (e) => lost.push(e), { onTransient: (_e, left) => transient.push(left), retryMs: 200 })
    await waitFor(() => q.calls() >= 5)
    await hb.stop()
    expect(lost).toEqual([])
    expect(hb.lost).toBe(false)
    expect(transient).toHaveLength(2)
    for (const left of transient) expect(left).toBeGreaterThan(0)
  })

  it('stops at once on a LeaseLostError', async () => {
    const q = scriptedQueue(1, () => 'lost')
    const lost: unknown[] = []
    const hb = startHeartbeat(q.queue, 'h', (e) => lost.push(e))
    await waitFor(() => lost.length === 1)
    await new Promise((r) => setTimeout(r, 1200))
    await hb.stop()
    expect(q.calls()).toBe(1)
    expect(lost[0]).toBeInstanceOf(LeaseLostError)
  })

  it('gives up when the lease expires without a renewal getting through', async () => {
    const q = scriptedQueue(1, () => 'refused')
    const lost: unknown[] = []
    const hb = startHeartbeat(q.queue, 'h', (e) => lost.push(e), { retryMs: 100 })
    await waitFor(() => lost.length === 1)
    const calls = q.calls()
    await new Promise((r) => setTimeout(r, 600))
    await hb.stop()
    expect(hb.lost).toBe(true)
    expect(calls).toBeGreaterThanOrEqual(2)
    expect(q.calls()).toBe(calls)
  })
})
