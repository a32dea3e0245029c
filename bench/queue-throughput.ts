import { availableParallelism } from 'node:os'
import { defaultConcurrency } from '../src/core/concurrency-default'
import type { Analyzer } from '../src/core/ports'
import { createPeerHandler } from './peers/handler'
import { startSeedLoop } from './peers/seed-loop'
import { startSqsConsumerPeer } from './peers/sqs-consumer'
import { createOurContender } from './support/our-worker'
import type { Contender, RunResult } from './support/queue-run'
import { runBacklog, runTrickle } from './support/queue-run'
import { race, summarise, type Summary } from './support/race'
import { createSleepAnalyzer, createUrlSource } from './support/sleep-analyzer'
import { formatNumber } from './support/table'
import type { BenchOptions, BenchRow, Figure } from './support/types'
import { notRun } from './support/types'

const HANDLER_MS = 20
/** The bench analyzer waits (like Gemini on the network), so ours runs at the default it gets with Gemini. */
const OUR_DEFAULT = defaultConcurrency('gemini')
/** sqs-consumer's largest batch per Consumer: more handlers at once means more Consumers. */
const BATCH = 10

interface Sizes {
  backlog: number
  /** Every contender runs this many times, the order alternating; the median is reported. */
  repeats: number
  /** Handlers at once offered to both sides alike (multiples of BATCH); the first is the default. */
  ceilings: number[]
  seedBacklog: number
  trickle: number
  trickleIntervalMs: number
  timeoutMs: number
}

const FULL: Sizes = { backlog: 2000, repeats: 3, ceilings: [OUR_DEFAULT, 20, 40], seedBacklog: 200, trickle: 30, trickleIntervalMs: 100, timeoutMs: 100_000 }
const QUICK: Sizes = { ...FULL, backlog: 200, repeats: 2, ceilings: [OUR_DEFAULT, 20], seedBacklog: 50, trickle: 10, timeoutMs: 30_000 }

const count = (n: number) => n.toLocaleString('en-US')
/** sqs-consumer's setting for a ceiling: batches of at most 10, as many consumers as it takes. */
function consumerSetting(ceiling: number): { batch: number; consumers: number } {
  const batch = Math.min(BATCH, ceiling)
  const consumers = Math.ceil(ceiling / batch)
  if (batch * consumers !== ceiling) throw new Error(`sqs-consumer cannot run exactly ${ceiling} handlers at once (batches of at most ${BATCH})`)
  return { batch, consumers }
}
const consumerWords = (ceiling: number) => {
  const { batch, consumers } = consumerSetting(ceiling)
  return `batch ${batch} × ${consumers} consumer${consumers > 1 ? 's' : ''} = ${ceiling} handlers at once`
}

function sqsConsumer(analyzer: Analyzer, ceiling: number): Contender {
  const { batch, consumers } = consumerSetting(ceiling)
  return {
    label: `sqs-consumer: ${consumerWords(ceiling)}`,
    start: async (ctx) => startSqsConsumerPeer({ ...ctx, handler: createPeerHandler(analyzer, createUrlSource(), ctx.embedded.store), batchSize: batch, consumers })
  }
}

function seedLoop(analyzer: Analyzer): Contender {
  return {
    label: 'seed-style loop: 1 at a time',
    start: async (ctx) => startSeedLoop({ ...ctx, handler: createPeerHandler(analyzer, createUrlSource(), ctx.embedded.store) })
  }
}

const fig = (value: number, unit: string): Figure => ({ value, unit })
const spread = (s: Summary, pick: (r: RunResult) => number, unit: string) =>
  `${s.label.split(':')[0]} ${s.runs.map((r) => formatNumber(pick(r))).join(', ')} ${unit}`
const cut = (...sums: Summary[]) =>
  sums
    .flatMap((s) => s.runs.filter((r) => r.timedOut).map((r) => `; a run of ${s.label} stopped after ${formatNumber(r.elapsedMs / 1000)} s at ${count(r.completed)} of ${count(r.sent)}`))
    .join('')
const errs = (...sums: Summary[]) =>
  sums
    .flatMap((s) => s.runs.filter((r) => r.errors > 0).map((r) => `; ${s.label}: ${r.errors} errors (${r.firstError ?? ''})`))
    .join('')

