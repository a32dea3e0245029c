/**
 * Console responsiveness in Chromium (playwright-core, /usr/bin/chromium) with 10,000 videos
 * listed: worker event → DOM latency (p50, p95), the list's first render, and scrolling to the
 * bottom. The server is the real console server (`startConsoleServer`, HTTP + SSE, the built
 * renderer). Behind it, once the real core on the embedded store (PGlite) holding 10,000 rows,
 * most of them completed with an analysis, as an operator's database looks after a while; and
 * once an in-memory API double, which shows the console's own share of those figures.
 *
 * Standalone: `npx tsx bench/console.ts [--quick]`.
 */
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { chromium } from 'playwright-core'
import { startConsoleServer } from '../src/server'
import type { Video } from '../src/shared/video'
import type { CoreHandle } from '../src/core/core-handle'
import { createInMemoryCore } from '../tests/contract/in-memory-core'
import { openConsoleStore } from './support/console-store'
import { percentile } from './support/stats'
import { notRun, type BenchOptions, type BenchRow } from './support/types'

const ROOT = fileURLToPath(new URL('..', import.meta.url))
const CHROMIUM = '/usr/bin/chromium'
const now = () => performance.timeOrigin + performance.now()

function ensureBuilt(log: (m: string) => void): void {
  if (existsSync(join(ROOT, 'out/renderer/index.html'))) return
  log('building the renderer (electron-vite build)…')
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, encoding: 'utf8' })
  if (result.status !== 0) throw new Error(`electron-vite build failed: ${result.stderr.split('\n')[0]}`)
}

// Page-side code as strings: it runs in Chromium, and this file is type-checked without DOM types.
const SCROLL_TO_BOTTOM = `(async () => {
  const scroller = document.querySelector('[data-testid=video-scroll]')
  const start = performance.now()
  scroller.scrollTop = scroller.scrollHeight
  for (;;) {
    await new Promise((r) => requestAnimationFrame(r))
    const rows = document.querySelectorAll('[data-testid=video-row]')
    const last = rows[rows.length - 1]
    const bottom = last && last.getBoundingClientRect().bottom <= scroller.getBoundingClientRect().bottom + 1
    if (bottom && Math.abs(scroller.scrollTop + scroller.clientHeight - scroller.scrollHeight) < 2) break
    if (performance.now() - start > 10000) break
  }
  await new Promise((r) => requestAnimationFrame(r))
  const ms = performance.now() - start
  scroller.scrollTop = 0
  await new Promise((r) => requestAnimationFrame(r))
  return ms
})()`

/** Resolves `window.__seen` with the wall-clock time the row shows `status`. */
function armStatusWatch(id: string, status: string): string {
  return `(() => {
    window.__seen = new Promise((resolve) => {
      const observer = new MutationObserver(() => {
        const row = document.querySelector('[data-id="${id}"]')
        if (row && row.getAttribute('data-status') === '${status}') {
          observer.disconnect()
          resolve(performance.timeOrigin + performance.now())
        }
      })
      observer.observe(document.body, { subtree: true, attributes: true, attributeFilter: ['data-status'], childList: true })
    })
  })()`
}

interface Backend {
  name: string
  core: CoreHandle
  /** Changes the row's status the way the worker does (row written, then the event), and returns when the event is out. */
  setStatus(video: Video, status: 'processing' | 'downloading'): Promise<void>
  close(): Promise<void>
}

async function inMemoryBackend(count: number, log: (m: string) => void): Promise<Backend> {
  const core = createInMemoryCore()
  log(`console: seeding ${count} videos in memory…`)
  for (let i = 0; i < count; i++) {
    await core.api['videos.enqueue']({ source: { kind: 'file', path: `/videos/clip-${i}.mp4` }, title: `Clip ${String(i).padStart(5, '0')}` })
  }
  return {
    name: 'in-memory API double (the console alone)',
    core,
    async setStatus(video, status) {
      const updatedAt = new Date().toISOString()
      core.events.emit({ type: 'video.updated', at: updatedAt, video: { ...video, processingStatus: status, updatedAt } })
    },
    close: async () => {}
  }
}

interface Figures {
  firstRenderMs: number
  scrollMs: number
  latencies: number[]
  chromium: string
}

