import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { apiError, errors, startFakeGemini, type FakeGemini } from '../support/fake-gemini'
import { geminiSettings } from '../support/cloud-settings'
import { makeTestVideo, tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'
import { ARTIFACTS, Serve, cleanEnv, launchChromium, openConsole, skipReason } from './console-harness'

// The causes only a model service produces, made by the protocol-faithful fake Gemini the real
// SDK talks to: a refusal (with the raw answers kept as evidence), a video over the size limit,
// processing that never ends, and a daily quota. Shown in the browser like any other failure.
const TOKEN = 'e2e-gemini-causes-token'
if (skipReason) console.warn(`console Gemini causes e2e skipped: ${skipReason}`)

let dir: string
let cleanup: () => Promise<void>
let fake: FakeGemini
let serve: Serve
let browser: Browser
let page: Page
let clip: string
let slowId = ''

interface Detail {
  video: { processingStatus: string; completedAt: string | null }
}

async function addThroughUi(title: string): Promise<string> {
  if (!(await page.getByTestId('add-videos').isVisible())) await page.getByTestId('open-add').click()
  await page.getByTestId('add-location').fill(clip)
  await page.getByTestId('add-title').fill(title)
  await page.getByTestId('add-submit').click()
  await expect.poll(() => page.getByTestId('add-message').textContent()).toBe(`Queued ${title}`)
  const row = page.getByTestId('video-row').filter({ hasText: title }).first()
  await row.waitFor()
  return (await row.getAttribute('data-id'))!
}

async function expectCause(id: string, cause: string, evidence: (string | RegExp)[], asksBeforeRetry: boolean, shot: string): Promise<void> {
  const end = Date.now() + 90_000
  for (;;) {
    const d = await serve.rpc<Detail | null>('videos.get', { id })
    if (d?.video.processingStatus === 'failed' && d.video.completedAt) break
    if (Date.now() > end) throw new Error(`${id} did not fail: ${JSON.stringify(d?.video)}`)
    await new Promise((r) => setTimeout(r, 250))
  }
  await page.evaluate(`location.hash = ${JSON.stringify(`#/videos/${id}`)}`)
  await expect.poll(() => page.locator('[data-testid=error] [data-testid=cause-chip]').getAttribute('data-cause')).toBe(cause)
  for (const e of evidence) await expect.poll(async () => ((await page.getByTestId('detail').textContent()) ?? '').replace(/\s+/g, ' ')).toMatch(e)
  await page.getByTestId('retry').click()
  if (asksBeforeRetry) {
    await expect.poll(() => page.getByTestId('confirm').textContent()).toMatch(/likely fail again/)
    await page.getByTestId('confirm-cancel').click()
  } else {
    // A cause a retry can fix is queued at once, without a question.
    await expect.poll(() => page.getByTestId('toast').filter({ hasText: 're-queued' }).count()).toBeGreaterThan(0)
    expect(await page.getByTestId('confirm').count()).toBe(0)
  }
  await page.screenshot({ path: path.join(ARTIFACTS, `cause-${shot}.png`) })
}

describe.skipIf(skipReason !== null)('Gemini failure causes in the browser console', () => {
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-gemini-e2e-'))
    fake = await startFakeGemini()
    await mkdir(path.join(dir, 'media'))
    clip = await makeTestVideo(path.join(dir, 'media'), 'talk.mp4')
    await mkdir(ARTIFACTS, { recursive: true })
    serve = new Serve(
      dir,
      cleanEnv({ DATA_DIR: path.join(dir, 'data'), CONSOLE_TOKEN: TOKEN, MAX_RECEIVE_COUNT: '1', GEMINI_PROCESSING_TIMEOUT_SECONDS: '2', ...geminiSettings(fake) }),
      TOKEN
    )
    await serve.start()
    browser = await launchChromium()
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    await openConsole(page, serve)
  })

  afterAll(async () => {
    await browser?.close()
    await serve?.stop()
    await fake?.close()
    await cleanup?.()
  })

  it('model refusal: two answers that are not the analysis, both kept as raw model text', async () => {
    fake.replies.push({ text: 'I am sorry, I cannot describe this video.' }, { text: 'Still no JSON from me.' })
    const id = await addThroughUi('Refused talk')
    await expectCause(id, 'model-refusal', ['Model refusal', 'raw model text', 'I am sorry, I cannot describe this video.', 'Still no JSON from me.'], true, 'model-refusal')
  })

  it('too large: the model service says the video is over its limit', async () => {
    fake.fault('generate', { kind: 'error', reply: apiError(400, 'INVALID_ARGUMENT', 'The input token count (2417004) exceeds the maximum number of tokens allowed (1048576).') })
    const id = await addThroughUi('Very long talk')
    await expectCause(id, 'too-large', ['Too large', /HTTP status\s*400/, 'exceeds the maximum number of tokens'], true, 'too-large')
  })

  it('timeout: the uploaded video stays PROCESSING past the limit', async () => {
    fake.nextFile = { processingPolls: 10_000, finalState: 'ACTIVE' }
    slowId = await addThroughUi('Slow processing')
    await expectCause(slowId, 'timeout', ['Timeout', /PROCESSING|did not finish|within/], false, 'timeout')
    fake.nextFile = { processingPolls: 1, finalState: 'ACTIVE' }
  })

  it('quota: the daily quota is spent; a retry is offered at once', async () => {
    // The timeout test re-queued its video: it must not take the quota fault meant for this one.
    await waitUntil('the re-queued slow video settled', async () => {
      const d = await serve.rpc<Detail | null>('videos.get', { id: slowId })
      return d?.video.processingStatus === 'completed' || (d?.video.processingStatus === 'failed' && d.video.completedAt !== null)
    }, 90_000)
    fake.fault('generate', { kind: 'error', reply: errors.dailyQuota() }, 1)
    const id = await addThroughUi('Over quota')
    await expectCause(id, 'quota', ['Quota or rate limit', 'daily quota exhausted'], false, 'quota-gemini')
  })
})
