import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { copyFile, mkdir, rm } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestVideo, tempDir } from '../support/media'
import { makeClip } from '../support/media-generate'

// The browser console against `video-processor serve` on the embedded defaults (PGlite queue and
// store, local analyzer), driven only through the UI, the way an operator would.
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = path.join(ROOT, 'bin/video-processor.js')
const ARTIFACTS = path.join(ROOT, 'tests/artifacts')
const CHROMIUM = '/usr/bin/chromium'
const TOKEN = 'e2e-console-token'
const skipReason = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: apt-get install -y chromium`
if (skipReason) console.warn(`console e2e skipped: ${skipReason}`)

let dir: string
let cleanup: () => Promise<void>
let serve: ChildProcess
let serveOutput = ''
let baseUrl: string
let browser: Browser
let page: Page
const videos: Record<string, string> = {}
const LECTURE = [
  'The Amazon river flows through Brazil and carries more water than any other river on Earth.',
  'Photosynthesis converts sunlight, water and carbon dioxide into glucose and oxygen inside green leaves.',
  'The Eiffel Tower was completed in Paris in 1889 for the great World Fair exhibition.',
  'Honey bees communicate the location of distant flowers to the hive with a waggle dance.',
  'Mount Everest in Nepal is the highest mountain above sea level on the whole planet.',
  'Copper wire is an excellent conductor of electricity and heat in modern houses.'
].map((text, i) => ({ start: i * 2, end: i * 2 + 1.9, text }))

function cleanEnv(dataDir: string, token = TOKEN): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AWS_|GEMINI_|GOOGLE_|NEXT_PUBLIC_SUPABASE|SUPABASE_|WORKER_|POLL_|DOWNLOAD_DIR|DATA_DIR|READ_ONLY|CONSOLE_TOKEN|HOST|PORT)/.test(k))
  )
  return { ...clean, DATA_DIR: dataDir, POLL_WAIT_SECONDS: '1', CONSOLE_TOKEN: token }
}

async function startServe(dataDir: string, port = '0', token = TOKEN): Promise<string> {
  serveOutput = ''
  serve = spawn(process.execPath, [BIN, 'serve', '--port', port], { cwd: dir, env: cleanEnv(dataDir, token), stdio: ['ignore', 'pipe', 'pipe'] })
  serve.stdout!.on('data', (d: Buffer) => (serveOutput += d.toString()))
  serve.stderr!.on('data', (d: Buffer) => (serveOutput += d.toString()))
  const until = Date.now() + 90_000
  for (;;) {
    const match = /Console on (http:\/\/127\.0\.0\.1:\d+)/.exec(serveOutput)
    if (match?.[1]) return match[1]
    if (serve.exitCode !== null || Date.now() > until) throw new Error(`serve did not start:\n${serveOutput}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

/** The API as the console's own client sees it (for checking the page against the truth). */
async function stopServe(): Promise<void> {
  if (!serve || serve.exitCode !== null) return
  const exited = new Promise((resolve) => serve.once('exit', resolve))
  serve.kill('SIGINT')
  await exited
}

