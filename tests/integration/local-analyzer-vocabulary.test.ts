import { execFile } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalAnalyzer } from '../../src/adapters/analyzer/local'
import { DEFAULT_MODEL_DIR, findRecognizer, recognize } from '../../src/adapters/analyzer/local/speech'
import { jobModel } from '../../src/adapters/analyzer/local/speech-model'
import { topWordsVocabulary } from '../../src/adapters/analyzer/local/vocabulary'
import { ffmpeg, makeSlideLecture, tempDir, tool } from '../support/media-generate'

/** A sphinxbase trie LM as pocketsphinx writes it: magic, order, counts, 16-bit quantisation tables, unigrams, …, words. */
function trieLm(unigrams: { word: string; prob: number; next: number }[], bigrams: number): Buffer {
  const head = Buffer.alloc(19 + 1 + 12 + 4)
  head.write('Trie Language Model', 0, 'latin1')
  head.writeUInt8(3, 19)
  head.writeUInt32LE(unigrams.length, 20)
  head.writeUInt32LE(bigrams, 24)
  head.writeUInt32LE(0, 28)
  head.writeInt32LE(1, 32)
  const quant = Buffer.alloc(3 * 2 ** 16 * 4)
  const table = Buffer.alloc((unigrams.length + 1) * 12)
  unigrams.forEach((u, i) => {
    table.writeFloatLE(u.prob, i * 12)
    table.writeUInt32LE(u.next, i * 12 + 8)
  })
  table.writeUInt32LE(bigrams, unigrams.length * 12 + 8)
  const words = Buffer.from(unigrams.map((u) => `${u.word}\0`).join(''), 'latin1')
  return Buffer.concat([head, quant, table, Buffer.alloc(64), words])
}

const DICT = ['apple AE P AH L', 'banana B AH N AE N AH', 'cherry CH EH R IY', 'cherry(2) CH ER IY', 'durian D UH R IY AH N', ''].join('\n')

