import type { Analyzer, Store } from '../src/core/ports'
import { createPeerHandler } from './peers/handler'
import { startSeedLoop } from './peers/seed-loop'
import { startSqsConsumerPeer } from './peers/sqs-consumer'
import type { BenchEmbedded } from './support/embedded'
import { openEmbedded } from './support/embedded'
import { startFauxqs } from './support/fauxqs'
import { createOurContender } from './support/our-worker'
import type { Contender, RunResult } from './support/queue-run'
import { runBacklog, runTrickle } from './support/queue-run'
import { createSleepAnalyzer } from './support/sleep-analyzer'
import { formatNumber } from './support/table'
import type { BenchOptions, BenchRow } from './support/types'
import { notRun } from './support/types'

const HANDLER_MS = 20

interface Sizes {
  backlog: number
  seedBacklog: number
  trickle: number
  trickleIntervalMs: number
  ourConcurrencies: number[]
  timeoutMs: number
}

const FULL: Sizes = { backlog: 2000, seedBacklog: 300, trickle: 60, trickleIntervalMs: 100, ourConcurrencies: [2, 8, 16, 32], timeoutMs: 120_000 }
const QUICK: Sizes = { backlog: 200, seedBacklog: 60, trickle: 15, trickleIntervalMs: 100, ourConcurrencies: [2, 8], timeoutMs: 30_000 }

function sqsConsumer(analyzer: Analyzer, store: Store | null, batchSize: number, consumers = 1): Contender {
  const handler = createPeerHandler(analyzer, store)
  return {
    label: consumers > 1 ? `sqs-consumer ${consumers}×batchSize ${batchSize}` : `sqs-consumer batchSize ${batchSize}`,
    start: async (ctx) => startSqsConsumerPeer({ ...ctx, handler, batchSize, consumers })
  }
}

function seedLoop(analyzer: Analyzer, store: Store | null): Contender {
  const handler = createPeerHandler(analyzer, store)
  return { label: 'seed-style loop', start: async (ctx) => startSeedLoop({ ...ctx, handler }) }
}

const rate = (r: RunResult) => ({ value: r.perSecond, unit: 'msg/s' })
const p95 = (r: RunResult) => ({ value: r.p95Ms, unit: 'ms' })
const brief = (r: RunResult) =>
  `${r.label}: ${formatNumber(r.perSecond)} msg/s${r.timedOut ? ` (timed out, ${r.completed}/${r.sent})` : ''}${r.errors ? `, ${r.errors} errors: ${r.firstError}` : ''}`
const best = (runs: RunResult[]) => runs.reduce((a, b) => (b.perSecond > a.perSecond ? b : a))

