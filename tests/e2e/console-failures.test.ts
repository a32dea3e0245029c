import { execFile } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { copyFile, mkdir, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { promisify } from 'node:util'
import { unzipSync, strFromU8 } from 'fflate'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { makeTestVideo, tempDir } from '../support/media'
import { makeClip } from '../support/media-generate'
import { ARTIFACTS, BIN, Serve, cleanEnv, launchChromium, openConsole, overlaps, skipReason } from './console-harness'

// Every failure cause the embedded configuration can meet, each made by a real input (a file, a
// URL whose server answers so, a message as a producer would send it), shown in the browser the
// way an operator sees it: the cause, the evidence, whether Retry is offered. Then the tools
// around them: compare, export, deep links, bulk actions, narrow windows, an outage.
const exec = promisify(execFile)
const TOKEN = 'e2e-failures-token'
if (skipReason) console.warn(`console failures e2e skipped: ${skipReason}`)

let dir: string
let cleanup: () => Promise<void>
let serve: Serve
let browser: Browser
let page: Page
let fixtures: Server
let fixtureUrl: string
let closedPort: number
const media: Record<string, string> = {}
const ids: Record<string, string> = {}

interface Detail {
  video: { id: string; processingStatus: string; errorCause: string | null; completedAt: string | null; analysisResult: string | null }
  journal: { type: string; data: Record<string, unknown> | null }[]
}

/** An http server with the answers real servers give: 404, 429, 418, and a download that trickles. */
async function startFixtures(): Promise<Server> {
  const server = createServer((req, res) => {
    const url = req.url ?? '/'
    if (url.startsWith('/missing')) return void res.writeHead(404, { 'Content-Type': 'text/plain' }).end('NoSuchKey: the object missing.mp4 does not exist in this bucket')
    if (url.startsWith('/limited')) return void res.writeHead(429, { 'Content-Type': 'text/plain', 'Retry-After': '60' }).end('Slow down: too many downloads from this address')
    if (url.startsWith('/teapot')) return void res.writeHead(418, { 'Content-Type': 'text/plain' }).end("I'm a teapot, not a video server")
    if (url.startsWith('/slow')) {
      res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': String(50 * 1024 * 1024) })
      const timer = setInterval(() => res.write(Buffer.alloc(4096)), 200)
      res.on('close', () => clearInterval(timer))
      return
    }
    res.writeHead(404).end()
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return server
}

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as AddressInfo).port
  await new Promise((resolve) => probe.close(resolve))
  return port
}

const get = (id: string) => serve.rpc<Detail | null>('videos.get', { id })

async function until<T>(what: string, read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await read()
    if (ok(value)) return value
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value).slice(0, 400)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
}

/** A failure that will not be retried by the queue any more. */
const finalFailure = (id: string) => until(`${id} to fail`, () => get(id), (d) => d?.video.processingStatus === 'failed' && d.video.completedAt !== null)

/** What a producer puts on the queue: the snake_case message format (`video_id`, `source_type`, …). */
async function sendMessage(message: Record<string, unknown>): Promise<string> {
  const id = randomUUID()
  await serve.rpc('queue.send', { body: JSON.stringify({ video_id: id, ...message }) })
  return id
}

async function addThroughUi(location: string, title: string): Promise<string> {
  if (!(await page.getByTestId('add-videos').isVisible())) await page.getByTestId('open-add').click()
  await page.getByTestId('add-location').fill(location)
  await page.getByTestId('add-title').fill(title)
  await page.getByTestId('add-submit').click()
  await expect.poll(() => page.getByTestId('add-message').textContent()).toBe(`Queued ${title}`)
  const row = page.getByTestId('video-row').filter({ hasText: title }).first()
  await row.waitFor()
  return (await row.getAttribute('data-id'))!
}

