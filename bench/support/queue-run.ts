import { randomUUID } from 'node:crypto'
import type { SQSClient } from '@aws-sdk/client-sqs'
import type { BenchEmbedded, StatementCount } from './embedded'
import { openEmbedded } from './embedded'
import { sendBurst, startFauxqs } from './fauxqs'
import { benchMessage } from './sleep-analyzer'
import { percentile, sleep } from './stats'

/** What a contender gets to consume one queue: its own fresh queue and database. */
export interface ContenderContext {
  client: SQSClient
  queueUrl: string
  /** A fresh embedded database (store and journal) for this run alone. */
  embedded: BenchEmbedded
  /** Call when a video is completed (after the analysis was saved), with `performance.now()`. */
  onCompleted(videoId: string, at: number): void
  onError(error: Error): void
}

export interface Contender {
  label: string
  start(ctx: ContenderContext): Promise<{ stop(): Promise<void> }>
}

export interface RunResult {
  label: string
  sent: number
  completed: number
  /** Completed messages per second, from the contender's start to its last completion (or the timeout). */
  perSecond: number
  p50Ms: number
  p95Ms: number
  elapsedMs: number
  /** CPU time (user + system) of this whole process per completed message: less load-sensitive than msg/s. */
  cpuMsPerMsg: number
  /** Database statements per completed message: the store's (table of record) and the journal's. */
  storeStatementsPerMsg: number
  journalStatementsPerMsg: number
  /** Stopped at the timeout before all were completed; p50/p95 are then lower bounds. */
  timedOut: boolean
  errors: number
  firstError: string | null
}

interface Tracker {
  sentAt: Map<string, number>
  latencies: number[]
  last: number
  errors: number
  firstError: string | null
  done: () => boolean
  waiter: (() => void) | null
}

function makeTracker(total: () => number): Tracker {
  const t: Tracker = {
    sentAt: new Map(),
    latencies: [],
    last: 0,
    errors: 0,
    firstError: null,
    done: () => t.latencies.length >= total(),
    waiter: null
  }
  return t
}

function contextFor(t: Tracker, client: SQSClient, queueUrl: string, embedded: BenchEmbedded): ContenderContext {
  return {
    client,
    queueUrl,
    embedded,
    onCompleted(videoId, at) {
      const sent = t.sentAt.get(videoId)
      if (sent === undefined) return
      t.sentAt.delete(videoId) // a duplicate delivery counts once
      t.latencies.push(at - sent)
      t.last = Math.max(t.last, at)
      if (t.done()) t.waiter?.()
    },
    onError(error) {
      t.errors += 1
      t.firstError ??= error.message
    }
  }
}

async function waitDone(t: Tracker, timeoutMs: number): Promise<boolean> {
  if (t.done()) return false
  let timer: NodeJS.Timeout | undefined
  const timedOut = await Promise.race([
    new Promise<boolean>((resolve) => (t.waiter = () => resolve(false))),
    new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), timeoutMs)))
  ])
  clearTimeout(timer)
  return timedOut
}

interface Meter {
  cpu: NodeJS.CpuUsage
  statements: StatementCount
  embedded: BenchEmbedded
}

function meter(embedded: BenchEmbedded): Meter {
  return { cpu: process.cpuUsage(), statements: embedded.statements(), embedded }
}

/**
 * CPU counts until the last completion. Call after the contender stopped: statements are read
 * then, so journal lines that were still waiting for their group are counted too.
 */
function result(label: string, t: Tracker, sent: number, start: number, m: Meter, timedOut: boolean, at: { cpu: NodeJS.CpuUsage; now: number }): RunResult {
  const end = timedOut ? at.now : t.last
  const used = at.cpu
  const elapsedMs = Math.max(1, end - start)
  const statements = m.embedded.statements()
  const done = Math.max(1, t.latencies.length)
  // Messages still queued at a timeout count with the wait so far: the percentiles become lower bounds.
  const latencies = timedOut ? [...t.latencies, ...[...t.sentAt.values()].map((sent) => end - sent)] : t.latencies
  return {
    label,
    sent,
    completed: t.latencies.length,
    perSecond: (t.latencies.length / elapsedMs) * 1000,
    p50Ms: percentile(latencies, 50),
    p95Ms: percentile(latencies, 95),
    elapsedMs,
    cpuMsPerMsg: (used.user + used.system) / 1000 / done,
    storeStatementsPerMsg: (statements.store - m.statements.store) / done,
    journalStatementsPerMsg: (statements.journal - m.statements.journal) / done,
    timedOut,
    errors: t.errors,
    firstError: t.firstError
  }
}

function bodies(n: number): { ids: string[]; bodies: string[] } {
  const ids = Array.from({ length: n }, () => randomUUID())
  return { ids, bodies: ids.map((id, i) => benchMessage(id, i)) }
}

/**
 * A fresh SQS server (fauxqs on loopback) and a fresh embedded database for one run, closed
 * after it: no contender inherits another's queue, rows or journal.
 */
async function withFreshState<T>(name: string, fn: (client: SQSClient, queueUrl: string, embedded: BenchEmbedded) => Promise<T>): Promise<T> {
  const fauxqs = await startFauxqs()
  try {
    const embedded = await openEmbedded()
    try {
      const queueUrl = await fauxqs.createQueue(name)
      return await fn(fauxqs.client(), queueUrl, embedded)
    } finally {
      await embedded.close().catch(() => undefined)
    }
  } finally {
    await fauxqs.stop()
  }
}

/**
 * Backlog run: `n` messages are queued first, then the contender starts; throughput counts
 * from its start to its last completion, latency from each message's send to its completion.
 */
export async function runBacklog(contender: Contender, n: number, timeoutMs: number): Promise<RunResult> {
  return await withFreshState('bench-backlog', async (client, queueUrl, embedded) => {
    const t = makeTracker(() => n)
    const m = bodies(n)
    await sendBurst(client, queueUrl, m.bodies, (i, at) => t.sentAt.set(m.ids[i] ?? '', at))
    const start = performance.now()
    const usage = meter(embedded)
    const running = await contender.start(contextFor(t, client, queueUrl, embedded))
    const timedOut = await waitDone(t, timeoutMs)
    const at = { cpu: process.cpuUsage(usage.cpu), now: performance.now() }
    await running.stop()
    return result(contender.label, t, n, start, usage, timedOut, at)
  })
}

/**
 * Light-load run: the contender runs on an empty queue and gets one message every
 * `intervalMs`; this shows what polling costs in latency when the queue is mostly empty.
 */
export async function runTrickle(contender: Contender, n: number, intervalMs: number, timeoutMs: number): Promise<RunResult> {
  return await withFreshState('bench-trickle', async (client, queueUrl, embedded) => {
    const t = makeTracker(() => n)
    const m = bodies(n)
    const running = await contender.start(contextFor(t, client, queueUrl, embedded))
    await sleep(200) // let it reach its first (empty) poll
    const start = performance.now()
    const usage = meter(embedded)
    for (let i = 0; i < n; i++) {
      const due = start + i * intervalMs
      const wait = due - performance.now()
      if (wait > 0) await sleep(wait)
      await sendBurst(client, queueUrl, [m.bodies[i] ?? ''], (_, at) => t.sentAt.set(m.ids[i] ?? '', at), 1)
    }
    const timedOut = await waitDone(t, timeoutMs)
    const at = { cpu: process.cpuUsage(usage.cpu), now: performance.now() }
    await running.stop()
    return result(contender.label, t, n, start, usage, timedOut, at)
  })
}
