import { randomBytes } from 'node:crypto'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createGeminiAnalyzer, type GeminiAnalyzerOptions } from '../../src/adapters/analyzer/gemini'
import { youtubeWatchUrl } from '../../src/adapters/analyzer/gemini-youtube'
import { JobError } from '../../src/core/errors'
import type { AnalyzeContext, FetchedVideo } from '../../src/core/ports'
import { Analysis } from '../../src/shared/analysis'
import { apiError, errors, sampleAnalysis, startFakeGemini, type FakeGemini } from '../support/fake-gemini'

interface Recorded {
  ctx: AnalyzeContext
  statuses: string[]
  stages: Record<string, number>
  progress: [number, number | null][]
  logs: { level: string; message: string; data?: Record<string, unknown> }[]
  controller: AbortController
}

function recorder(): Recorded {
  const controller = new AbortController()
  const r: Omit<Recorded, 'ctx'> = { statuses: [], stages: {}, progress: [], logs: [], controller }
  const ctx: AnalyzeContext = {
    videoId: 'v1',
    title: 'Test pattern',
    signal: controller.signal,
    setStatus: async (s) => void r.statuses.push(s),
    onProgress: (bytes, total) => void r.progress.push([bytes, total]),
    stage: (stage, ms) => void (r.stages[stage] = ms),
    log: (level, message, data) => void r.logs.push({ level, message, ...(data ? { data } : {}) }),
    artifactsDir: os.tmpdir()
  }
  return { ...r, ctx }
}

async function failure(p: Promise<unknown>): Promise<JobError> {
  const error = await p.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(JobError)
  return error as JobError
}

let fake: FakeGemini
let dir = ''
let video: FetchedVideo
const youtube: FetchedVideo = { kind: 'url', url: 'https://youtu.be/dQw4w9WgXcQ' }

function analyzer(extra: Partial<GeminiAnalyzerOptions> = {}) {
  return createGeminiAnalyzer({
    apiKey: fake.apiKey,
    baseUrl: fake.url,
    retry: { minDelayMs: 5, maxDelayMs: 20 },
    poll: { minIntervalMs: 5, maxIntervalMs: 20 },
    uploadSettleMs: 5000,
    now: () => new Date('2026-12-15T12:00:00Z'),
    ...extra
  })
}

