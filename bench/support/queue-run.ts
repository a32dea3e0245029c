import { randomUUID } from 'node:crypto'
import type { SQSClient } from '@aws-sdk/client-sqs'
import type { FauxqsHarness } from './fauxqs'
import { sendBurst } from './fauxqs'
import { benchMessage } from './sleep-analyzer'
import { percentile, sleep } from './stats'

/** What a contender gets to consume one queue. */
export interface ContenderContext {
  client: SQSClient
  queueUrl: string
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
  /** Database statements per completed message, when a counter was given. */
  statementsPerMsg: number | null
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

function contextFor(t: Tracker, client: SQSClient, queueUrl: string): ContenderContext {
  return {
    client,
    queueUrl,
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
  statements: number | null
  counter: (() => number) | undefined
}

function meter(counter?: () => number): Meter {
  return { cpu: process.cpuUsage(), statements: counter ? counter() : null, counter }
}

function result(label: string, t: Tracker, sent: number, start: number, m: Meter, timedOut: boolean): RunResult {
  const end = timedOut ? performance.now() : t.last
  const elapsedMs = Math.max(1, end - start)
  const used = process.cpuUsage(m.cpu)
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
    statementsPerMsg: m.counter && m.statements !== null ? (m.counter() - m.statements) / done : null,
    timedOut,
    errors: t.errors,
    firstError: t.firstError
  }
}

function bodies(n: number): { ids: string[]; bodies: string[] } {
  const ids = Array.from({ length: n }, () => randomUUID())
  return { ids, bodies: ids.map((id, i) => benchMessage(id, i)) }
}

let queueSeq = 0

/**
 * Backlog run: `n` messages are queued first, then the contender starts; throughput counts
 * from its start to its last completion, latency from each message's send to its completion.
 */
export async function runBacklog(fauxqs: FauxqsHarness, contender: Contender, n: number, timeoutMs: number, statements?: () => number): Promise<RunResult> {
  const queueUrl = await fauxqs.createQueue(`bench-backlog-${process.pid}-${++queueSeq}`)
  const client = fauxqs.client()
  const t = makeTracker(() => n)
  const m = bodies(n)
  await sendBurst(client, queueUrl, m.bodies, (i, at) => t.sentAt.set(m.ids[i] ?? '', at))
  const start = performance.now()
  const usage = meter(statements)
  const running = await contender.start(contextFor(t, client, queueUrl))
  const timedOut = await waitDone(t, timeoutMs)
  const r = result(contender.label, t, n, start, usage, timedOut)
  await running.stop()
  return r
}

/**
 * Light-load run: the contender runs on an empty queue and gets one message every
 * `intervalMs`; this shows what polling costs in latency when the queue is mostly empty.
 */
export async function runTrickle(
  fauxqs: FauxqsHarness,
  contender: Contender,
  n: number,
  intervalMs: number,
  timeoutMs: number,
  statements?: () => number
): Promise<RunResult> {
  const queueUrl = await fauxqs.createQueue(`bench-trickle-${process.pid}-${++queueSeq}`)
  const client = fauxqs.client()
  const t = makeTracker(() => n)
  const m = bodies(n)
  const running = await contender.start(contextFor(t, client, queueUrl))
  await sleep(200) // let it reach its first (empty) poll
  const start = performance.now()
  const usage = meter(statements)
  for (let i = 0; i < n; i++) {
    const due = start + i * intervalMs
    const wait = due - performance.now()
    if (wait > 0) await sleep(wait)
    await sendBurst(client, queueUrl, [m.bodies[i] ?? ''], (_, at) => t.sentAt.set(m.ids[i] ?? '', at), 1)
  }
  const timedOut = await waitDone(t, timeoutMs)
  const r = result(contender.label, t, n, start, usage, timedOut)
  await running.stop()
  return r
}
