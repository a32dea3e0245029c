import { createHash, randomBytes } from 'node:crypto'
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { createGeminiAnalyzer, type GeminiAnalyzerOptions } from '../../src/adapters/analyzer/gemini'
import { JobError } from '../../src/core/errors'
import type { AnalyzeContext, FetchedVideo } from '../../src/core/ports'
import { errors, startFakeGemini, type FakeGemini } from '../support/fake-gemini'

// The Gemini adapter against the fake as the real API behaves at the end of 2026: a gateway
// mounted under a path, uploads cut in the middle, the per-file size limit, rerouted models,
// dated prices and the error bodies the service really sends.

const MiB = 1024 * 1024
const BEFORE_2027 = new Date('2026-12-15T12:00:00Z')
const AFTER_2027 = new Date('2027-01-01T00:00:01Z')

interface Recorded {
  ctx: AnalyzeContext
  logs: { level: string; message: string; data?: Record<string, unknown> }[]
  progress: number[]
}

function recorder(): Recorded {
  const logs: Recorded['logs'] = []
  const progress: number[] = []
  const ctx: AnalyzeContext = {
    videoId: 'v1', title: null, signal: new AbortController().signal, artifactsDir: os.tmpdir(),
    setStatus: async () => {}, onProgress: (sent) => void progress.push(sent), stage: () => {},
    log: (level, message, data) => void logs.push({ level, message, ...(data ? { data } : {}) })
  }
  return { ctx, logs, progress }
}

async function failure(p: Promise<unknown>): Promise<JobError> {
  const error = await p.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(JobError)
  return error as JobError
}