/** Issue 7, item 1: our worker against sqs-consumer and the seed's loop, on fauxqs, with a 20 ms analyzer. */
export async function benchQueueThroughput(opts: BenchOptions): Promise<BenchRow[]> {
  const sizes = opts.quick ? QUICK : FULL
  const analyzer = createSleepAnalyzer(HANDLER_MS)
  const fauxqs = await startFauxqs()
  let embedded: BenchEmbedded | null = null
  let storeNote = 'embedded store (PGlite)'
  try {
    try {
      embedded = await openEmbedded()
    } catch (error) {
      storeNote = `no store (embedded store unavailable: ${error instanceof Error ? error.message : String(error)})`
    }
    const store = embedded?.store ?? null
    const run = async (c: Contender, n = sizes.backlog) => {
      opts.log(`queue: ${c.label}, ${n} queued messages`)
      const r = await runBacklog(fauxqs, c, n, sizes.timeoutMs)
      opts.log(`  ${brief(r)}, p95 ${formatNumber(r.p95Ms)} ms`)
      return r
    }
    const trickle = async (c: Contender) => {
      opts.log(`queue: ${c.label}, ${sizes.trickle} messages one per ${sizes.trickleIntervalMs} ms`)
      const r = await runTrickle(fauxqs, c, sizes.trickle, sizes.trickleIntervalMs, sizes.timeoutMs)
      opts.log(`  p50 ${formatNumber(r.p50Ms)} ms, p95 ${formatNumber(r.p95Ms)} ms`)
      return r
    }

    // Peers first: they need nothing of ours.
    const consumerRuns = [await run(sqsConsumer(analyzer, store, 10))]
    for (const [batch, consumers] of opts.quick ? [[1, 1]] : [[1, 1], [10, 2], [10, 4]]) {
      consumerRuns.push(await run(sqsConsumer(analyzer, store, batch ?? 1, consumers)))
    }
    const seed = await run(seedLoop(analyzer, store), sizes.seedBacklog)

    const rows: BenchRow[] = []
    const n = sizes.backlog.toLocaleString('en-US')
    const seedN = sizes.seedBacklog.toLocaleString('en-US')
    const setup = `fauxqs 1.x in-process, analyzer sleeps ${HANDLER_MS} ms, ${storeNote}`
    const consumerDefault = consumerRuns[0]!
    const consumerBest = best(consumerRuns)
    const sweepNote = (runs: RunResult[]) => `tried: ${runs.map(brief).join('; ')}`

    const ours = embedded ? await createOurContender(embedded, analyzer).catch((e: unknown) => (e instanceof Error ? e.message : String(e))) : 'embedded store unavailable'
    if (typeof ours === 'string') {
      rows.push(notRun(`Queue throughput, ${n} queued msgs`, `our worker: ${ours}`))
    }
    const ourRuns: RunResult[] = []
    if (typeof ours !== 'string') {
      for (const c of sizes.ourConcurrencies) ourRuns.push(await run(ours(c)))
      const ourDefault = ourRuns[0]!
      const ourBest = best(ourRuns)
      rows.push(
        {
          measure: `Queue throughput, ${n} queued msgs, default concurrency (${ourDefault.label})`,
          ours: rate(ourDefault),
          peer: consumerDefault.label,
          peerFigure: rate(consumerDefault),
          better: 'higher',
          note: setup
        },
        {
          measure: `p95 send→completed, same ${n}-msg backlog, default settings`,
          ours: p95(ourDefault),
          peer: consumerDefault.label,
          peerFigure: p95(consumerDefault),
          better: 'lower',
          note: 'includes the wait behind the backlog'
        },
        {
          measure: `Queue throughput, ${n} queued msgs, best setting each (ours: ${ourBest.label})`,
          ours: rate(ourBest),
          peer: consumerBest.label,
          peerFigure: rate(consumerBest),
          better: 'higher',
          note: `ours ${sweepNote(ourRuns)} | peer ${sweepNote(consumerRuns)}`
        },
        {
          measure: `p95 send→completed, ${n}-msg backlog, best setting each`,
          ours: p95(ourBest),
          peer: consumerBest.label,
          peerFigure: p95(consumerBest),
          better: 'lower'
        },
        {
          measure: `Queue throughput vs the seed's loop (seed: ${seedN} msgs only), default concurrency`,
          ours: rate(ourDefault),
          peer: 'seed-style loop (1 at a time, delete after each, 5 s sleep when empty)',
          peerFigure: rate(seed),
          better: 'higher',
          note: `seed ran ${seedN} queued msgs (${formatNumber(seed.elapsedMs / 1000)} s); ours ran ${n}`
        }
      )
    } else {
      rows.push({
        measure: `sqs-consumer alone, ${n} queued msgs (no figure of ours)`,
        ours: null,
        peer: consumerBest.label,
        peerFigure: rate(consumerBest),
        better: 'higher',
        note: `${sweepNote(consumerRuns)}; ${brief(seed)}`
      })
    }

    // Light load: where the seed's 5 s sleep shows.
    const light = `${sizes.trickle} msgs, one every ${sizes.trickleIntervalMs} ms on an idle queue`
    const seedTrickle = await trickle(seedLoop(analyzer, store))
    const consumerTrickle = await trickle(sqsConsumer(analyzer, store, 10))
    if (typeof ours !== 'string') {
      const ourTrickle = await trickle(ours(sizes.ourConcurrencies[0] ?? 2))
      rows.push(
        { measure: `p95 send→completed at light load (${light})`, ours: p95(ourTrickle), peer: 'seed-style loop', peerFigure: p95(seedTrickle), better: 'lower' },
        { measure: `p95 send→completed at light load (${light})`, ours: p95(ourTrickle), peer: consumerTrickle.label, peerFigure: p95(consumerTrickle), better: 'lower' }
      )
    } else {
      rows.push({
        measure: `p95 send→completed at light load (${light}), peers only`,
        ours: null,
        peer: consumerTrickle.label,
        peerFigure: p95(consumerTrickle),
        better: 'lower',
        note: `seed-style loop: p95 ${formatNumber(seedTrickle.p95Ms)} ms`
      })
    }
    return rows
  } finally {
    await embedded?.close().catch(() => undefined)
    await fauxqs.stop()
  }
}