describe('speech vocabulary: a dictionary of the likeliest words of the LM', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-vocab-'))
    await writeFile(path.join(dir, 'dict'), DICT, 'latin1')
  })
  afterAll(async () => cleanup())

  it('keeps the dictionary lines (alternates included) of the top words by unigram probability', async () => {
    const lm = path.join(dir, 'good.lm.bin')
    await writeFile(lm, trieLm([
      { word: 'apple', prob: -5, next: 0 },
      { word: 'banana', prob: -1, next: 1 },
      { word: 'cherry', prob: -2, next: 1 },
      { word: 'durian', prob: -9, next: 2 }
    ], 3))
    expect((await topWordsVocabulary(lm, path.join(dir, 'dict'), 2))?.dict.toString('latin1')).toBe('banana B AH N AE N AH\ncherry CH EH R IY\ncherry(2) CH ER IY\n')
    expect((await topWordsVocabulary(lm, path.join(dir, 'dict'), 3))?.dict.toString('latin1').split('\n')).toContain('apple AE P AH L')
  })

  it('keeps long words (9+ letters) past the top words too: rare terms that are hard to mistake', async () => {
    await writeFile(path.join(dir, 'dict-long'), `${DICT}chlorophyll K L AO R AH F IH L\n`, 'latin1')
    const lm = path.join(dir, 'long.lm.bin')
    await writeFile(lm, trieLm([
      { word: 'apple', prob: -5, next: 0 },
      { word: 'banana', prob: -1, next: 1 },
      { word: 'chlorophyll', prob: -7, next: 1 },
      { word: 'durian', prob: -9, next: 2 }
    ], 3))
    const kept = (await topWordsVocabulary(lm, path.join(dir, 'dict-long'), 1))?.dict.toString('latin1').split('\n')
    expect(kept).toEqual(['banana B AH N AE N AH', 'chlorophyll K L AO R AH F IH L', ''])
  })

  it('gives null (use the whole dictionary) for a file that is not a trie LM or reads as junk', async () => {
    const text = path.join(dir, 'arpa.lm')
    await writeFile(text, '\\data\\\nngram 1=4\n')
    expect(await topWordsVocabulary(text, path.join(dir, 'dict'), 2)).toBeNull()
    const junk = path.join(dir, 'junk.lm.bin')
    await writeFile(junk, trieLm([
      { word: 'apple', prob: -5, next: 2 },
      { word: 'banana', prob: -1, next: 1 }
    ], 3))
    expect(await topWordsVocabulary(junk, path.join(dir, 'dict'), 1)).toBeNull()
  })

  const lm = path.join(DEFAULT_MODEL_DIR, 'en-us.lm.bin')
  const dict = path.join(DEFAULT_MODEL_DIR, 'cmudict-en-us.dict')
  it.skipIf(!existsSync(lm) || !existsSync(dict))("reads Debian's en-us model: 20 k words keep everyday and lecture words", async () => {
    const small = await topWordsVocabulary(lm, dict, 20_000, Infinity)
    const words = new Set((small?.dict.toString('latin1') ?? '').split('\n').map((l) => l.split(' ')[0]?.replace(/\(\d+\)$/, '')))
    expect(words.size).toBeGreaterThan(19_000)
    expect(words.size).toBeLessThanOrEqual(20_001)
    for (const w of ['the', 'lecture', 'packet', 'network', 'certificate']) expect(words).toContain(w)
  })

  it.skipIf(!existsSync(lm) || !existsSync(dict))("reads Debian's en-us model: science terms ranked past 20 k are known without being taught", async () => {
    const known = new Set(((await topWordsVocabulary(lm, dict))?.dict.toString('latin1') ?? '').split('\n').map((l) => l.split(' ')[0]?.replace(/\(\d+\)$/, '')))
    for (const w of ['photosynthesis', 'chlorophyll', 'cytoplasm', 'precipitation', 'evaporation']) expect(known).toContain(w)
    // Short rare words stay out: they are the ones a plain vocabulary would mistake common speech for.
    for (const w of ['enzymes', 'membrane', 'magma']) expect(known).not.toContain(w)
    expect(known.size).toBeLessThan(45_000)
  })
})

const exec = promisify(execFile)
const recognizer = (await tool('ffmpeg')) ? await findRecognizer('ffmpeg', false) : null
const canSpeak = recognizer?.kind === 'pocketsphinx' && Boolean(await tool('flite'))
if (!canSpeak) console.warn('[local-analyzer-vocabulary] video vocabulary skipped: needs ffmpeg, flite, pocketsphinx and pocketsphinx-en-us')

/**
 * Cell biology: "cytoplasm", "enzymes" and "membrane" are in the LM but not among its 20 k likeliest
 * words; "cytoplasm" is long enough to be in the default vocabulary anyway, the other two are not.
 */
const CELL = 'Inside every cell, the cytoplasm holds enzymes that speed up chemical reactions. A thin membrane controls what enters and leaves the cell.'
const TERMS = ['cytoplasm', 'enzymes', 'membrane']
const SHORT = ['enzymes', 'membrane']
const heard = (text: string, terms = TERMS) => terms.filter((t) => new RegExp(`\\b${t}\\b`).test(text))

