/**
 * The desktop main process's event-loop delay (perf_hooks.monitorEventLoopDelay, p99 and max)
 * while it is busy as an operator's is: 10,000 videos in the embedded store, the console's list
 * query (all rows, as the renderer asks) every second over IPC, and the local analyzer working
 * through clips with subtitles. Electron's guide says the main process must not block: every
 * millisecond here is a frozen window (input, painting and IPC all wait on this thread).
 *
 * The built bundle (out/main/index.js) runs under Node with the fake `electron` of
 * tests/support/electron-stub, as the smoke test runs it. Prints one line per run.
 * Standalone: `npx tsx bench/desktop-event-loop.ts [--quick]`.
 */
import { spawn, spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { loadConfig } from '../src/app/load-config'
import { openApp } from '../src/app/open-app'
import { mainEnv, startMain } from '../tests/support/electron-main'
import { makeClip } from '../tests/support/media-generate'
import { realisticAnalysis } from './support/console-store'
import type { BenchOptions, BenchRow } from './support/types'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** 10,000 rows as an operator's database holds them after a while (most completed, with an analysis). */
async function seed(dataDir: string, count: number): Promise<void> {
  const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }
  const app = await openApp(loadConfig({ env: { DATA_DIR: dataDir }, envFileName: null }), { logger: quiet })
  try {
    await app.db.query(
      `insert into videos (id, title, source, processing_status, analysis_result, is_processed, attempts, created_at, updated_at, completed_at)
       select gen_random_uuid(), 'Clip ' || i, jsonb_build_object('kind', 'file', 'path', '/videos/clip-' || i || '.mp4'),
              'completed', $2, true, 1, now() - make_interval(secs => $1 - i), now() - make_interval(secs => $1 - i), now() - make_interval(secs => $1 - i)
         from generate_series(0, $1 - 1) as i`,
      [count, JSON.stringify(realisticAnalysis())]
    )
  } finally {
    await app.close()
  }
}

/**
 * A Node process doing nothing but measure its own event-loop delay: on a shared machine with
 * ffmpeg on every core, part of any process's delay is only waiting for a CPU. The main
 * process's figure above this control's is what its own work costs.
 */
const CONTROL = `
const { monitorEventLoopDelay } = require('node:perf_hooks')
const h = monitorEventLoopDelay({ resolution: 10 })
process.on('message', (m) => {
  if (m === 'start') { h.reset(); h.enable() }
  if (m === 'stop') { h.disable(); process.send({ p99: h.percentile(99) / 1e6, max: h.max / 1e6 }) }
})`

