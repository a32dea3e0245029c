import { readdir, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/shared/logger'
import { openApp, type App } from '../../src/app/open-app'
import { loadConfig } from '../../src/app/load-config'
import { formatStats } from '../../src/app/stats-lines'
import type { WorkerEvent } from '../../src/shared/events'
import { geminiSettings } from '../support/cloud-settings'
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini'
import { makeTestVideo, tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'

// Gemini chosen by openApp from the environment alone, on the embedded queue and store: the
// prompt and price settings reach the adapter, usage is summed in the statistics, and the
// model is checked before any work starts.
let fake: FakeGemini
let dir: string
let cleanup: () => Promise<void>
let video: string
// Keyed by the model that answers: the default alias is answered by gemini-3.8-flash.
const PRICES = { 'gemini-3.8-flash': { inputPerMTok: 10, outputPerMTok: 100 } }

const configFor = (extra: Record<string, string> = {}) =>
  loadConfig({
    cwd: dir,
    envFileName: null,
    env: {
      DATA_DIR: path.join(dir, 'data'),
      ...geminiSettings(fake),
      GEMINI_PROMPT_FILE: 'my-prompt.md',
      GEMINI_PRICES: JSON.stringify(PRICES),
      POLL_WAIT_SECONDS: '1',
      ...extra
    }
  })

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-gemini-app-'))
  fake = await startFakeGemini()
  video = await makeTestVideo(dir)
  await writeFile(path.join(dir, 'my-prompt.md'), 'House prompt: analyse this lecture{{TITLE}} as JSON.')
})

afterAll(async () => {
  await fake.close()
  await cleanup()
})

describe('Gemini through openApp on embedded defaults', () => {
  it('uses the prompt file and price table from the settings, sums tokens and cost in the statistics, deletes every upload', async () => {
    const app: App = await openApp(configFor(), { logger: createLogger({ level: 'silent' }) })
    const events: WorkerEvent[] = []
    app.core.events.subscribe((e) => events.push(e))
    try {
      await app.check()
      expect(fake.count('models.get')).toBe(1)
      await app.core.start()
      const ids: string[] = []
      for (const title of ['One', 'Two']) ids.push((await app.core.api['videos.enqueue']({ source: { kind: 'file', path: video }, title })).id)
      await waitUntil('both completed', () => ids.every((id) => events.some((e) => e.type === 'video.completed' && e.videoId === id)))

      const prompts = fake.generateBodies.map((b) => JSON.stringify(b))
      expect(prompts).toHaveLength(2)
      expect(prompts.some((p) => p.includes('House prompt: analyse this lecture (titled \\"One\\") as JSON.'))).toBe(true)
      const usages = await Promise.all(ids.map(async (id) => (await app.core.api['videos.get']({ id }))?.analysis?.usage))
      const expectedCost = (u: (typeof usages)[number]) => ((u?.promptTokens ?? 0) * 10 + ((u?.outputTokens ?? 0) + (u?.thoughtsTokens ?? 0)) * 100) / 1e6
      for (const u of usages) {
        expect(u?.totalTokens).toBeGreaterThan(0)
        expect(u?.costUsd).toBeCloseTo(expectedCost(u), 9)
      }
      const stats = await app.core.api['stats.get'](undefined)
      expect(stats.tokens.total).toBe(usages.reduce((n, u) => n + (u?.totalTokens ?? 0), 0))
      expect(stats.tokens.prompt).toBe(usages.reduce((n, u) => n + (u?.promptTokens ?? 0), 0))
      expect(stats.costUsd).toBeCloseTo(expectedCost(usages[0]) + expectedCost(usages[1]), 9)
      expect(formatStats(stats).join('\n')).toContain(`Tokens: ${stats.tokens.total} (prompt ${stats.tokens.prompt}, output ${stats.tokens.output}), cost $${stats.costUsd.toFixed(4)}`)
      expect(JSON.stringify(await app.core.api['config.get'](undefined))).not.toContain(fake.apiKey)
      await app.core.stop()
      expect(fake.storedFiles()).toEqual([])
      expect(fake.deleted).toHaveLength(2)
      expect(await readdir(app.config.downloadDir)).toEqual([])
    } finally {
      await app.close()
    }
  })

  it('fails a video stuck in PROCESSING past GEMINI_PROCESSING_TIMEOUT_SECONDS, and one whose answer stays invalid with the raw text in its journal', async () => {
    const app = await openApp(configFor({ GEMINI_PROCESSING_TIMEOUT_SECONDS: '1', MAX_RECEIVE_COUNT: '1' }), { logger: createLogger({ level: 'silent' }) })
    const events: WorkerEvent[] = []
    app.core.events.subscribe((e) => events.push(e))
    const failed = (id: string) => events.some((e) => e.type === 'video.failed' && e.videoId === id && e.final)
    try {
      await app.core.start()
      fake.nextFile = { processingPolls: 10_000, finalState: 'ACTIVE' }
      const stuck = await app.core.api['videos.enqueue']({ source: { kind: 'file', path: video } })
      await waitUntil('stuck one failed', () => failed(stuck.id))
      const detail = await app.core.api['videos.get']({ id: stuck.id })
      expect(detail?.video.errorCause).toBe('timeout')
      expect(detail?.video.analysisResult).toMatch(/^Error: Gemini still processing the video after 1 s \(file files\/\S+ state PROCESSING\)/)
      expect(fake.storedFiles()).toEqual([])

      fake.nextFile = { processingPolls: 0, finalState: 'ACTIVE' }
      fake.replies.push({ text: 'not json at all' }, { text: '{"summary": "still not an analysis"}' })
      const garbled = await app.core.api['videos.enqueue']({ source: { kind: 'youtube', url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ' } })
      await waitUntil('garbled one failed', () => failed(garbled.id))
      const g = await app.core.api['videos.get']({ id: garbled.id })
      expect(g?.video).toMatchObject({ processingStatus: 'failed', errorCause: 'model-refusal', isProcessed: false })
      expect(g?.video.analysisResult).toMatch(/^Error: Gemini's answer did not validate after one repair/)
      const kept = g?.journal.find((j) => j.level === 'error' && j.data?.['rawText'] !== undefined)
      expect(kept?.data).toMatchObject({ rawText: '{"summary": "still not an analysis"}', firstRawText: 'not json at all' })
      // The two unusable answers were billed: their tokens count in the statistics.
      const stats = await app.core.api['stats.get'](undefined)
      expect(stats.failed).toBe(2)
      expect(stats.tokens.prompt).toBe(2 * 3310)
      expect(stats.costUsd).toBeCloseTo((2 * 3310 * 10 + 2 * 270 * 100) / 1e6, 9)
    } finally {
      await app.close()
    }
  })

  it('refuses to start on a retired model with one clear line, before any upload', async () => {
    const before = fake.count('upload.start')
    const app = await openApp(configFor({ GEMINI_MODEL: 'gemini-2.5-flash' }), { logger: createLogger({ level: 'silent' }) })
    try {
      await expect(app.check()).rejects.toThrow(/^Gemini model 'gemini-2.5-flash' does not exist or has been retired \(HTTP 404\): set GEMINI_MODEL/)
      expect(fake.count('upload.start')).toBe(before)
    } finally {
      await app.close()
    }
  })
})