describe.skipIf(!canSpeak)("speech vocabulary: the video's own words taught to the recogniser", () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-video-vocab-'))
  })
  afterAll(async () => cleanup())

  it('adds shown words to the dictionary and makes them likelier in a copy of the LM; words the LM lacks are reported', async () => {
    const lm = path.join(DEFAULT_MODEL_DIR, 'en-us.lm.bin')
    const before = await readFile(lm)
    const model = await jobModel(DEFAULT_MODEL_DIR, dir, [...TERMS, 'mitochondria'], [])
    expect(model.vocabulary.added).toEqual(TERMS)
    expect(model.vocabulary.unknown).toEqual(['mitochondria'])
    const dict = await readFile(path.join(dir, 'vocabulary.dict'), 'latin1')
    for (const t of TERMS) expect(dict).toMatch(new RegExp(`^${t} `, 'm'))
    const jobLm = model.args[model.args.indexOf('-lm') + 1] as string
    expect(jobLm).toBe(path.join(dir, 'vocabulary.lm.bin'))
    const copy = await readFile(jobLm)
    expect(copy.length).toBe(before.length)
    expect(copy.equals(before)).toBe(false)
    expect((await readFile(lm)).equals(before)).toBe(true) // the system's model is never written
  })

  it('uses the installed LM as it is when the video shows only words it already finds likely', async () => {
    const sub = path.join(dir, 'common')
    await mkdir(sub, { recursive: true })
    const model = await jobModel(DEFAULT_MODEL_DIR, sub, ['water', 'people'], [])
    expect(model.vocabulary.added).toEqual(['water', 'people'])
    expect(model.args[model.args.indexOf('-lm') + 1]).toBe(path.join(DEFAULT_MODEL_DIR, 'en-us.lm.bin'))
    expect(existsSync(path.join(sub, 'vocabulary.lm.bin'))).toBe(false)
  })

  for (const voice of ['rms', 'awb']) {
    it(`hears domain words only once they are taught (flite ${voice})`, async () => {
      const raw = path.join(dir, `raw-${voice}.wav`)
      const wav = path.join(dir, `cell-${voice}.wav`)
      await exec('flite', ['-voice', voice, '-t', CELL, '-o', raw])
      await ffmpeg(['-i', raw, '-ar', '16000', '-ac', '1', '-af', 'apad=pad_dur=1', wav])
      const run = (terms: string[]) =>
        recognize({ recognizer: recognizer!, ffmpeg: 'ffmpeg', wav, duration: 10, silences: [], dir, concurrency: 2, signal: AbortSignal.timeout(120_000), timeoutMs: 120_000, terms })
      const plain = (await run([])).segments.map((x) => x.text).join(' ')
      const taught = (await run(TERMS)).segments.map((x) => x.text).join(' ')
      expect(heard(plain, SHORT), plain).toEqual([])
      expect(heard(taught).length, taught).toBeGreaterThanOrEqual(2)
    })
  }

  const analyse = async (file: string) => {
    const artifactsDir = path.join(dir, 'artifacts', path.basename(file))
    await mkdir(artifactsDir, { recursive: true })
    return createLocalAnalyzer({ dataDir: dir }).analyze(
      { kind: 'file', path: file, sizeBytes: 0, temporary: false },
      { videoId: 'v', title: null, signal: AbortSignal.timeout(240_000), setStatus: async () => {}, onProgress: () => {}, stage: () => {}, log: () => {}, artifactsDir }
    )
  }

  it('takes the words off the slides (OCR) before recognising the speech', async () => {
    const lecture = await makeSlideLecture(dir, 'cell-slides.mp4', [{ title: 'The Living Cell', body: 'Cytoplasm, enzymes, membrane', speech: CELL }], {
      voice: { engine: 'flite', name: 'awb' },
      width: 640,
      height: 360
    })
    const a = await analyse(lecture.file)
    expect(heard(a.transcript?.text ?? '').length, a.transcript?.text).toBeGreaterThanOrEqual(2)
    expect(a.signals?.['vocabulary']).toMatchObject({ unknown: [] })
  })

  it('takes the words from a sidecar vocabulary file beside a video that shows none', async () => {
    const lecture = await makeSlideLecture(dir, 'cell-plain.mp4', [{ title: '', speech: CELL }], { voice: { engine: 'flite', name: 'rms' }, blank: true, width: 320, height: 180 })
    const plain = await analyse(lecture.file)
    expect(heard(plain.transcript?.text ?? '', SHORT), plain.transcript?.text).toEqual([])
    await writeFile(path.join(dir, 'cell-plain.vocabulary.txt'), 'cytoplasm\nenzymes\ncell membrane\n')
    const taught = await analyse(lecture.file)
    expect(heard(taught.transcript?.text ?? '').length, taught.transcript?.text).toBeGreaterThanOrEqual(2)
  })
})
