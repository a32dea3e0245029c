import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, stat } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { detectCapabilities } from '../../src/adapters/analyzer/ffmpeg-path'
import { createLocalAnalyzer } from '../../src/adapters/analyzer/local'
import { DEFAULT_MODEL_DIR, findRecognizer, recognize } from '../../src/adapters/analyzer/local/speech'
import { Analysis } from '../../src/shared/analysis'
import { ffmpeg, makeSlideLecture, tempDir, tool, wordErrorRate, type Lecture } from '../support/media-generate'

const hasFfmpeg = Boolean((await tool('ffmpeg')) && (await tool('ffprobe')))
const hasFlite = Boolean(await tool('flite'))
const caps = hasFfmpeg ? await detectCapabilities('ffmpeg') : null
const recognizer = caps ? await findRecognizer('ffmpeg', caps.filters.has('asr')) : null
const skipReason = !hasFfmpeg
  ? 'ffmpeg not installed (apt-get install ffmpeg)'
  : !hasFlite
    ? 'flite not installed (apt-get install flite), so no speech can be generated'
    : !recognizer
      ? `no speech recognizer: neither pocketsphinx_continuous nor ffmpeg's asr filter with the model in ${DEFAULT_MODEL_DIR} (apt-get install pocketsphinx-en-us)`
      : null
if (skipReason) console.warn(`[local-analyzer-lecture] skipped: ${skipReason}`)

const slides = [
  {
    title: 'How the Internet Moves Data',
    body: 'Packets and protocols',
    speech: 'Today we talk about how the internet moves data from one computer to another. Every message is broken into small pieces called packets.'
  },
  {
    title: 'Packets and Routers',
    body: 'Headers carry addresses',
    speech: 'Each packet carries a header with the address of the receiver. Routers read the header and forward the packet to the next network.'
  },
  {
    title: 'Reliable Delivery',
    body: 'Acknowledgements and order',
    speech: 'The transmission control protocol puts the packets back in the right order. Lost packets are sent again until the receiver confirms them.'
  }
]

const words = (s: string) => s.toLowerCase().replace(/[^a-z' ]+/g, ' ').split(/\s+/).filter(Boolean)
const seconds = (stamp: string) => stamp.split(':').reduce((a, p) => a * 60 + Number(p), 0)

describe.skipIf(skipReason !== null)('local analyzer: a narrated slide lecture', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  let lecture: Lecture
  let result: Analysis

  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir())
    lecture = await makeSlideLecture(dir, 'lecture.mp4', slides)
    const artifactsDir = path.join(dir, 'artifacts', 'lecture')
    await mkdir(artifactsDir, { recursive: true })
    result = await createLocalAnalyzer({ dataDir: dir }).analyze(
      { kind: 'file', path: lecture.file, sizeBytes: 0, temporary: false },
      { videoId: 'lecture', title: null, signal: new AbortController().signal, setStatus: async () => {}, onProgress: () => {}, stage: () => {}, log: () => {}, artifactsDir }
    )
  })
  afterAll(async () => cleanup())

  it('validates and says the transcript is a machine transcript', () => {
    expect(Analysis.safeParse(result).success).toBe(true)
    expect(result.provenance).toMatchObject({ engine: 'local', model: 'local:full', transcriptSource: 'speech-recognition' })
    expect(result.provenance.warnings.some((w) => w.startsWith('machine transcript'))).toBe(true)
  })

  it('makes one chapter per slide, each starting within 1 s of the slide change', () => {
    const chapters = result.chapters ?? []
    expect(chapters).toHaveLength(slides.length)
    expect(chapters[0]?.start).toBe(0)
    for (const [i, change] of lecture.slideChanges.entries()) expect(Math.abs((chapters[i + 1]?.start ?? -10) - change)).toBeLessThanOrEqual(1)
    expect(chapters.map((c) => c.title.toLowerCase())).toEqual(slides.map((s) => s.title.toLowerCase()))
  })

  it('has the slide titles among the topics', () => {
    const topics = result.topics.map((t) => t.toLowerCase())
    for (const s of slides) expect(topics).toContain(s.title.toLowerCase())
  })

  it('transcribes most of the spoken words', () => {
    const hypothesis = result.transcript?.text ?? ''
    const wer = wordErrorRate(lecture.speechText, hypothesis)
    const said = new Set(words(hypothesis))
    const reference = words(lecture.speechText)
    const found = reference.filter((w) => said.has(w)).length / reference.length
    console.log(`[local-analyzer-lecture] recognizer ${result.signals?.recognizer}: WER ${(wer * 100).toFixed(1)} %, ${(found * 100).toFixed(0)} % of reference words found`)
    expect(found).toBeGreaterThan(0.6)
  })

  it('asks quiz questions whose explanations point at real moments', () => {
    expect(result.quiz.length).toBeGreaterThanOrEqual(2)
    const segments = result.transcript?.segments ?? []
    const starts = (result.chapters ?? []).map((c) => c.start)
    for (const q of result.quiz) {
      expect(q.options).toContain(q.answer)
      const stamp = /At (\d+:\d{2})/.exec(q.explanation)?.[1]
      expect(stamp, q.explanation).toBeDefined()
      const t = seconds(stamp ?? '')
      expect(t).toBeLessThanOrEqual(result.metadata?.durationSeconds ?? 0)
      const quoted = /says: "(.*)"$/.exec(q.explanation)?.[1]
      if (quoted) {
        const segment = segments.find((s) => s.text.includes(quoted) || quoted.includes(s.text))
        expect(segment, quoted).toBeDefined()
        expect(Math.floor(segment?.start ?? -1)).toBe(t)
      } else {
        expect(starts.some((s) => Math.floor(s) === t)).toBe(true)
      }
    }
  })

  it('keeps one keyframe per slide with the slide text read off it', () => {
    expect(result.keyframes).toHaveLength(slides.length)
    for (const [i, k] of (result.keyframes ?? []).entries()) {
      expect(existsSync(path.join(dir, k.path))).toBe(true)
      expect(k.text?.toLowerCase()).toContain(slides[i]?.title.toLowerCase())
    }
  })
})

describe.skipIf(skipReason !== null || !caps?.filters.has('asr'))("speech through ffmpeg's asr filter", () => {
  it('recognises a narrated sentence', async () => {
    const { dir, cleanup } = await tempDir()
    try {
      const wav = path.join(dir, 'speech.wav')
      execFileSync('flite', ['-voice', 'slt', '-t', slides[0]?.speech ?? '', '-o', path.join(dir, 'raw.wav')])
      await ffmpeg(['-i', path.join(dir, 'raw.wav'), '-ar', '16000', '-ac', '1', wav])
      const segments = await recognize({
        recognizer: { kind: 'ffmpeg-asr', ffmpeg: 'ffmpeg' },
        ffmpeg: 'ffmpeg',
        wav,
        duration: ((await stat(wav)).size - 44) / 32_000,
        silences: [],
        dir,
        concurrency: 2,
        signal: new AbortController().signal,
        timeoutMs: 60_000
      })
      const text = segments.segments.map((s) => s.text).join(' ')
      console.log(`[local-analyzer-lecture] asr filter: "${text}"`)
      expect(text).toMatch(/internet/)
      expect(text).toMatch(/packets/)
    } finally {
      await cleanup()
    }
  })
})