async function openVideo(id: string): Promise<void> {
  await page.evaluate(`location.hash = ${JSON.stringify(`#/videos/${id}`)}`)
  await expect.poll(() => page.getByTestId('detail').getAttribute('data-id')).toBe(id)
}

/** The cause chip, the evidence, and how Retry behaves: offered at once, after a warning, or not at all. */
async function expectFailure(id: string, cause: string, evidence: (string | RegExp)[], retry: 'offered' | 'asks first' | 'not offered', shot: string): Promise<void> {
  await finalFailure(id)
  await openVideo(id)
  const error = page.getByTestId('error')
  await expect.poll(() => error.locator('[data-testid=cause-chip]').getAttribute('data-cause')).toBe(cause)
  const detail = page.getByTestId('detail')
  // textContent: what the page says, before CSS changes its case.
  for (const e of evidence) await expect.poll(async () => ((await detail.textContent()) ?? '').replace(/\s+/g, ' ')).toMatch(typeof e === 'string' ? new RegExp(e.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')) : e)
  const button = page.getByTestId('retry')
  if (retry === 'not offered') expect(await button.count()).toBe(0)
  else {
    expect(await button.isEnabled()).toBe(true)
    if (retry === 'asks first') {
      await button.click()
      const dialog = page.getByTestId('confirm')
      await dialog.waitFor()
      expect(await dialog.innerText()).toMatch(/likely fail again/)
      await page.screenshot({ path: path.join(ARTIFACTS, `cause-${shot}-retry-asks.png`) })
      await page.getByTestId('confirm-cancel').click()
      expect((await get(id))?.video.processingStatus).toBe('failed')
    }
  }
  await page.screenshot({ path: path.join(ARTIFACTS, `cause-${shot}.png`) })
}

describe.skipIf(skipReason !== null)('debugging failed videos in the browser console', () => {
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-failures-e2e-'))
    const m = path.join(dir, 'media')
    await mkdir(m)
    media.alpha = await makeTestVideo(m, 'alpha.mp4', { seconds: 3 })
    media.lecture = await makeClip(m, 'lecture.mp4', {
      seconds: 8,
      width: 160,
      height: 90,
      fps: 10,
      subtitles: {
        mode: 'embedded',
        cues: [
          { start: 0, end: 1.9, text: 'The Amazon river flows through Brazil and carries more water than any other river.' },
          { start: 2, end: 3.9, text: 'Photosynthesis converts sunlight and water into glucose inside green leaves.' },
          { start: 4, end: 5.9, text: 'Honey bees tell the hive where distant flowers are with a waggle dance.' },
          { start: 6, end: 7.9, text: 'Mount Everest in Nepal is the highest mountain above sea level.' }
        ]
      }
    })
    media.empty = path.join(m, 'empty.mp4')
    await writeFile(media.empty, '')
    media.notes = path.join(m, 'notes.mp4')
    await writeFile(media.notes, 'meeting notes, not a video\n'.repeat(200))
    media.truncated = path.join(m, 'truncated.mp4')
    await copyFile(media.alpha, media.truncated)
    await truncate(media.truncated, Math.floor((await stat(media.truncated)).size / 2))
    fixtures = await startFixtures()
    fixtureUrl = `http://127.0.0.1:${(fixtures.address() as AddressInfo).port}`
    closedPort = await freePort()
    await mkdir(ARTIFACTS, { recursive: true })
    // One delivery each: a failure the queue would retry is final at once, so each test sees its cause settle.
    serve = new Serve(dir, cleanEnv({ DATA_DIR: path.join(dir, 'data'), CONSOLE_TOKEN: TOKEN, MAX_RECEIVE_COUNT: '1' }), TOKEN)
    await serve.start()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await openConsole(page, serve)
  })

  afterAll(async () => {
    await browser?.close()
    await serve?.stop()
    await new Promise((resolve) => (fixtures ? fixtures.close(resolve) : resolve(undefined)))
    await cleanup?.()
  })

  it('configuration: an S3 message without S3 configured, and YouTube without Gemini, name the setting to fix', async () => {
    ids.s3 = await sendMessage({ source_type: 's3', s3_bucket: 'talks', s3_key: 'keynote.mp4', title: 'S3 keynote' })
    await expectFailure(ids.s3, 'configuration', ['Configuration', 'AWS_S3_BUCKET'], 'offered', 'configuration-s3')
    ids.youtube = await sendMessage({ source_type: 'youtube', youtube_url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ', title: 'YouTube talk' })
    await expectFailure(ids.youtube, 'configuration', ['GEMINI_API_KEY'], 'offered', 'configuration-youtube')
  })

  it('unsupported source: a message naming a kind of source nothing here reads', async () => {
    ids.ftp = await sendMessage({ source_type: 'ftp', url: 'ftp://files.example/talk.mp4', title: 'FTP talk' })
    await expectFailure(ids.ftp, 'unsupported-source', ['Unsupported source', 'source_type "ftp" is not supported'], 'not offered', 'unsupported-source')
  })

  it('source not found: the HTTP status and what the server said are shown', async () => {
    ids.missing = await addThroughUi(`${fixtureUrl}/missing.mp4`, 'Missing upload')
    await expectFailure(ids.missing, 'source-missing', [/HTTP status\s*404/, 'NoSuchKey: the object missing.mp4 does not exist'], 'offered', 'source-missing')
  })

  it('unreadable media: a zero-byte file, a text file named .mp4 and a truncated mp4, with what ffprobe said; Retry asks first', async () => {
    // The add dialog refuses a file that is not a video, saying why; a producer's message gets it to the worker.
    if (!(await page.getByTestId('add-videos').isVisible())) await page.getByTestId('open-add').click()
    await page.getByTestId('add-location').fill(media.notes!)
    await page.getByTestId('add-title').fill('Notes named mp4')
    await page.getByTestId('add-submit').click()
    await expect.poll(() => page.getByTestId('add-message').textContent()).toContain('not a video or audio file')
    ids.empty = await sendMessage({ source_type: 'file', file_path: media.empty, title: 'Empty file' })
    ids.notes = await sendMessage({ source_type: 'file', file_path: media.notes, title: 'Notes named mp4' })
    ids.truncated = await sendMessage({ source_type: 'file', file_path: media.truncated, title: 'Truncated clip' })
    await expectFailure(ids.empty, 'unreadable-media', ['empty (0 bytes)', 'The file is empty (0 bytes).'], 'asks first', 'unreadable-media-empty')
    await expectFailure(ids.notes, 'unreadable-media', ['not a video or audio file'], 'asks first', 'unreadable-media-text')
    await expectFailure(ids.truncated, 'unreadable-media', ['moov atom not found', 'ffprobe said'], 'asks first', 'unreadable-media-truncated')
    // The probe of the file as it is now says the same, next to the size of what is there.
    expect(await page.getByTestId('probe-error').innerText()).toContain('moov atom not found')
    expect(await page.getByTestId('media-facts').getAttribute('data-present')).toBe('true')
  })

  it('quota: a server that rate-limits the download', async () => {
    ids.limited = await addThroughUi(`${fixtureUrl}/limited.mp4`, 'Rate limited')
    await expectFailure(ids.limited, 'quota', ['Quota or rate limit', /HTTP status\s*429/, 'Slow down: too many downloads'], 'offered', 'quota')
  })

  it('network: nobody listens at the address; the system error underneath is shown', async () => {
    ids.refused = await addThroughUi(`http://127.0.0.1:${closedPort}/talk.mp4`, 'Refused connection')
    await expectFailure(ids.refused, 'network', ['Network', 'ECONNREFUSED'], 'offered', 'network')
  })

  it('bad message: a producer sent a job it forgot the key of', async () => {
    ids.bad = await sendMessage({ source_type: 's3' })
    await expectFailure(ids.bad, 'bad-message', ['Bad message', 'source_type "s3" needs s3_key'], 'not offered', 'bad-message')
  })

  it('other: an answer no rule knows (HTTP 418) is still shown with its evidence', async () => {
    ids.teapot = await addThroughUi(`${fixtureUrl}/teapot.mp4`, 'Teapot')
    await expectFailure(ids.teapot, 'other', [/HTTP status\s*418/, "I'm a teapot, not a video server"], 'offered', 'other')
  })

  it('cancelled: its own state, not a failure, and not counted as one', async () => {
    ids.slow = await addThroughUi(`${fixtureUrl}/slow.mp4`, 'Slow download')
    await until('the download to start', () => get(ids.slow!), (d) => d?.video.processingStatus === 'downloading')
    await openVideo(ids.slow)
    await page.getByTestId('cancel').click()
    await expect.poll(() => page.getByTestId('detail').getAttribute('data-status'), { timeout: 30_000 }).toBe('cancelled')
    const row = page.locator(`[data-testid=video-row][data-id="${ids.slow}"] [data-testid=status-chip]`)
    expect(await row.getAttribute('data-status')).toBe('cancelled')
    expect((await get(ids.slow))?.video).toMatchObject({ processingStatus: 'failed', errorCause: 'cancelled' })
    expect(await page.getByTestId('error').count()).toBe(0)
    expect(await page.getByTestId('failure-group-cancelled').count()).toBe(0)
    await expect.poll(() => page.getByTestId('table-cancelled').textContent()).toBe('1')
    const stats = await serve.rpc<{ failed: number; cancelled: number }>('stats.get')
    expect(stats.cancelled).toBe(1)
    await expect.poll(() => page.getByTestId('stat-failed').textContent()).toBe(String(stats.failed))
    await page.screenshot({ path: path.join(ARTIFACTS, 'cause-cancelled.png') })
  })

  it('groups failures by cause with whether a retry helps; a bulk retry asks with the count and reports what it skipped', async () => {
    const group = page.getByTestId('failure-group-unreadable-media')
    await expect.poll(() => group.innerText()).toMatch(/3[\s\S]*a retry will likely fail again/)
    await group.getByRole('button', { name: 'Retry…' }).click()
    await expect.poll(() => page.getByTestId('confirm').innerText()).toMatch(/All 3 videos failed for a reason a retry does not fix/)
    await page.getByTestId('confirm-cancel').click()
    expect((await get(ids.empty!))?.video.processingStatus).toBe('failed')

    await page.getByTestId('retry-all-failed').click()
    const dialog = page.getByTestId('confirm')
    await dialog.waitFor()
    const text = await dialog.innerText()
    expect(text).toMatch(/Retry \d+ failed videos in all causes\?/)
    expect(text).toContain('3 will be skipped: permanent cause.')
    expect(text).toContain('2 will be skipped: no recorded source.')
    await page.screenshot({ path: path.join(ARTIFACTS, 'bulk-retry-confirm.png') })
    await page.getByTestId('confirm-ok').click()
    await expect.poll(() => page.getByTestId('toast').filter({ hasText: 're-queued' }).first().textContent()).toMatch(/^\d+ re-queued, 2 skipped: no recorded source, 3 skipped: permanent cause$/)
    await page.screenshot({ path: path.join(ARTIFACTS, 'bulk-retry-toast.png') })
    expect((await get(ids.truncated!))?.video.processingStatus).toBe('failed')
    // They fail again the same way; wait for them to settle before the next tests.
    for (const key of ['missing', 'limited', 'refused', 'teapot', 's3', 'youtube']) await finalFailure(ids[key]!)
  })

  it('filters by cause and searches error text, kept in the address', async () => {
    await page.evaluate(`location.hash = '#/'`)
    await page.getByTestId('search').fill('truncated or damaged')
    await expect.poll(() => page.getByTestId('video-row').count()).toBe(1)
    expect(await page.getByTestId('video-row').first().getAttribute('data-id')).toBe(ids.truncated)
    expect(page.url()).toContain('q=truncated+or+damaged')
    await page.getByTestId('search').fill(`${fixtureUrl}/lim`)
    await expect.poll(() => page.getByTestId('video-row').count()).toBe(1)
    await page.getByTestId('clear-filters').click()
    await page.getByTestId('filter-cause').selectOption('unreadable-media')
    await expect.poll(() => page.getByTestId('video-row').count()).toBe(3)
    expect(page.url()).toContain('cause=unreadable-media')
    expect(await page.getByTestId('list-count').innerText()).toMatch(/^3 of \d+ videos$/)
    await page.getByTestId('clear-filters').click()
  })

  it('compares two runs of a video side by side, the differences marked', async () => {
    const file = path.join(dir, 'media', 'rerun.mp4')
    await copyFile(media.alpha!, file)
    ids.rerun = await addThroughUi(file, 'Run twice')
    await until('the first run', () => get(ids.rerun!), (d) => d?.video.processingStatus === 'completed', 120_000)
    // The file changed between the runs (a new cut with subtitles): the second analysis differs.
    await copyFile(media.lecture!, file)
    await openVideo(ids.rerun)
    await page.getByTestId('retry').click()
    await until('the second run', () => serve.rpc<unknown[]>('videos.analyses', { id: ids.rerun }), (runs) => runs.length === 2, 120_000)
    await page.getByTestId('compare-open').click()
    const compare = page.getByTestId('compare')
    await compare.waitFor()
    expect(page.url()).toContain(`/videos/${ids.rerun}/compare`)
    expect(await page.getByTestId('compare-summary').getAttribute('data-changed')).toBe('true')
    expect(await compare.locator('tr[data-changed=true] th').allInnerTexts()).toEqual(expect.arrayContaining(['transcript', 'duration']))
    expect(await compare.locator('ins.diff-added').count()).toBeGreaterThan(0)
    await page.screenshot({ path: path.join(ARTIFACTS, 'compare-runs.png') })
    await page.getByTestId('compare-close').click()
    // The timed transcript seeks the player, which stays in view.
    await page.getByTestId('transcript').locator('summary').click()
    await page.getByTestId('transcript-segment').nth(2).getByRole('button').click()
    await expect.poll(() => page.getByTestId('player').evaluate((v) => Math.round((v as unknown as { currentTime: number }).currentTime))).toBeGreaterThanOrEqual(4)
    const box = await page.getByTestId('player').boundingBox()
    expect(box && box.y >= 0 && box.y + 20 < 900).toBe(true)
  })

  it('opens a keyframe full size with the text read in it', async () => {
    await openVideo(ids.rerun!)
    const frame = page.getByTestId('keyframe').first()
    await frame.click()
    const lightbox = page.getByTestId('lightbox')
    await lightbox.waitFor()
    const img = await page.getByTestId('lightbox-image').boundingBox()
    expect(img!.width).toBeGreaterThan(150)
    expect(await page.getByTestId('lightbox-text').innerText()).not.toBe('')
    await page.screenshot({ path: path.join(ARTIFACTS, 'keyframe-full-size.png') })
    await page.keyboard.press('Escape')
    await expect.poll(() => lightbox.count()).toBe(0)
  })

  it('exports a debug bundle whose files match the video, from the console and from the CLI', async () => {
    await openVideo(ids.truncated!)
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export').click()])
    const saved = path.join(dir, 'bundle.zip')
    await download.saveAs(saved)
    const files = unzipSync(new Uint8Array(await readFile(saved)))
    const detail = (await get(ids.truncated!))!
    expect(JSON.parse(strFromU8(files['video.json']!))).toMatchObject({ id: ids.truncated, errorCause: 'unreadable-media' })
    const journal = JSON.parse(strFromU8(files['journal.json']!)) as unknown[]
    expect(journal.length).toBe(detail.journal.length)
    expect(JSON.parse(strFromU8(files['probe.json']!)).probeError).toContain('moov atom not found')
    const settings = strFromU8(files['settings.json']!)
    expect(settings).toContain('DATA_DIR')
    expect(settings).not.toContain(TOKEN)
    expect(strFromU8(files['README.txt']!)).toContain(ids.truncated)

    const out = path.join(dir, 'cli-bundle.zip')
    await exec(process.execPath, [BIN, 'export', ids.truncated!, '--out', out], { cwd: dir, env: serve.env })
    const cliFiles = unzipSync(new Uint8Array(await readFile(out)))
    expect(Object.keys(cliFiles).sort()).toEqual(Object.keys(files).sort())
    expect(strFromU8(cliFiles['video.json']!)).toBe(strFromU8(files['video.json']!))

    // A completed video's bundle carries its keyframes and each run's analysis.
    const runs = unzipSync(Buffer.from((await serve.rpc<{ base64: string }>('videos.export', { id: ids.rerun })).base64, 'base64'))
    expect(Object.keys(runs)).toEqual(expect.arrayContaining(['analysis.json', 'analyses/attempt-1.json', 'analyses/attempt-2.json']))
    expect(Object.keys(runs).some((n) => n.startsWith('keyframes/') && n.endsWith('.jpg'))).toBe(true)
  })

  it('a deep link opens the same video with its filter after a reload, and Back returns to the previous one', async () => {
    await page.goto(`${serve.url}/#/videos/${ids.truncated}?status=failed`)
    await page.locator('[data-ready=true]').waitFor()
    await page.reload()
    await page.locator('[data-ready=true]').waitFor()
    await expect.poll(() => page.getByTestId('detail').getAttribute('data-id')).toBe(ids.truncated)
    expect(await page.getByTestId('filter-failed').getAttribute('aria-pressed')).toBe('true')
    await page.locator(`[data-testid=video-row][data-id="${ids.notes}"]`).click()
    await expect.poll(() => page.getByTestId('detail').getAttribute('data-id')).toBe(ids.notes)
    await page.goBack()
    await expect.poll(() => page.getByTestId('detail').getAttribute('data-id')).toBe(ids.truncated)
    expect(page.url()).toContain('status=failed')
  })

  it('holds its layout at 1024×700: the detail is a drawer, nothing overlaps', async () => {
    await page.setViewportSize({ width: 1024, height: 700 })
    const pairwise = async (selectors: string[]) => {
      const boxes = []
      for (const s of selectors) {
        const box = await page.locator(s).first().boundingBox()
        if (box) boxes.push({ s, box })
      }
      for (let i = 0; i < boxes.length; i++)
        for (let j = i + 1; j < boxes.length; j++) expect(overlaps(boxes[i]!.box, boxes[j]!.box), `${boxes[i]!.s} overlaps ${boxes[j]!.s}`).toBe(false)
      return boxes.length
    }
    await page.evaluate(`location.hash = '#/'`)
    expect(await pairwise(['.header .brand', '.header .worker', '.header .controls'])).toBe(3)
    expect(await pairwise(['.stats', '[data-testid=failure-groups]', '.toolbar', '[data-testid=video-list]'])).toBe(4)
    expect(await pairwise(['[data-testid=search]', '.filters', '.selects', '[data-testid=list-count]'])).toBe(4)
    // The list itself stays on screen (its head and a first row), however many failure groups there are.
    const firstRow = (await page.getByTestId('video-row').first().boundingBox())!
    expect(firstRow.y + firstRow.height).toBeLessThanOrEqual(700)
    const columns = await page.locator('.video-head > *').count()
    expect(await pairwise(Array.from({ length: columns }, (_, i) => `.video-head > :nth-child(${i + 1})`))).toBeGreaterThan(4)
    await page.screenshot({ path: path.join(ARTIFACTS, 'layout-1024-list.png') })

    await page.getByTestId('open-add').click()
    expect(await pairwise(['[data-testid=add-videos]', '[data-testid=failure-groups]', '.toolbar', '.stats'])).toBe(4)
    await page.screenshot({ path: path.join(ARTIFACTS, 'layout-1024-add.png') })

    await openVideo(ids.truncated!)
    const drawer = (await page.getByTestId('detail').boundingBox())!
    expect(drawer.x).toBeGreaterThanOrEqual(0)
    expect(drawer.x + drawer.width).toBeLessThanOrEqual(1024.5)
    expect(drawer.height).toBeLessThanOrEqual(700.5)
    expect(await pairwise(['.detail-title', '[data-testid=detail-close]'])).toBe(2)
    expect(await pairwise(['[data-testid=status-chip] >> nth=-1', '.detail-actions'])).toBe(2)
    // Nothing on the page sits above the drawer but dialogs: a click on it lands on it.
    const hit = await page.evaluate(`document.elementFromPoint(${drawer.x + drawer.width / 2}, ${drawer.y + 40})?.closest('[data-testid=detail]') !== null`)
    expect(hit).toBe(true)
    await page.screenshot({ path: path.join(ARTIFACTS, 'layout-1024-detail.png') })
    await page.locator('body').click({ position: { x: 5, y: 690 } }) // outside the drawer: it closes
    await expect.poll(() => page.getByTestId('detail').count()).toBe(0)

    await page.locator('.config summary').click()
    const rows = await page.locator('[data-testid=config] > div').count()
    for (let i = 0; i < rows; i++) {
      const dt = (await page.locator(`[data-testid=config] > div:nth-child(${i + 1}) dt`).boundingBox())!
      const dd = (await page.locator(`[data-testid=config] > div:nth-child(${i + 1}) dd`).boundingBox())!
      expect(overlaps(dt, dd), `setting row ${i + 1}`).toBe(false)
    }
    await page.screenshot({ path: path.join(ARTIFACTS, 'layout-1024-settings.png') })
    await page.locator('.config summary').click()

    await page.keyboard.press('?')
    await page.getByTestId('shortcuts').waitFor()
    await page.screenshot({ path: path.join(ARTIFACTS, 'layout-1024-shortcuts.png') })
    await page.keyboard.press('Escape')
    const background = () => page.evaluate('getComputedStyle(document.body).backgroundColor')
    await page.getByTestId('theme-toggle').click() // system → light
    expect(await background()).toBe('rgb(246, 247, 249)')
    await page.getByTestId('theme-toggle').click() // light → dark
    expect(await page.evaluate('document.documentElement.dataset.theme')).toBe('dark')
    expect(await background()).toBe('rgb(17, 19, 24)')
    await page.screenshot({ path: path.join(ARTIFACTS, 'layout-1024-dark.png') })
    await page.getByTestId('theme-toggle').click() // back to the system's
    await page.setViewportSize({ width: 1440, height: 900 })
  })

  it('offers "Stop now" while draining', async () => {
    ids.drain = await addThroughUi(`${fixtureUrl}/slow.mp4?drain`, 'Slow while draining')
    await until('the download to start', () => get(ids.drain!), (d) => d?.video.processingStatus === 'downloading')
    await page.getByTestId('worker-drain').click()
    await page.getByTestId('worker-stop-now').waitFor()
    await page.screenshot({ path: path.join(ARTIFACTS, 'worker-draining-stop-now.png') })
    await page.getByTestId('worker-stop-now').click()
    await expect.poll(() => page.getByTestId('worker-state').getAttribute('data-state'), { timeout: 30_000 }).toBe('stopped')
    // Handed back to the queue, not failed.
    expect((await get(ids.drain))?.video.processingStatus).toBe('queued')
    await openVideo(ids.drain)
    await page.getByTestId('cancel').click()
    await expect.poll(() => page.getByTestId('detail').getAttribute('data-status')).toBe('cancelled')
  })

  it('an outage shows a banner within 5 s and disables actions; after it, the stopped worker stays stopped and no stale error remains', async () => {
    expect(await page.getByTestId('worker-state').getAttribute('data-state')).toBe('stopped')
    await openVideo(ids.notes!)
    const port = new URL(serve.url).port
    const killed = Date.now()
    await serve.stop('SIGKILL')
    await page.getByTestId('outage').waitFor({ timeout: 5000 })
    expect(Date.now() - killed).toBeLessThan(5000)
    expect(await page.getByTestId('outage').innerText()).toMatch(/^Server unreachable since \d{1,2}:\d{2}.*— data may be stale/)
    expect(await page.getByTestId('retry').isDisabled()).toBe(true)
    expect(await page.getByTestId('export').isDisabled()).toBe(true)
    expect(await page.getByTestId('open-add').isDisabled()).toBe(true)
    expect(await page.getByTestId('worker-start').isDisabled()).toBe(true)
    await page.screenshot({ path: path.join(ARTIFACTS, 'outage-banner.png') })

    await serve.start(port)
    await expect.poll(() => page.getByTestId('outage').count(), { timeout: 60_000 }).toBe(0)
    expect(await page.getByTestId('retry').isEnabled()).toBe(true)
    // The operator stopped it before the crash: it comes back stopped.
    await expect.poll(() => page.getByTestId('worker-state').getAttribute('data-state')).toBe('stopped')
    expect((await serve.rpc<{ state: string }>('worker.status')).state).toBe('stopped')
    expect(await page.locator('[data-testid=toast]').filter({ hasText: /Failed to fetch|Cannot reach/ }).count()).toBe(0)
    expect(await page.locator('body').innerText()).not.toMatch(/Failed to fetch/)
    await page.screenshot({ path: path.join(ARTIFACTS, 'outage-recovered.png') })
  })
})