let fake: FakeGemini
let gateway: FakeGemini
let dir = ''
let clip: FetchedVideo & { kind: 'file' }
let clipHash = ''
const youtube: FetchedVideo = { kind: 'url', url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ' }

function analyzer(extra: Partial<GeminiAnalyzerOptions> = {}, on: FakeGemini = fake) {
  return createGeminiAnalyzer({
    apiKey: on.apiKey, baseUrl: on.url, retry: { minDelayMs: 5, maxDelayMs: 20 }, poll: { minIntervalMs: 5, maxIntervalMs: 20 },
    uploadSettleMs: 5000, now: () => BEFORE_2027, ...extra
  })
}

beforeAll(async () => {
  fake = await startFakeGemini()
  gateway = await startFakeGemini({ prefix: '/v1/acct/google-ai-studio' })
  dir = await mkdtemp(path.join(os.tmpdir(), 'vp-gemini-wire-'))
  // 30 MiB: three full 8 MiB chunks and a 6 MiB final one.
  const bytes = randomBytes(30 * MiB)
  clipHash = createHash('sha256').update(bytes).digest('base64')
  const file = path.join(dir, 'clip.mp4')
  await writeFile(file, bytes)
  clip = { kind: 'file', path: file, sizeBytes: bytes.length, temporary: false }
})
afterAll(async () => {
  await fake.close()
  await gateway.close()
  await rm(dir, { recursive: true, force: true })
})
beforeEach(() => {
  fake.reset()
  gateway.reset()
})
afterEach(() => {
  const left = [...fake.storedFiles(), ...gateway.storedFiles()]
  fake.files.clear()
  gateway.files.clear()
  expect(left).toEqual([])
})

describe('uploads', () => {
  it('sends the start request and every chunk through a gateway mounted under a path', async () => {
    const analysis = await analyzer({}, gateway).analyze(clip, recorder().ctx)
    expect(analysis.summary).toBeTruthy()
    expect(gateway.count('unknown')).toBe(0)
    expect(gateway.count('upload.start')).toBe(1)
    expect(gateway.count('upload.chunk')).toBe(4)
    expect(gateway.requests.every((r) => r.route !== 'unknown')).toBe(true)
    expect(gateway.deleted[0]?.sha256Hash).toBe(clipHash)
  })

  it('resumes an upload cut at 60% from the offset the service reports, in the same session', async () => {
    fake.cutUploadAt = Math.round(clip.sizeBytes * 0.6)
    const r = recorder()
    await analyzer().analyze(clip, r.ctx)
    expect(fake.count('upload.start')).toBe(1)
    const query = fake.uploadLog.findIndex((u) => u.command === 'query')
    expect(query).toBeGreaterThan(0)
    const next = fake.uploadLog[query + 1]
    // The fake kept every byte before the cut, 18 MiB: not a chunk boundary, so only its report gives it.
    expect(next?.offset).toBe(Math.round(clip.sizeBytes * 0.6))
    expect(fake.bytesReceived).toBe(clip.sizeBytes)
    expect(fake.deleted[0]?.sha256Hash).toBe(clipHash)
    expect(r.logs.some((l) => l.level === 'warn' && /resuming at byte 18874368/.test(l.message))).toBe(true)
  })

  it('rides out a 2 s outage after the cut: asks the session again until it answers, then resumes', async () => {
    fake.cutUploadAt = 20 * MiB
    fake.once('upload-cut', () => fake.downFor(2000))
    const r = recorder()
    const started = Date.now()
    await analyzer({ retry: { minDelayMs: 300, maxDelayMs: 5000 } }).analyze(clip, r.ctx)
    expect(Date.now() - started).toBeGreaterThanOrEqual(2000)
    expect(r.logs.filter((l) => /resuming at byte 20971520/.test(l.message))).toHaveLength(1)
    expect(fake.count('upload.start')).toBe(1)
    expect(fake.bytesReceived).toBe(clip.sizeBytes)
    expect(fake.deleted[0]?.sha256Hash).toBe(clipHash)
  })

  it('asks the session what it kept when a chunk is answered without an upload status, and goes on from there', async () => {
    fake.dropStatusOnce = true
    await analyzer().analyze(clip, recorder().ctx)
    expect(fake.uploadLog.map((u) => [u.command, u.offset])).toEqual([
      ['upload', 0], ['query', null], ['upload', 8 * MiB], ['upload', 16 * MiB], ['upload, finalize', 24 * MiB]
    ])
    expect(fake.bytesReceived).toBe(clip.sizeBytes)
    expect(fake.deleted[0]?.sha256Hash).toBe(clipHash)
  })

  it('uses the file of a finished upload whose last answer was lost, instead of uploading it twice', async () => {
    fake.loseFinalResponseOnce = true
    await analyzer().analyze(clip, recorder().ctx)
    expect(fake.count('upload.start')).toBe(1)
    expect(fake.uploadLog.at(-1)?.command).toBe('query')
    expect(fake.deleted).toHaveLength(1)
    expect(fake.deleted[0]?.sha256Hash).toBe(clipHash)
  })

  it('starts a new session when the cut one is gone', async () => {
    fake.cutUploadAt = 20 * MiB
    fake.once('upload-cut', () => fake.dropUploadSessions())
    await analyzer().analyze(clip, recorder().ctx)
    expect(fake.count('upload.start')).toBe(2)
    expect(fake.uploadLog.filter((u) => u.command === 'query')).toHaveLength(1)
    expect(fake.deleted[0]?.sha256Hash).toBe(clipHash)
  })

  it('checks the byte count the service reports: a short file is deleted and the attempt fails for a retry', async () => {
    fake.reportSizeOnce = 105_032_704
    const e = await failure(analyzer().analyze(clip, recorder().ctx))
    expect([e.failureCause, e.retryable]).toEqual(['network', true])
    expect(e.message).toMatch(/stored 105032704 bytes .* but the video has 31457280/)
    expect(fake.count('files.delete')).toBe(1)
    expect(fake.count('generate')).toBe(0)
  })

  it('fails a file over the per-file limit at once as too-large, naming the limit and the size', async () => {
    const e = await failure(analyzer({ maxFileBytes: 20_000_000 }).analyze(clip, recorder().ctx))
    expect(e.failureCause).toBe('too-large')
    expect(e.retryable).toBe(false)
    expect(e.message).toContain('31.5 MB (31457280 bytes)')
    expect(e.message).toContain('limit of 20.0 MB')
    expect(e.message).toContain('GEMINI_MAX_FILE_MB')
    expect(fake.count('upload.start')).toBe(0)
  })

  it('declares the size from fstat: a sparse file past 4 GiB is not cut to its size modulo 2^32', async () => {
    const sparse = path.join(dir, 'sparse.mp4')
    await writeFile(sparse, Buffer.from('\x00\x00\x00\x18ftypmp42'))
    await truncate(sparse, 4 * 1024 * MiB + 100)
    // A stop right after the start: the declared size is what this test is about.
    const controller = new AbortController()
    fake.once('request', (route) => route === 'upload.start' && controller.abort())
    const r = recorder()
    await failure(analyzer({ maxFileBytes: 10e9 }).analyze({ kind: 'file', path: sparse, sizeBytes: 0, temporary: false }, { ...r.ctx, signal: controller.signal }))
    expect(fake.declaredSizes).toEqual([4 * 1024 * MiB + 100])
    await rm(sparse)
  })
})

describe('models and cost', () => {
  it('defaults to the current Flash alias and prices by the model that answered', async () => {
    const analysis = await analyzer().analyze(youtube, recorder().ctx)
    expect(fake.requests.find((r) => r.route === 'generate')?.path).toContain('models/gemini-flash-latest:generateContent')
    expect(analysis.provenance.model).toBe('gemini-3.8-flash')
    // 3310 prompt tokens, 200 output + 70 thinking, at gemini-3.8-flash's 2026 prices.
    expect(analysis.usage?.costUsd).toBeCloseTo((3310 * 0.75 + 270 * 3.75) / 1e6, 9)
    expect(analysis.usage?.pricedBy).toBe('list prices of 2026-12-01')
  })

  it('applies the 2027-01-01 price change by itself', async () => {
    const analysis = await analyzer({ now: () => AFTER_2027 }).analyze(youtube, recorder().ctx)
    expect(analysis.usage?.costUsd).toBeCloseTo((3310 * 1.5 + 270 * 7.5) / 1e6, 9)
  })

  it('GEMINI_PRICES still wins, for the model that answered', async () => {
    const analysis = await analyzer({ prices: { 'gemini-3.8-flash': { inputPerMTok: 10, outputPerMTok: 100 } }, now: () => AFTER_2027 }).analyze(youtube, recorder().ctx)
    expect(analysis.usage?.costUsd).toBeCloseTo((3310 * 10 + 270 * 100) / 1e6, 9)
    expect(analysis.usage?.pricedBy).toBe('GEMINI_PRICES')
  })

  it('costs a rerouted deprecated model at its replacement’s price and says so', async () => {
    const r = recorder()
    const analysis = await analyzer({ model: 'gemini-3.5-flash' }).analyze(youtube, r.ctx)
    expect(analysis.provenance.model).toBe('gemini-3.6-flash')
    expect(analysis.usage?.costUsd).toBeCloseTo((3310 * 1.5 + 270 * 7.5) / 1e6, 9)
    expect(analysis.provenance.warnings.join(' ')).toMatch(/'gemini-3.5-flash' with 'gemini-3.6-flash'/)
  })

  it('check() warns, without failing, on a deprecated model Google reroutes, naming the replacement', async () => {
    const warnings: string[] = []
    const logger = { info: () => {}, debug: () => {}, error: () => {}, warn: (m: string) => void warnings.push(m) }
    await expect(analyzer({ model: 'gemini-3.5-flash', logger }).check()).resolves.toBeUndefined()
    expect(warnings).toEqual([expect.stringMatching(/'gemini-3.5-flash' is deprecated.*routes its requests to gemini-3.6-flash/)])
    warnings.length = 0
    await analyzer({ logger }).check()
    expect(warnings).toEqual([])
  })
})

describe('errors as the real API sends them', () => {
  it('a YouTube video too long for the context is too-large, not a refused URL', async () => {
    fake.fault('generate', { kind: 'error', reply: errors.youtubeTooLong() })
    const e = await failure(analyzer().analyze(youtube, recorder().ctx))
    expect([e.failureCause, e.retryable]).toEqual(['too-large', false])
    expect(e.message).toMatch(/too long for the model's context/)
    expect(e.message).not.toMatch(/refused the YouTube URL/)
  })

  it('a private or age-restricted YouTube video is source-missing, saying what Gemini can read', async () => {
    fake.fault('generate', { kind: 'error', reply: errors.youtubeUnavailable() })
    const e = await failure(analyzer().analyze(youtube, recorder().ctx))
    expect([e.failureCause, e.retryable]).toEqual(['source-missing', false])
    expect(e.message).toMatch(/private, unlisted, age-restricted or removed/)
    expect(fake.count('generate')).toBe(1)
  })

  it('a live stream URL ("Unsupported MIME type: text/html") is an unsupported source, not a format to transcode', async () => {
    fake.fault('generate', { kind: 'error', reply: errors.youtubeLive() })
    const e = await failure(analyzer().analyze(youtube, recorder().ctx))
    expect(e.failureCause).toBe('unsupported-source')
    expect(e.message).toMatch(/live stream/)
    expect(e.message).not.toMatch(/transcode/)
  })

  it('a 429 with per-minute and per-day violations is retried while the daily limit is not reached', async () => {
    fake.fault('generate', { kind: 'error', reply: errors.minuteAndDay('250') })
    const r = recorder()
    await analyzer().analyze(youtube, r.ctx)
    expect(fake.count('generate')).toBe(2)
    expect(r.logs.find((l) => l.level === 'warn')?.data).toMatchObject({ retryDelayMs: 20 })
  })

  it('the daily violation wins when its limit is reached (limit 0: the tier may not use the model)', async () => {
    fake.fault('generate', { kind: 'error', reply: errors.minuteAndDay('0') })
    const e = await failure(analyzer().analyze(youtube, recorder().ctx))
    expect(fake.count('generate')).toBe(1)
    expect([e.failureCause, e.retryable]).toEqual(['quota', false])
    expect(e.message).toMatch(/daily quota.*PerDay/)
  })

  it('a 429 with only a Help link is retried with our own backoff', async () => {
    fake.fault('generate', { kind: 'error', reply: errors.helpOnly() }, 2)
    const r = recorder()
    await analyzer().analyze(youtube, r.ctx)
    expect(fake.count('generate')).toBe(3)
    expect(r.logs.filter((l) => l.level === 'warn').every((l) => l.data?.retryDelayMs === undefined)).toBe(true)
  })

  it('reads an error whose message is itself JSON-encoded', async () => {
    fake.fault('generate', { kind: 'error', reply: errors.doubleEncoded(errors.minuteAndDay('0')) })
    const e = await failure(analyzer().analyze(youtube, recorder().ctx))
    expect([e.failureCause, e.retryable]).toEqual(['quota', false])
    expect(e.message).toMatch(/daily quota/)
    expect(e.message).not.toContain('\\"')
  })
})