/** Says plainly when ours is behind, and where the difference goes (both sides share two cores, so CPU per message sets the pace). */
function behind(ours: Summary, peer: Summary): string {
  if (ours.median.perSecond >= peer.median.perSecond) return ''
  const sql = (s: Summary) => formatNumber(s.median.store + s.median.journal)
  return (
    `OURS IS BEHIND: ${formatNumber(ours.median.cpuMsPerMsg)} against ${formatNumber(peer.median.cpuMsPerMsg)} CPU ms per message on a ${availableParallelism()}-core machine the ` +
    `contenders share with fauxqs and PGlite, and ${sql(ours)} against ${sql(peer)} SQL statements (ours also keeps the console's journal, ` +
    'emits events per status and makes a job directory per message); '
  )
}

/** The four rows (msg/s, p95, CPU, SQL) of one pairing, every figure the median of its runs. */
function pairRows(title: string, ours: Summary, peer: Summary, backlog: string, repeats: number): BenchRow[] {
  const runs = `median of ${repeats} runs each, order alternating, fresh queue and database per run`
  const sqlOf = (s: Summary) => s.median.store + s.median.journal
  return [
    {
      measure: `Queue throughput, ${backlog} queued msgs, ${title} (${ours.label})`,
      ours: fig(ours.median.perSecond, 'msg/s'),
      peer: peer.label,
      peerFigure: fig(peer.median.perSecond, 'msg/s'),
      better: 'higher',
      note: `${behind(ours, peer)}${runs}; runs: ${spread(ours, (r) => r.perSecond, 'msg/s')} | ${spread(peer, (r) => r.perSecond, 'msg/s')}${cut(ours, peer)}${errs(ours, peer)}`
    },
    {
      measure: `p95 send→completed, same backlog, ${title} (${ours.label})`,
      ours: fig(ours.median.p95Ms, 'ms'),
      peer: peer.label,
      peerFigure: fig(peer.median.p95Ms, 'ms'),
      better: 'lower',
      note: `mostly the wait behind the backlog; runs: ${spread(ours, (r) => r.p95Ms, 'ms')} | ${spread(peer, (r) => r.p95Ms, 'ms')}`
    },
    {
      measure: `CPU time per message, same runs, ${title} (${ours.label})`,
      ours: fig(ours.median.cpuMsPerMsg, 'CPU ms/msg'),
      peer: peer.label,
      peerFigure: fig(peer.median.cpuMsPerMsg, 'CPU ms/msg'),
      better: 'lower',
      note: `user + system CPU of the bench process (fauxqs and PGlite included) ÷ messages; ours includes its journal; runs: ${spread(ours, (r) => r.cpuMsPerMsg, 'ms')} | ${spread(peer, (r) => r.cpuMsPerMsg, 'ms')}`
    },
    {
      measure: `SQL statements per message, same runs, ${title} (${ours.label})`,
      ours: fig(sqlOf(ours), 'SQL/msg'),
      peer: peer.label,
      peerFigure: fig(sqlOf(peer), 'SQL/msg'),
      better: 'lower',
      note: `ours: ${formatNumber(ours.median.store)} on the videos table + ${formatNumber(ours.median.journal)} on the console's journal; peer: ${formatNumber(peer.median.store)} on the videos table (it keeps no journal); counted on the database connection`
    }
  ]
}

/**
 * Our worker against sqs-consumer on fauxqs with a 20 ms analyzer, both doing the same status
 * workflow on the same embedded store; the one-at-a-time loop (peers/seed-loop.ts) for reference.
 */