async function rpc<T>(name: string, input?: unknown): Promise<T> {
  const res = await fetch(`${baseUrl}/api/rpc/${name}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json' },
    body: input === undefined ? '' : JSON.stringify(input)
  })
  const body = (await res.json()) as { ok: boolean; result: T }
  return body.result
}

async function addThroughUi(location: string, title: string): Promise<void> {
  if (!(await page.getByTestId('add-videos').isVisible())) await page.getByTestId('open-add').click()
  await page.getByTestId('add-location').fill(location)
  await page.getByTestId('add-title').fill(title)
  await page.getByTestId('add-submit').click()
  await expect.poll(() => page.getByTestId('add-message').textContent()).toBe(`Queued ${title}`)
}

const row = (title: string) => page.getByTestId('video-row').filter({ hasText: title })

describe.skipIf(skipReason !== null)('console in a browser against serve', () => {
  let loads = 0

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-console-e2e-'))
    await mkdir(path.join(dir, 'media'))
    for (const name of ['alpha', 'charlie']) videos[name] = await makeTestVideo(path.join(dir, 'media'), `${name}.mp4`)
    // Bravo speaks (as subtitles), so the local analyzer has text to summarise and ask about.
    videos.bravo = await makeClip(path.join(dir, 'media'), 'bravo.mp4', { seconds: 12, width: 160, height: 90, fps: 10, subtitles: { mode: 'embedded', cues: LECTURE } })
    baseUrl = await startServe(path.join(dir, 'data'))
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']
    })
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.on('load', () => (loads += 1))
    await page.goto(`${baseUrl}/?token=${TOKEN}`)
    await page.locator('[data-ready=true]').waitFor()
    await mkdir(ARTIFACTS, { recursive: true })
  })

  afterAll(async () => {
    await browser?.close()
    await stopServe()
    await cleanup?.()
  })

  it('shows the running worker and its embedded backends, and drops the token from the address', async () => {
    await expect.poll(() => page.getByTestId('worker-state').getAttribute('data-state')).toBe('running')
    const backends = await page.getByTestId('backends').textContent()
    expect(backends).toContain('local (PGlite)')
    expect(backends).toContain('embedded (PGlite)')
    expect(page.url()).not.toContain('token')
    await expect.poll(() => page.getByTestId('connection').textContent()).toContain('live')
    await page.locator('.config summary').click()
    const settings = await page.getByTestId('config').textContent()
    expect(settings).toContain('DATA_DIR')
    expect(settings).not.toContain(TOKEN) // secrets never reach the page
    await page.locator('.config summary').click()
  })

  it('adds three videos through the UI and watches them complete without reloading', async () => {
    for (const name of ['alpha', 'bravo', 'charlie']) await addThroughUi(videos[name]!, `Clip ${name}`)
    for (const name of ['alpha', 'bravo', 'charlie']) {
      await expect.poll(() => row(`Clip ${name}`).getAttribute('data-status'), { timeout: 120_000 }).toBe('completed')
    }
    expect(loads).toBe(1) // the first load only: everything after came over the event stream
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-list.png') })
  })

  it('opens a video and shows its summary, topics and an answerable quiz', async () => {
    await row('Clip bravo').click()
    const detail = page.getByTestId('detail')
    await expect.poll(() => page.getByTestId('detail-title').textContent()).toBe('Clip bravo')
    expect((await page.getByTestId('summary').textContent())?.length).toBeGreaterThan(10)
    expect(await page.getByTestId('topics').locator('li').count()).toBeGreaterThan(0)
    expect(await page.getByTestId('summary').textContent()).toMatch(/Amazon|Photosynthesis|Eiffel|bees|Everest|Copper/)
    const question = page.getByTestId('quiz-question').first()
    await question.waitFor()
    expect(await question.getByTestId('quiz-explanation').count()).toBe(0)
    await question.getByRole('button', { name: 'Show answer' }).click()
    expect(await question.getByTestId('quiz-explanation').textContent()).toMatch(/^Answer: /)
    expect(await detail.getByTestId('status-waterfall').count()).toBeGreaterThan(0)
    expect(await page.getByTestId('player').getAttribute('src')).toMatch(/\/media\/[0-9a-f-]{36}\/video$/)
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-detail.png') })
  })

  it('shows why a missing file failed, and completes it after the file exists and it is retried', async () => {
    // The add dialog refuses a file that is not there, so the file goes away after it was queued
    // (while the worker is stopped), as when a colleague cleans up a shared folder.
    const missing = path.join(dir, 'media', 'delta.mp4')
    await page.getByTestId('worker-stop').click()
    await expect.poll(() => page.getByTestId('worker-state').getAttribute('data-state')).toBe('stopped')
    await copyFile(videos.alpha!, missing)
    await addThroughUi(missing, 'Clip delta')
    await rm(missing)
    await page.getByTestId('worker-start').click()
    await expect.poll(() => row('Clip delta').getAttribute('data-status'), { timeout: 60_000 }).toBe('failed')
    await row('Clip delta').click()
    const error = page.getByTestId('error')
    await error.waitFor()
    expect(await error.textContent()).toContain('Source not found or forbidden')
    expect(await error.textContent()).toContain('delta.mp4')
    expect(await page.getByTestId('failure-group-source-missing').textContent()).toContain('1')
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-failed.png') })

    await copyFile(videos.alpha!, missing)
    await page.getByTestId('retry').click()
    await expect.poll(() => row('Clip delta').getAttribute('data-status'), { timeout: 120_000 }).toBe('completed')
    await expect.poll(() => page.getByTestId('detail').getAttribute('data-status')).toBe('completed')
    await expect.poll(() => page.getByTestId('failure-groups').count()).toBe(0)
  })

  it('stops and starts the worker from the header', async () => {
    await page.getByTestId('worker-stop').click()
    await expect.poll(() => page.getByTestId('worker-state').getAttribute('data-state')).toBe('stopped')
    expect((await rpc<{ state: string }>('worker.status')).state).toBe('stopped')
    await page.getByTestId('worker-start').click()
    await expect.poll(() => page.getByTestId('worker-state').getAttribute('data-state')).toBe('running')
  })

  it('shows statistics that match what happened', async () => {
    const stats = await rpc<{ received: number; processed: number; failed: number; inFlight: number }>('stats.get')
    expect(stats).toMatchObject({ processed: 4, failed: 1, inFlight: 0 })
    expect(stats.received).toBeGreaterThanOrEqual(5)
    await expect.poll(() => page.getByTestId('stat-processed').textContent()).toBe('4')
    await expect.poll(() => page.getByTestId('stat-failed').textContent()).toBe('1')
    await expect.poll(() => page.getByTestId('stat-received').textContent()).toBe(String(stats.received))
    await expect.poll(() => page.getByTestId('stat-inflight').textContent()).toBe('0')
    expect(await page.getByTestId('list-count').textContent()).toBe('4 videos')
  })

  it('filters by status, searches by title and moves with j/k', async () => {
    await page.keyboard.press('Escape')
    await page.keyboard.press('/')
    await page.keyboard.type('charlie')
    await expect.poll(() => page.getByTestId('video-row').count()).toBe(1)
    await page.getByTestId('search').fill('')
    await page.locator('body').click({ position: { x: 5, y: 5 } })
    await page.keyboard.press('j')
    await expect.poll(() => page.locator('[data-testid=video-row][aria-selected=true]').count()).toBe(1)
  })

  it('reconnects by itself after the server restarts, and the history is still there', async () => {
    const port = new URL(baseUrl).port
    await stopServe()
    await expect.poll(() => page.getByTestId('connection').textContent()).toContain('reconnecting')
    baseUrl = await startServe(path.join(dir, 'data'), port)
    await expect.poll(() => page.getByTestId('connection').textContent(), { timeout: 60_000 }).toContain('live')
    await expect.poll(() => page.getByTestId('list-count').textContent()).toBe('4 videos')
    await addThroughUi(videos.charlie!, 'Clip echo')
    await expect.poll(() => row('Clip echo').getAttribute('data-status'), { timeout: 120_000 }).toBe('completed')
    expect(loads).toBe(1)
  })

  it('uploads a file picked in the browser (which knows no paths) and completes it', async () => {
    const foxtrot = path.join(dir, 'media', 'foxtrot.mp4')
    await copyFile(videos.alpha!, foxtrot)
    if (!(await page.getByTestId('add-videos').isVisible())) await page.getByTestId('open-add').click()
    await page.getByTestId('add-files').setInputFiles(foxtrot)
    await expect.poll(() => row('foxtrot').getAttribute('data-status'), { timeout: 120_000 }).toBe('completed')
    expect(await page.getByTestId('add-message').textContent()).toBe('Queued 1 file')
  })

  it('says so when the restarted server no longer accepts the page\'s token', async () => {
    const port = new URL(baseUrl).port
    await stopServe()
    baseUrl = await startServe(path.join(dir, 'data'), port, 'a-different-token')
    await expect.poll(() => page.getByTestId('unauthorized').isVisible(), { timeout: 30_000 }).toBe(true)
    expect(await page.getByTestId('connection').textContent()).toContain('reconnecting')
  })
})
