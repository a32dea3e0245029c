/**
 * Text on screen read by the tesseract program (Debian's tesseract-ocr) where it is installed,
 * and by tesseract.js where it is not or where the program fails: the same slides give the same
 * lines, titles and topics either way, a failing program is a warning and not a lost slide, and a
 * cancelled job leaves no program running.
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises'
import { gunzipSync } from 'node:zlib'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLocalAnalyzer, type LocalAnalyzerOptions } from '../../src/adapters/analyzer/local'
import { engLangPath, engModelId } from '../../src/adapters/analyzer/local/ocr'
import type { Analysis } from '../../src/shared/analysis'
import { makeSlideLecture, tempDir, tool } from '../support/media-generate'

const tesseract = await tool('tesseract')
const canRun = Boolean((await tool('ffmpeg')) && (await tool('flite')) && tesseract)
if (!canRun) console.warn('[local-analyzer-ocr] skipped: needs ffmpeg, flite and tesseract (apt-get install ffmpeg flite tesseract-ocr)')

const SLIDES = [
  { title: 'Plate Tectonics', body: 'Crust, mantle, magma', speech: 'The crust floats on the mantle.' },
  { title: 'Earthquakes and Volcanoes', body: 'Faults and plates', speech: 'Plates slip along a fault.' },
  { title: 'Ocean Floor Spreading', body: 'Ridges and trenches', speech: 'New floor forms at the ridges.' }
]

describe.skipIf(!canRun)('local analyzer: text on screen', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  let lecture = ''
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-ocr-'))
    lecture = (await makeSlideLecture(dir, 'slides.mp4', SLIDES)).file
  }, 60_000)
  afterAll(async () => cleanup())

  let runs = 0
  const analyze = async (o: Partial<LocalAnalyzerOptions> = {}, signal = AbortSignal.timeout(60_000), dataDir = path.join(dir, `data-${++runs}`)): Promise<Analysis> => {
    const artifactsDir = path.join(dataDir, 'artifacts')
    await mkdir(artifactsDir, { recursive: true })
    return createLocalAnalyzer({ dataDir, speech: false, ...o }).analyze(
      { kind: 'file', path: lecture, sizeBytes: 0, temporary: false },
      { videoId: 'ocr', title: null, signal, setStatus: async () => {}, onProgress: () => {}, stage: () => {}, log: () => {}, artifactsDir }
    )
  }
  const fakeProgram = async (name: string, script: string) => {
    const file = path.join(dir, name)
    await writeFile(file, `#!/bin/sh\n${script}\n`)
    await chmod(file, 0o755)
    return file
  }
  const slideTexts = (a: Analysis) => a.keyframes?.map((k) => k.text)
  const SHOWN = SLIDES.map((s) => `${s.title}\n${s.body}`)

  it('reads the slides with the tesseract program as tesseract.js reads them', async () => {
    const program = await analyze()
    const wasm = await analyze({ tesseractPath: null })
    expect(program.signals?.['ocr']).toBe('tesseract')
    expect(wasm.signals?.['ocr']).toBe('tesseract.js')
    expect(slideTexts(program)).toEqual(SHOWN)
    expect(slideTexts(wasm)).toEqual(SHOWN)
    expect(program.chapters).toEqual(wasm.chapters)
    expect(program.topics).toEqual(wasm.topics)
    expect(program.topics.length).toBeGreaterThan(0)
    expect(program.provenance.warnings.join('\n')).not.toMatch(/tesseract/)
  }, 60_000)

  it('unpacks the model it shares with tesseract.js into the data folder, whole even when two analyzers unpack it at once', async () => {
    const dataDir = path.join(dir, 'shared-data')
    const [a, b] = await Promise.all([analyze({}, undefined, dataDir), analyze({}, undefined, dataDir)])
    expect([a.signals?.['ocr'], b.signals?.['ocr']]).toEqual(['tesseract', 'tesseract'])
    expect(slideTexts(a)).toEqual(SHOWN)
    expect(slideTexts(b)).toEqual(SHOWN)
    const model = path.join(dataDir, 'models', `tessdata-${engModelId()}`, 'eng.traineddata')
    const shipped = gunzipSync(await readFile(path.join(engLangPath(), 'eng.traineddata.gz')))
    expect((await stat(model)).size).toBe(shipped.length)
    expect((await readFile(model)).equals(shipped)).toBe(true)
  }, 60_000)

  it('hands the keyframes to tesseract.js when the program fails, and says why', async () => {
    const broken = await fakeProgram('tesseract-broken', "echo 'Error opening data file /nowhere/eng.traineddata' >&2\nexit 1")
    const a = await analyze({ tesseractPath: broken })
    expect(a.signals?.['ocr']).toBe('tesseract.js')
    expect(slideTexts(a)).toEqual(SHOWN)
    expect(a.provenance.warnings).toContainEqual(expect.stringMatching(/tesseract program could not read the keyframes .*exited with code 1: Error opening data file.*read with tesseract\.js instead/))
  }, 60_000)

  it('reads with tesseract.js when the model cannot be unpacked, saying so without the folder’s path', async () => {
    const dataDir = path.join(dir, 'data-models-blocked')
    await mkdir(dataDir, { recursive: true })
    // A file where the models folder belongs: nothing can be unpacked there.
    await writeFile(path.join(dataDir, 'models'), 'not a folder')
    const a = await analyze({}, undefined, dataDir)
    expect(a.signals?.['ocr']).toBe('tesseract.js')
    expect(slideTexts(a)).toEqual(SHOWN)
    const warning = a.provenance.warnings.find((w) => /tesseract program/.test(w))
    expect(warning).toMatch(/its model could not be unpacked into the data folder's models folder: ENOTDIR\); read with tesseract\.js instead/)
    expect(warning).not.toContain(dataDir)
  }, 60_000)

  it('ends the program when the job is cancelled while it reads', async () => {
    const pidFile = path.join(dir, 'tesseract.pid')
    const slow = await fakeProgram('tesseract-slow', `echo $$ > '${pidFile}'\nexec sleep 30`)
    const controller = new AbortController()
    const pending = analyze({ tesseractPath: slow }, controller.signal).catch((e: unknown) => e)
    let pid = 0
    for (let i = 0; i < 400 && !pid; i++) {
      pid = Number(await readFile(pidFile, 'utf8').catch(() => '0'))
      if (!pid) await new Promise((r) => setTimeout(r, 25))
    }
    expect(pid).toBeGreaterThan(0)
    controller.abort()
    expect(await pending).toMatchObject({ name: 'AbortError' })
    const alive = () => {
      try {
        process.kill(pid, 0)
        return true
      } catch {
        return false
      }
    }
    for (let i = 0; i < 100 && alive(); i++) await new Promise((r) => setTimeout(r, 20))
    expect(alive()).toBe(false)
  }, 60_000)
})