beforeAll(async () => {
  fake = await startFakeGemini()
  dir = await mkdtemp(path.join(os.tmpdir(), 'vp-gemini-'))
  // 9 MiB: one full 8 MiB chunk and a final partial one, like a real multi-chunk upload.
  const file = path.join(dir, 'clip.mp4')
  await writeFile(file, randomBytes(9 * 1024 * 1024))
  video = { kind: 'file', path: file, sizeBytes: 9 * 1024 * 1024, temporary: false }
})
afterAll(async () => {
  await fake.close()
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => {
  fake.reset()
})
afterEach(() => {
  const left = fake.storedFiles()
  fake.files.clear() // one leak fails its own test only
  expect(left).toEqual([])
})

describe('gemini analyzer: happy paths', () => {
  it('uploads a local file in chunks, waits for ACTIVE, analyses it and deletes the upload', async () => {
    const r = recorder()
    const analysis = await analyzer().analyze(video, r.ctx)
    expect(Analysis.safeParse(analysis).success).toBe(true)
    expect(analysis.quiz).toHaveLength(5)
    // The default alias answers as the Flash model it names, and is priced as that model.
    expect(analysis.provenance).toMatchObject({ engine: 'gemini', model: 'gemini-3.8-flash' })
    expect(analysis.usage).toMatchObject({ promptTokens: 3310, outputTokens: 200, thoughtsTokens: 70, totalTokens: 3580 })
    expect(analysis.usage?.costUsd).toBeCloseTo((3310 * 0.75 + 270 * 3.75) / 1e6, 9)
    expect(r.statuses).toEqual(['uploading', 'processing'])
    expect(Object.keys(r.stages).sort()).toEqual(['analyze', 'upload', 'wait'])
    expect(r.progress.at(-1)).toEqual([9 * 1024 * 1024, 9 * 1024 * 1024])
    expect(r.progress.map((p) => p[0])).toContain(8 * 1024 * 1024)
    expect(fake.count('upload.chunk')).toBe(2)
    expect(fake.count('files.delete')).toBe(1)

    const body = fake.generateBodies[0] as { contents: { parts: Record<string, unknown>[] }[]; generationConfig: Record<string, unknown> }
    expect(body.contents[0]?.parts[0]).toMatchObject({ fileData: { mimeType: 'video/mp4' } })
    expect(body.contents[0]?.parts[1]?.text).toContain('(titled "Test pattern")')
    expect(body.generationConfig).toMatchObject({ responseMimeType: 'application/json', thinkingConfig: { thinkingLevel: 'LOW' } })
  })

  it('sends a YouTube URL as file data, with no upload', async () => {
    const r = recorder()
    const analysis = await analyzer().analyze(youtube, r.ctx)
    expect(Analysis.safeParse(analysis).success).toBe(true)
    expect(fake.count('upload.start')).toBe(0)
    expect(r.statuses).toEqual([])
    const body = fake.generateBodies[0] as { contents: { parts: Record<string, unknown>[] }[] }
    expect(body.contents[0]?.parts[0]).toEqual({ fileData: { fileUri: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ' } })
  })

  it('polls a PROCESSING file several times before it becomes ACTIVE', async () => {
    fake.nextFile = { processingPolls: 4, finalState: 'ACTIVE' }
    const r = recorder()
    await analyzer().analyze(video, r.ctx)
    expect(fake.count('files.get')).toBe(4)
    expect(r.logs.some((l) => /4 polls/.test(l.message))).toBe(true)
  })
})

describe('gemini analyzer: failures', () => {
  it('fails with the state named when processing ends FAILED, and still deletes the file', async () => {
    fake.nextFile = { processingPolls: 2, finalState: 'FAILED' }
    const e = await failure(analyzer().analyze(video, recorder().ctx))
    expect(e.message).toMatch(/state FAILED/)
    expect(e.retryable).toBe(false)
    expect(fake.count('generate')).toBe(0)
  })

  it('gives up on a file that stays PROCESSING past the poll limit', async () => {
    fake.nextFile = { processingPolls: 10_000, finalState: 'ACTIVE' }
    const e = await failure(analyzer({ pollTimeoutMs: 60 }).analyze(video, recorder().ctx))
    expect(e.failureCause).toBe('timeout')
    expect(e.message).toMatch(/still processing/)
  })

  it('retries a 429 twice, honouring the retry delay, then succeeds', async () => {
    fake.fault('generate', { kind: 'error', reply: errors.rateLimited('0.05s') }, 2)
    const r = recorder()
    const analysis = await analyzer().analyze(youtube, r.ctx)
    expect(analysis.summary).toBeTruthy()
    expect(fake.count('generate')).toBe(3)
    const warnings = r.logs.filter((l) => l.level === 'warn')
    expect(warnings).toHaveLength(2)
    expect(warnings[0]?.data).toMatchObject({ retryDelayMs: 50 })
  })

  it('fails clearly when a 503 storm outlasts the retry budget', async () => {
    fake.fault('generate', { kind: 'error', reply: errors.unavailable() }, 10)
    const e = await failure(analyzer({ maxRetries: 2 }).analyze(video, recorder().ctx))
    expect(fake.count('generate')).toBe(3)
    expect(e.message).toMatch(/HTTP 503 UNAVAILABLE.*overloaded.*after 3 attempts/)
    expect(e.retryable).toBe(true)
  })

  it('retries a 500, and fails a 403 at once with a message naming what to check', async () => {
    fake.fault('generate', { kind: 'error', reply: errors.internal() })
    const r = recorder()
    await analyzer().analyze(youtube, r.ctx)
    expect(fake.count('generate')).toBe(2)
    expect(r.logs.find((l) => l.level === 'warn')?.message).toMatch(/HTTP 500 INTERNAL/)
    fake.reset()
    fake.fault('generate', { kind: 'error', reply: apiError(403, 'PERMISSION_DENIED', 'Generative Language API has not been used in project 123 before or it is disabled.') })
    const e = await failure(analyzer().analyze(youtube, recorder().ctx))
    expect(fake.count('generate')).toBe(1)
    expect([e.retryable, e.failureCause]).toEqual([false, 'configuration'])
    expect(e.message).toMatch(/HTTP 403 PERMISSION_DENIED: permission denied \(the key lacks access to this API or project.*\)\. Generative Language API has not been used/)
  })

  it('does not retry a daily quota 429: the video fails as quota, not retryable', async () => {
    fake.fault('generate', { kind: 'error', reply: errors.dailyQuota() })
    const e = await failure(analyzer().analyze(youtube, recorder().ctx))
    expect(fake.count('generate')).toBe(1)
    expect(e.failureCause).toBe('quota')
    expect(e.retryable).toBe(false)
    expect(e.message).toMatch(/daily quota/)
  })

  it('retries a reset connection and a 502 HTML page', async () => {
    fake.fault('generate', { kind: 'reset' }).fault('generate', { kind: 'error', reply: errors.badGatewayHtml() })
    const r = recorder()
    await analyzer().analyze(youtube, r.ctx)
    expect(fake.count('generate')).toBe(3)
    expect(r.logs.filter((l) => l.level === 'warn').map((l) => l.message).join('\n')).toMatch(/network error[\s\S]*HTTP 502/)
  })

  it('retries a generate call slower than its timeout', async () => {
    fake.fault('generate', { kind: 'delay', ms: 3000 })
    const r = recorder()
    await analyzer({ generateTimeoutMs: 400 }).analyze(youtube, r.ctx)
    expect(fake.count('generate')).toBeGreaterThanOrEqual(2)
    expect(r.logs.find((l) => l.level === 'warn')?.message).toMatch(/generate timed out/)
  })

  it('bounds the upload with its own deadline and leaves no file', async () => {
    fake.fault('upload.chunk', { kind: 'delay', ms: 1500 })
    const e = await failure(analyzer({ uploadTimeoutMs: 300 }).analyze(video, recorder().ctx))
    expect(e.failureCause).toBe('timeout')
    expect(e.message).toMatch(/upload did not finish within/)
    expect(fake.count('upload.chunk')).toBeLessThanOrEqual(1)
  })

  it('resumes an upload whose chunk got a 503 in the same session, then deletes the file', async () => {
    fake.fault('upload.chunk', { kind: 'error', reply: errors.unavailable() })
    await analyzer().analyze(video, recorder().ctx)
    expect(fake.count('upload.start')).toBe(1)
    // The failed chunk never reached the session (the 503 came first): the query reports 0 kept.
    expect(fake.uploadLog.map((u) => [u.command, u.offset])).toEqual([['query', null], ['upload', 0], ['upload, finalize', 8 * 1024 * 1024]])
  })

  it('repairs malformed JSON once', async () => {
    fake.replies.push({ text: '{"summary": "cut off', finishReason: 'MAX_TOKENS' })
    const r = recorder()
    const analysis = await analyzer().analyze(youtube, r.ctx)
    expect(analysis.provenance.warnings.join(' ')).toMatch(/repaired once/)
    expect(analysis.usage?.promptTokens).toBe(3310 * 2)
    const repair = fake.generateBodies[1] as { contents: { role: string }[]; generationConfig: { maxOutputTokens: number } }
    expect(repair.contents.map((c) => c.role)).toEqual(['user', 'model', 'user'])
    expect(repair.generationConfig.maxOutputTokens).toBe(8192 * 2)
  })

  it('fails after one repair, keeping the raw text in the journal', async () => {
    fake.replies.push({ text: 'not json at all' }, { text: JSON.stringify({ ...sampleAnalysis(), quiz: [{ question: 'q', options: ['a', 'b'], answer: 'c', explanation: '' }] }) })
    const r = recorder()
    const e = await failure(analyzer().analyze(video, r.ctx))
    expect(e.failureCause).toBe('model-refusal')
    expect(fake.count('generate')).toBe(2)
    expect(e.message).toMatch(/quiz\.0\.answer/)
    const kept = r.logs.find((l) => l.level === 'error')
    expect(kept?.data?.rawText).toContain('"answer":"c"')
    expect(kept?.data?.firstRawText).toBe('not json at all')
    // Both answers were billed: the failure still reports their tokens and cost.
    expect(e.usage?.model).toBe('gemini-3.8-flash')
    expect(e.usage?.usage).toMatchObject({ promptTokens: 3310 * 2, totalTokens: 3580 * 2 })
    expect(e.usage?.usage.costUsd).toBeCloseTo((2 * 3310 * 0.75 + 2 * 270 * 3.75) / 1e6, 9)
  })

  it('fails a blocked prompt as a refusal without retrying', async () => {
    fake.replies.push({ blockReason: 'SAFETY' })
    const e = await failure(analyzer().analyze(youtube, recorder().ctx))
    expect(e.failureCause).toBe('model-refusal')
    expect(e.usage?.usage.promptTokens).toBeGreaterThan(0)
    expect(fake.count('generate')).toBe(1)
  })

  it('refuses an MKV file before uploading, naming the fix', async () => {
    const mkv = path.join(dir, 'clip.mkv')
    await writeFile(mkv, Buffer.from([0x1a, 0x45, 0xdf, 0xa3, ...Buffer.from('....matroska....')]))
    const e = await failure(analyzer().analyze({ kind: 'file', path: mkv, sizeBytes: 20, temporary: false }, recorder().ctx))
    expect(e.message).toMatch(/does not accept.*transcode it to MP4/)
    expect(fake.count('upload.start')).toBe(0)
  })

  it('says the key was rejected, without the key, and does not retry', async () => {
    const key = 'AIzaSyWRONG-secret-key-123'
    const e = await failure(analyzer({ apiKey: key }).analyze(youtube, recorder().ctx))
    expect(e.message).toMatch(/API key was rejected.*GEMINI_API_KEY/)
    expect(JSON.stringify({ m: e.message, d: e.detail, c: String(e.cause) })).not.toContain(key)
    expect(fake.count('generate')).toBe(1)
  })

  it('fails a private YouTube video as source-missing', async () => {
    fake.privateYoutubeIds.add('dQw4w9WgXcQ')
    const e = await failure(analyzer().analyze(youtube, recorder().ctx))
    fake.privateYoutubeIds.clear()
    expect(e.failureCause).toBe('source-missing')
    expect(e.message).toMatch(/private, unlisted, age-restricted or removed/)
  })
})

describe('gemini analyzer: cancel', () => {
  it('cancel mid-upload stops at the next chunk and leaves no file', async () => {
    const r = recorder()
    fake.once('request', (route) => route === 'upload.start' && r.controller.abort())
    const e = await failure(analyzer().analyze(video, r.ctx))
    expect(e.failureCause).toBe('cancelled')
    expect(e.retryable).toBe(false)
    expect(fake.count('upload.chunk')).toBeLessThanOrEqual(1)
  })

  it('cancel during the final chunk deletes the file the server created', async () => {
    const r = recorder()
    let chunks = 0
    const onRequest = (route: string) => {
      if (route === 'upload.chunk' && ++chunks === 2) r.controller.abort()
    }
    fake.on('request', onRequest)
    const e = await failure(analyzer().analyze(video, r.ctx))
    fake.off('request', onRequest)
    expect(e.failureCause).toBe('cancelled')
    expect(fake.count('files.delete')).toBe(1)
  })

  it('cancel while polling stops waiting and deletes the file', async () => {
    fake.nextFile = { processingPolls: 10_000, finalState: 'ACTIVE' }
    const r = recorder()
    let polls = 0
    const onRequest = (route: string) => {
      if (route === 'files.get' && ++polls === 3) r.controller.abort()
    }
    fake.on('request', onRequest)
    const e = await failure(analyzer().analyze(video, r.ctx))
    fake.off('request', onRequest)
    expect(e.failureCause).toBe('cancelled')
    expect(fake.count('files.delete')).toBe(1)
  })

  it('a worker shutdown during polling stops at once and deletes the file (the pipeline hands the message back)', async () => {
    fake.nextFile = { processingPolls: 10_000, finalState: 'ACTIVE' }
    const r = recorder()
    const onRequest = (route: string) => route === 'files.get' && r.controller.abort({ kind: 'shutdown' })
    fake.on('request', onRequest)
    const e = await failure(analyzer().analyze(video, r.ctx))
    fake.off('request', onRequest)
    expect(e.failureCause).toBe('cancelled')
    expect(fake.count('files.delete')).toBe(1)
  })

  it('cancel during generation aborts the request and deletes the file', async () => {
    fake.fault('generate', { kind: 'delay', ms: 30_000 })
    const r = recorder()
    const onRequest = (route: string) => route === 'generate' && r.controller.abort()
    fake.on('request', onRequest)
    const e = await failure(analyzer().analyze(video, r.ctx))
    fake.off('request', onRequest)
    expect(e.failureCause).toBe('cancelled')
    expect(fake.count('files.delete')).toBe(1)
  })
})

describe('gemini analyzer: check', () => {
  it('accepts an existing model and names a retired one', async () => {
    await expect(analyzer().check()).resolves.toBeUndefined()
    await expect(analyzer({ model: 'gemini-2.5-flash' }).check()).rejects.toThrow(/'gemini-2.5-flash' does not exist or has been retired.*GEMINI_MODEL/)
  })

  it('finds the endpoint through GOOGLE_GEMINI_BASE_URL when no base URL is configured', async () => {
    const saved = { google: process.env.GOOGLE_GEMINI_BASE_URL, ours: process.env.GEMINI_BASE_URL }
    delete process.env.GEMINI_BASE_URL
    process.env.GOOGLE_GEMINI_BASE_URL = fake.url
    try {
      await createGeminiAnalyzer({ apiKey: fake.apiKey }).check()
      expect(fake.count('models.get')).toBe(1)
    } finally {
      if (saved.google === undefined) delete process.env.GOOGLE_GEMINI_BASE_URL
      else process.env.GOOGLE_GEMINI_BASE_URL = saved.google
      if (saved.ours !== undefined) process.env.GEMINI_BASE_URL = saved.ours
    }
  })

  it('deletes at the next start an upload whose delete failed', async () => {
    const dataDir = path.join(dir, 'data')
    fake.fault('files.delete', { kind: 'error', reply: errors.unavailable() }, 3)
    const r = recorder()
    await analyzer({ dataDir }).analyze(video, r.ctx)
    expect(r.logs.some((l) => /Could not delete the uploaded file/.test(l.message))).toBe(true)
    expect(fake.storedFiles()).toHaveLength(1)
    await analyzer({ dataDir }).check()
    expect(fake.storedFiles()).toEqual([])
  })

  it('names a missing prompt file', async () => {
    await expect(analyzer({ promptFile: path.join(dir, 'nope.md') }).check()).rejects.toThrow(/prompt file.*GEMINI_PROMPT_FILE/)
  })

  it('normalises YouTube links to the watch URL Gemini documents', () => {
    const id = 'dQw4w9WgXcQ'
    for (const url of [`https://youtu.be/${id}?t=3`, `https://m.youtube.com/watch?v=${id}&list=x`, `https://www.youtube.com/shorts/${id}`, `https://www.youtube.com/embed/${id}`]) {
      expect(youtubeWatchUrl(url)).toBe(`https://www.youtube.com/watch?v=${id}`)
    }
    expect(youtubeWatchUrl('https://vimeo.com/12345')).toBeNull()
    expect(youtubeWatchUrl('https://www.youtube.com/watch?v=short')).toBeNull()
  })

  it('takes YouTube URLs directly and nothing else', () => {
    const a = analyzer()
    expect(a.acceptsUrl({ kind: 'youtube', url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ' })).toBe(true)
    expect(a.acceptsUrl({ kind: 's3', key: 'a.mp4' })).toBe(false)
  })
})