function startControl() {
  const child = spawn(process.execPath, ['-e', CONTROL], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
  return {
    start: () => child.send('start'),
    stop: () => new Promise<{ p99: number; max: number }>((resolve) => {
      child.once('message', (m) => resolve(m as { p99: number; max: number }))
      child.send('stop')
    }),
    close: () => child.kill()
  }
}

export interface LoopDelayFigures {
  mode: string
  /** The idle control process during the same busy phase. */
  control: { p99: number; max: number }
  idle: { p99: number; max: number }
  busy: { p99: number; max: number; p50: number; samples: number }
  listCalls: number
  /** The size of one list answer (JSON characters), in MiB. */
  listMiB: number
  listMsP50: number
  analysed: number
}

/** One run: idle for a few seconds, then busy until every clip is analysed. */
export async function measureMainLoopDelay(opts: {
  rows: number
  clips: number
  list?: boolean
  /** Another build's main process (e.g. one from before a change), for comparison. */
  bundle?: string
  mode: string
  log?: (m: string) => void
}): Promise<LoopDelayFigures> {
  const log = opts.log ?? (() => {})
  const work = await mkdtemp(join(tmpdir(), 'vp-bench-desktop-'))
  const dataDir = join(work, 'data')
  try {
    log(`seeding ${opts.rows} videos…`)
    await seed(dataDir, opts.rows)
    const cues = Array.from({ length: 30 }, (_, i) => ({ start: i * 2, end: i * 2 + 2, text: `Sentence ${i} explains how queues hand work to the worker and why the visibility timeout matters.` }))
    const clips: string[] = []
    for (let i = 0; i < opts.clips; i++) clips.push(await makeClip(work, `clip-${i}.mp4`, { seconds: 60, subtitles: { cues, mode: 'sidecar' } }))
    const main = startMain({ cwd: work, env: mainEnv({ DATA_DIR: dataDir, WORKER_CONCURRENCY: '2' }), ...(opts.bundle ? { bundle: opts.bundle } : {}) })
    const control = startControl()
    try {
      await main.waitFor('the window', (r) => r.ev === 'load', 120_000)
      for (;;) {
        const status = (await main.invoke('worker.status')) as { result?: { state: string } }
        if (status.result?.state === 'running') break
        await sleep(200)
      }
      await main.loopDelay('start')
      await sleep(3000)
      const idle = await main.loopDelay('stop')
      log(`idle: p99 ${idle.p99.toFixed(1)} ms; enqueueing ${opts.clips} clips`)
      await main.loopDelay('start')
      control.start()
      const ids: string[] = []
      for (const path of clips) ids.push(((await main.invoke('videos.enqueue', { source: { kind: 'file', path } })) as { result: { id: string } }).result.id)
      const listMs: number[] = []
      let listChars = 0
      const done = () => ids.filter((id) => main.reports.some((r) => r.ev === 'send' && (r.payload as { type: string; videoId?: string }).videoId === id && ['video.completed', 'video.failed'].includes((r.payload as { type: string }).type))).length
      while (done() < ids.length) {
        if (opts.list !== false) {
          const t = performance.now()
          listChars = await main.invokeSize('videos.list', { limit: 20_000, sort: 'createdAt', order: 'desc' })
          listMs.push(performance.now() - t)
        }
        await sleep(1000)
      }
      const busy = await main.loopDelay('stop')
      const controlFigures = await control.stop()
      await main.emit('quit')
      await main.exited
      listMs.sort((a, b) => a - b)
      return { mode: opts.mode, control: controlFigures, idle, busy, listCalls: listMs.length, listMiB: listChars / 2 ** 20, listMsP50: listMs[Math.floor(listMs.length / 2)] ?? 0, analysed: done() }
    } finally {
      control.close()
      if (!main.hasExited()) main.kill()
    }
  } finally {
    await rm(work, { recursive: true, force: true })
  }
}

export function describeFigures(f: LoopDelayFigures): string {
  return (
    `main-process event-loop delay (${f.mode}): busy p99 ${f.busy.p99.toFixed(1)} ms, max ${f.busy.max.toFixed(1)} ms, p50 ${f.busy.p50.toFixed(1)} ms ` +
    `(${f.analysed} clips analysed, ${f.listCalls} list calls of 10,000 rows, ${f.listMiB.toFixed(0)} MiB and p50 ${f.listMsP50.toFixed(0)} ms each); ` +
    `an idle control process meanwhile: p99 ${f.control.p99.toFixed(1)} ms, max ${f.control.max.toFixed(1)} ms; the main process idle: p99 ${f.idle.p99.toFixed(1)} ms`
  )
}

/** The `npm run bench` rows: the main process's event-loop delay p99 and max, beside the idle control's. */
export async function benchDesktopEventLoop(opts: BenchOptions): Promise<BenchRow[]> {
  const rows = opts.quick ? 1000 : 10_000
  const f = await measureMainLoopDelay({ rows, clips: opts.quick ? 1 : 4, mode: 'core in a utility process', log: opts.log })
  const note =
    `built bundle under Node with the fake electron; ${f.analysed} one-minute clips through the local analyzer (2 at once) while the ` +
    `list of ${rows.toLocaleString('en-US')} rows is asked every second (${f.listCalls} calls, ${f.listMiB.toFixed(1)} MiB, p50 ${f.listMsP50.toFixed(0)} ms each)`
  const figure = (value: number) => ({ value, unit: 'ms' })
  return [
    { measure: `desktop main process event-loop delay p99, busy, ${rows.toLocaleString('en-US')} videos`, ours: figure(f.busy.p99), peer: 'idle control process, same moments', peerFigure: figure(f.control.p99), better: 'lower', note: `${note}; goal 50 ms` },
    { measure: `desktop main process event-loop delay max, busy, ${rows.toLocaleString('en-US')} videos`, ours: figure(f.busy.max), peer: 'idle control process, same moments', peerFigure: figure(f.control.max), better: 'lower', note: 'the control shows what is only waiting for a CPU on this machine' }
  ]
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const quick = process.argv.includes('--quick')
  const built = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, encoding: 'utf8' })
  if (built.status !== 0) throw new Error(`electron-vite build failed:\n${built.stderr}`)
  // BENCH_BEFORE_BUNDLE: a main bundle built from an earlier commit (the core in the main
  // process), measured first in the same run.
  const runs: { mode: string; bundle?: string }[] = []
  if (process.env['BENCH_BEFORE_BUNDLE']) runs.push({ mode: 'before: core in the main process', bundle: process.env['BENCH_BEFORE_BUNDLE'] })
  runs.push({ mode: 'core in a utility process' })
  for (const run of runs) {
    const figures = await measureMainLoopDelay({
      rows: quick ? 1000 : 10_000,
      // BENCH_LIST=0: the analyzer alone, to tell its share from the list's.
      list: process.env['BENCH_LIST'] !== '0',
      clips: quick ? 1 : 4,
      ...run,
      log: (m) => process.stderr.write(`desktop (${run.mode}): ${m}\n`)
    })
    console.log(describeFigures(figures))
  }
}
