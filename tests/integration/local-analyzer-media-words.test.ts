import { execFile } from 'node:child_process'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalAnalyzer } from '../../src/adapters/analyzer/local'
import { findRecognizer } from '../../src/adapters/analyzer/local/speech'
import { openDatabase, type EmbeddedDb } from '../../src/adapters/embedded/database'
import { createLocalQueue } from '../../src/adapters/queue/local'
import { createFileSource } from '../../src/adapters/source/file'
import { createEmbeddedStore } from '../../src/adapters/store/embedded'
import { createJournal } from '../../src/adapters/store/journal'
import { createCore } from '../../src/core/create-core'
import type { WorkerEvent } from '../../src/shared/events'
import { ffmpeg, makeClip, tempDir, tool } from '../support/media-generate'

const exec = promisify(execFile)
const hasFfmpeg = Boolean((await tool('ffmpeg')) && (await tool('ffprobe')))
const recognizer = hasFfmpeg ? await findRecognizer('ffmpeg', false) : null
const canSpeak = recognizer?.kind === 'pocketsphinx' && Boolean(await tool('flite'))

/**
 * "Water", "energy" and "carbon dioxide" are each said twice on purpose: a spoken phrase becomes a
 * topic only when it is heard well more than once, and a paragraph this long still has some heard
 * well when a sentence or two fall under the confidence bar.
 */
const LEAF =
  'Plants make their own food through photosynthesis. Inside the leaf, chlorophyll captures the energy of sunlight. ' +
  'Water travels up from the roots, and carbon dioxide enters through small pores called stomata. ' +
  'The light reactions split water and release oxygen. Then the Calvin cycle uses that energy to build glucose from carbon dioxide.'

describe('local analyzer: words that match the media', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-media-words-'))
  })
  afterAll(async () => cleanup())

  it.skipIf(!canSpeak)('describes an audio-only file as a recording, with topics and options taken from what was reliably heard', async () => {
    const raw = path.join(dir, 'leaf.wav')
    await exec('flite', ['-voice', 'rms', '-t', LEAF, '-o', raw])
    const file = path.join(dir, 'leaf.m4a')
    await ffmpeg(['-i', raw, '-af', 'adelay=500,apad=pad_dur=1', '-c:a', 'aac', '-b:a', '64k', file])
    const artifactsDir = path.join(dir, 'artifacts', 'leaf')
    await mkdir(artifactsDir, { recursive: true })
    const a = await createLocalAnalyzer({ dataDir: dir }).analyze(
      { kind: 'file', path: file, sizeBytes: 0, temporary: false },
      { videoId: 'leaf', title: null, signal: AbortSignal.timeout(180_000), setStatus: async () => {}, onProgress: () => {}, stage: () => {}, log: () => {}, artifactsDir }
    )
    expect(a.summary).not.toMatch(/\bshots?\b/)
    expect(a.summary).toMatch(/recording|audio/)
    expect(a.keyframes ?? []).toEqual([])
    const reliable = (a.transcript?.segments ?? []).filter((s) => !s.low).map((s) => s.text.toLowerCase()).join(' ')
    const inReliable = (phrase: string) => phrase.toLowerCase().split(/\s+/).every((w) => new RegExp(`\\b${w}`).test(reliable))
    expect(a.topics.length).toBeGreaterThan(0)
    for (const t of a.topics) expect(inReliable(t), `${t} in "${reliable}"`).toBe(true)
    expect(new Set(a.topics.map((t) => t.toLowerCase())).size).toBe(a.topics.length)
    for (const q of a.quiz) {
      expect(new Set(q.options.map((o) => o.toLowerCase())).size).toBe(q.options.length)
      for (const o of q.options) expect(inReliable(o), `${o} in "${reliable}"`).toBe(true)
    }
  })

  it.skipIf(!hasFfmpeg)('describes an audio-only file with nothing to understand as audio, never by its "shots"', async () => {
    const file = path.join(dir, 'beeps.m4a')
    await ffmpeg(['-f', 'lavfi', '-i', 'sine=frequency=660:beep_factor=3:duration=7', '-f', 'lavfi', '-i', 'anullsrc=r=44100:cl=mono:d=3', '-filter_complex', '[0:a][1:a]concat=n=2:v=0:a=1', '-c:a', 'aac', file])
    const artifactsDir = path.join(dir, 'artifacts', 'beeps')
    await mkdir(artifactsDir, { recursive: true })
    const a = await createLocalAnalyzer({ dataDir: dir, speech: false }).analyze(
      { kind: 'file', path: file, sizeBytes: 0, temporary: false },
      { videoId: 'beeps', title: null, signal: AbortSignal.timeout(60_000), setStatus: async () => {}, onProgress: () => {}, stage: () => {}, log: () => {}, artifactsDir }
    )
    expect(a.summary).toMatch(/^A 0:10 audio-only file with mono aac audio\.$/)
    expect(a.topics).toContain('audio only')
  })

  let db: EmbeddedDb | null = null
  afterAll(async () => db?.close())

  it.skipIf(!hasFfmpeg)('reports the analysis of a file as "analysing", never as an upload', async () => {
    db = await openDatabase(null)
    const video = await makeClip(dir, 'tone.mp4', { seconds: 8, audio: 'tone' })
    const downloadDir = path.join(dir, 'downloads')
    await mkdir(downloadDir, { recursive: true })
    const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined }
    const core = createCore(
      {
        queue: createLocalQueue(db, { visibilityTimeoutSeconds: 30, maxReceiveCount: 3, name: 'media-words', pollIntervalMs: 100 }),
        sources: [createFileSource()],
        analyzer: createLocalAnalyzer({ dataDir: dir, ocr: false, speech: false }),
        store: createEmbeddedStore(db),
        journal: createJournal(db),
        clock: { now: () => new Date() },
        logger: silent
      },
      { concurrency: 1, pollWaitSeconds: 1, maxReceiveCount: 3, shutdownDeadlineSeconds: 1, downloadDir, dataDir: dir, readOnly: false, publicConfig: {}, backoffSeconds: () => 0 }
    )
    const events: WorkerEvent[] = []
    core.events.subscribe((e) => events.push(e))
    const { id } = await core.api['videos.enqueue']({ source: { kind: 'file', path: video }, title: 'tone' })
    await core.start()
    for (let i = 0; i < 600 && !events.some((e) => e.type === 'video.completed' || e.type === 'video.failed'); i++) await new Promise((r) => setTimeout(r, 50))
    await core.stop()
    const progress = events.flatMap((e) => (e.type === 'video.progress' && e.videoId === id ? [e.stage] : []))
    expect(progress).toContain('analysing')
    expect(progress).not.toContain('uploading')
    const detail = await core.api['videos.get']({ id })
    const lines = (detail?.journal ?? []).filter((j) => j.type === 'video.progress').map((j) => j.message)
    expect(lines.some((l) => /^analysing: \d+ % of the file$/.test(l)), lines.join(' | ')).toBe(true)
    expect(lines.some((l) => l.startsWith('uploading'))).toBe(false)
    await core.close()
  })
})