export async function benchQueueThroughput(opts: BenchOptions): Promise<BenchRow[]> {
  const sizes = opts.quick ? QUICK : FULL
  const analyzer = createSleepAnalyzer(HANDLER_MS)
  const n = count(sizes.backlog)
  const ours = await createOurContender(analyzer).catch((e: unknown) => (e instanceof Error ? e.message : String(e)))
  if (typeof ours === 'string') return [notRun(`Queue throughput, ${n} queued msgs`, `our worker: ${ours}`)]

  const backlog = (c: Contender, size: number) => async () => {
    opts.log(`queue: ${c.label}, ${count(size)} queued messages`)
    const r = await runBacklog(c, size, sizes.timeoutMs)
    opts.log(`  ${formatNumber(r.perSecond)} msg/s, ${formatNumber(r.cpuMsPerMsg)} CPU ms/msg, ${formatNumber(r.storeStatementsPerMsg + r.journalStatementsPerMsg)} SQL/msg, p95 ${formatNumber(r.p95Ms)} ms${r.errors ? `, ${r.errors} errors: ${r.firstError}` : ''}`)
    return r
  }
  const trickle = (c: Contender) => async () => {
    opts.log(`queue: ${c.label}, ${sizes.trickle} messages one per ${sizes.trickleIntervalMs} ms`)
    const r = await runTrickle(c, sizes.trickle, sizes.trickleIntervalMs, sizes.timeoutMs)
    opts.log(`  p50 ${formatNumber(r.p50Ms)} ms, p95 ${formatNumber(r.p95Ms)} ms`)
    return r
  }

  // Every ceiling offered to both sides alike, each pair in alternating order, every pair repeated.
  const pairs = sizes.ceilings.map((ceiling) => [backlog(ours(ceiling), sizes.backlog), backlog(sqsConsumer(analyzer, ceiling), sizes.backlog)])
  const seed = [backlog(seedLoop(analyzer), sizes.seedBacklog)]
  const light = [trickle(ours(sizes.ceilings[0]!)), trickle(sqsConsumer(analyzer, sizes.ceilings[0]!)), trickle(seedLoop(analyzer))]
  const [pairRuns, [seedRuns], lightRuns] = [await race(pairs, sizes.repeats), await race([seed], sizes.repeats), await race([light], sizes.repeats)]

  const ourSums = (pairRuns ?? []).map((p) => summarise(p[0] ?? []))
  const peerSums = (pairRuns ?? []).map((p) => summarise(p[1] ?? []))
  const best = (sums: Summary[]) => sums.reduce((a, b) => (b.median.perSecond > a.median.perSecond ? b : a))
  const [ourDefault, peerDefault] = [ourSums[0]!, peerSums[0]!]
  const [ourBest, peerBest] = [best(ourSums), best(peerSums)]
  const seedSum = summarise(seedRuns?.[0] ?? [])
  const [ourLight, peerLight, seedLight] = (lightRuns?.[0] ?? []).map(summarise) as [Summary, Summary, Summary]
  const tried = (sums: Summary[]) => sums.map((s) => `${s.label} ${formatNumber(s.median.perSecond)} msg/s`).join('; ')
  const lightTitle = `at light load (${count(sizes.trickle)} msgs, one every ${sizes.trickleIntervalMs} ms, idle queue)`

  return [
    ...pairRows('defaults', ourDefault, peerDefault, n, sizes.repeats).map((row, i) =>
      i === 0 ? { ...row, note: `ours: its default with an analyzer that waits on the network (Gemini); sqs-consumer: its largest batch, one consumer; ${row.note}` } : row
    ),
    ...pairRows('best setting each', ourBest, peerBest, n, sizes.repeats).map((row, i) =>
      i === 0 ? { ...row, note: `${row.note}; tried (median msg/s): ${tried(ourSums)} | ${tried(peerSums)}` } : row
    ),
    {
      measure: `Queue throughput against the seed's loop, defaults (${ourDefault.label}; seed: ${count(sizes.seedBacklog)} msgs only)`,
      ours: fig(ourDefault.median.perSecond, 'msg/s'),
      peer: 'seed-style loop: receive up to 10, 1 at a time, delete after each, 5 s sleep when a poll is empty',
      peerFigure: fig(seedSum.median.perSecond, 'msg/s'),
      better: 'higher',
      note: `for reference, not a like-for-like race (1 handler against ${sizes.ceilings[0]}); seed median of ${sizes.repeats}: ${spread(seedSum, (r) => r.perSecond, 'msg/s')}`
    },
    {
      measure: `p95 send→completed ${lightTitle} (${ourLight.label})`,
      ours: fig(ourLight.median.p95Ms, 'ms'),
      peer: peerLight.label,
      peerFigure: fig(peerLight.median.p95Ms, 'ms'),
      better: 'lower',
      note: `median of ${sizes.repeats}; runs: ${spread(ourLight, (r) => r.p95Ms, 'ms')} | ${spread(peerLight, (r) => r.p95Ms, 'ms')}`
    },
    {
      measure: `p95 send→completed ${lightTitle} (${ourLight.label})`,
      ours: fig(ourLight.median.p95Ms, 'ms'),
      peer: seedLight.label,
      peerFigure: fig(seedLight.median.p95Ms, 'ms'),
      better: 'lower',
      note: `median of ${sizes.repeats}; runs: ${spread(seedLight, (r) => r.p95Ms, 'ms')}`
    }
  ]
}