async function measure(backend: Backend, count: number, samples: number, log: (m: string) => void): Promise<Figures> {
  const server = await startConsoleServer({ core: backend.core, staticDir: join(ROOT, 'out/renderer') })
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']
  })
  try {
    // The page scripts below are strings (this file has no DOM types); the console's CSP forbids
    // string eval, so the measuring context bypasses it. The console's own code is unchanged.
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, bypassCSP: true })
    page.on('crash', () => log('console: the page crashed'))
    page.on('pageerror', (error) => log(`console: page error: ${error.message}`))
    const t0 = now()
    await page.goto(server.url)
    await page.waitForFunction(`document.querySelector('[data-testid=list-count]')?.textContent === '${count} videos' && document.querySelector('[data-testid=video-row]') !== null`, undefined, { timeout: 120_000, polling: 'raf' })
    const firstRenderMs = now() - t0
    await page.waitForFunction(`document.querySelector('[data-testid=connection]')?.textContent?.includes('live')`, undefined, { timeout: 30_000 })

    // Scroll to the bottom: time until the last row exists in the DOM, painted (next frame).
    const scrollMs = (await page.evaluate(SCROLL_TO_BOTTOM)) as number

    // Event → DOM: a row on screen changes status; the time from the change starting in the
    // server process to the row's new status being in the page's DOM.
    const topId = (await page.evaluate(`document.querySelector('[data-testid=video-row]')?.getAttribute('data-id') ?? ''`)) as string
    const target = (await backend.core.api['videos.get']({ id: topId }))?.video as Video
    const latencies: number[] = []
    for (let i = 0; i < samples; i++) {
      const status = i % 2 === 0 ? 'processing' : 'downloading'
      await page.evaluate(armStatusWatch(target.id, status))
      const sent = now()
      await backend.setStatus(target, status)
      const seen = (await page.evaluate('window.__seen')) as number
      latencies.push(seen - sent)
    }
    return { firstRenderMs, scrollMs, latencies, chromium: browser.version() }
  } finally {
    await browser.close()
    await server.close()
  }
}

export async function benchConsole(opts: BenchOptions): Promise<BenchRow[]> {
  const count = opts.quick ? 1_000 : 10_000
  const samples = opts.quick ? 20 : 200
  const size = `${count.toLocaleString('en')} videos`
  if (!existsSync(CHROMIUM)) return [notRun(`console, ${size}`, `${CHROMIUM} is missing (apt-get install chromium)`, 'lower')]
  ensureBuilt(opts.log)

  const rows: BenchRow[] = []
  const row = (measure: string, value: number, note: string): BenchRow => ({
    measure,
    ours: { value: Math.round(value * 10) / 10, unit: 'ms' },
    peer: 'none',
    peerFigure: null,
    better: 'lower',
    note
  })
  for (const make of [() => openConsoleStore(count, opts.log), () => inMemoryBackend(count, opts.log)]) {
    const backend = await make()
    try {
      opts.log(`console: ${backend.name}`)
      const f = await measure(backend, count, samples, opts.log)
      const on = `, ${backend.name}`
      const how = `Chromium ${f.chromium}, HTTP + SSE on 127.0.0.1`
      rows.push(
        row(`console event → DOM p50, ${size}${on}`, percentile(f.latencies, 50), `${samples} status changes of an on-screen row, from the change starting in the server to the row's new status in the DOM; ${how}`),
        row(`console event → DOM p95, ${size}${on}`, percentile(f.latencies, 95), `${samples} samples`),
        row(`console first render, ${size}${on}`, f.firstRenderMs, 'navigation to all rows listed (query, fetch, parse, sort, virtual render)'),
        row(`console scroll to bottom, ${size}${on}`, f.scrollMs, 'scrollTop to the end until the last row is painted')
      )
    } finally {
      await backend.close()
    }
  }
  return rows
}


if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchConsole({ quick: process.argv.includes('--quick'), log: (m) => process.stderr.write(`${m}\n`) })
  for (const r of rows) console.log(`${r.measure}: ${r.ours ? `${r.ours.value} ${r.ours.unit}` : '-'}  ${r.note ?? ''}`)
}
