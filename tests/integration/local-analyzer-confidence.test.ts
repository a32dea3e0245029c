import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { detectCapabilities } from '../../src/adapters/analyzer/ffmpeg-path'
import { createLocalAnalyzer } from '../../src/adapters/analyzer/local'
import { TRANSCRIPT_CONFIDENCE_FLOOR } from '../../src/adapters/analyzer/local/confidence'
import { findRecognizer } from '../../src/adapters/analyzer/local/speech'
import { Analysis } from '../../src/shared/analysis'
import { makeSlideLecture, tempDir, tool, type Slide, type Voice } from '../support/media-generate'

const hasFfmpeg = Boolean((await tool('ffmpeg')) && (await tool('ffprobe')))
const caps = hasFfmpeg ? await detectCapabilities('ffmpeg') : null
const recognizer = caps ? await findRecognizer('ffmpeg', false) : null
const hasFlite = Boolean(await tool('flite'))
const hasEspeak = Boolean(await tool('espeak-ng'))
const skipReason = !hasFfmpeg
  ? 'ffmpeg not installed (apt-get install ffmpeg)'
  : recognizer?.kind !== 'pocketsphinx'
    ? 'pocketsphinx_continuous with its en-us model not installed (apt-get install pocketsphinx pocketsphinx-en-us)'
    : null
if (skipReason) console.warn(`[local-analyzer-confidence] skipped: ${skipReason}`)

/** A narrated paragraph on a plain background: nothing on screen to lean on. */
const heart: Slide[] = [
  {
    title: '',
    speech:
      'The human heart has four chambers. The right side of the heart pumps blood to the lungs, where the blood picks up oxygen. ' +
      'The left side sends that blood through the arteries to the muscles and the brain.'
  }
]

async function analyse(dir: string, name: string, slides: Slide[], voice: Voice): Promise<Analysis> {
  const lecture = await makeSlideLecture(dir, name, slides, { voice, blank: true, width: 320, height: 180 })
  const artifactsDir = path.join(dir, 'artifacts', name)
  await mkdir(artifactsDir, { recursive: true })
  return createLocalAnalyzer({ dataDir: dir }).analyze(
    { kind: 'file', path: lecture.file, sizeBytes: 0, temporary: false },
    { videoId: name, title: null, signal: AbortSignal.timeout(240_000), setStatus: async () => {}, onProgress: () => {}, stage: () => {}, log: () => {}, artifactsDir }
  )
}

const spoken = new Set(heart.map((s) => s.speech).join(' ').toLowerCase().split(/[^a-z]+/).filter(Boolean))
const said = (w: string) => spoken.has(w) || spoken.has(`${w}s`) || spoken.has(w.replace(/s$/, ''))

describe.skipIf(skipReason !== null)('local analyzer: confidence of a machine transcript', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-confidence-'))
  })
  afterAll(async () => cleanup())

  it.skipIf(!hasFlite)('keeps word confidences, marks the unsure ones and builds topics and questions only from the rest (flite rms)', async () => {
    const a = await analyse(dir, 'heart-rms.mp4', heart, { engine: 'flite', name: 'rms' })
    expect(Analysis.safeParse(a).success).toBe(true)
    const t = a.transcript
    expect(t?.source).toBe('speech-recognition')
    expect(t?.confidence).toBeGreaterThan(TRANSCRIPT_CONFIDENCE_FLOOR)
    expect(t?.unintelligible).toBe(false)
    const words = (t?.segments ?? []).flatMap((s) => s.words ?? [])
    expect(words.length).toBeGreaterThan(20)
    for (const w of words) {
      expect(w.confidence).not.toBeNull()
      expect(w.low === true).toBe((w.confidence ?? 0) < 0.5)
    }
    // Every topic is made of words that were said; with nothing on screen, a phrase must be heard surely twice,
    // and when none is the analysis says so rather than naming a guess (or the file's codecs).
    if (a.topics.length === 0) expect(a.provenance.warnings).toContain('no topic was heard or shown clearly enough to name')
    for (const topic of a.topics) for (const w of topic.toLowerCase().split(/\s+/)) expect(said(w), `${topic} in ${a.topics.join('; ')}`).toBe(true)
    // No question quotes a segment marked low, and no answer is a low-confidence word.
    const lowWords = new Set(words.filter((w) => w.low).map((w) => w.text))
    for (const q of a.quiz) {
      const quoted = /says: "(.*)"$/.exec(q.explanation)?.[1]
      const seg = (t?.segments ?? []).find((s) => quoted !== undefined && s.text === quoted)
      if (quoted) expect(seg?.low, quoted).not.toBe(true)
      expect(lowWords.has(q.answer)).toBe(false)
    }
    expect(a.provenance.warnings.find((w) => w.startsWith('machine transcript'))).toMatch(/confidence \d+ %/)
  })

  it.skipIf(!hasEspeak)('says plainly that robotic speech could not be understood and builds nothing from it (espeak-ng en-gb)', async () => {
    const a = await analyse(dir, 'heart-espeak.mp4', heart, { engine: 'espeak-ng', name: 'en-gb' })
    expect(Analysis.safeParse(a).success).toBe(true)
    const t = a.transcript
    expect(t?.confidence).toBeLessThan(TRANSCRIPT_CONFIDENCE_FLOOR)
    expect(t?.unintelligible).toBe(true)
    expect((t?.segments ?? []).every((s) => s.low === true)).toBe(true)
    expect(a.summary).toMatch(/^The speech in this recording could not be understood \(speech recognition confidence \d+ %\); this summary is built only from the file's metadata\./)
    expect(a.topics).toEqual([])
    expect(a.quiz).toEqual([])
    expect(a.chapters?.every((c) => c.summary === undefined)).toBe(true)
    expect(a.provenance.warnings.some((w) => /could not be understood/.test(w))).toBe(true)
  })
})
