import { createRequire } from 'node:module'
import os from 'node:os'
import path from 'node:path'
import type { Worker as TesseractWorker } from 'tesseract.js'
import { errorText } from '../../../shared/error-text'
import { readWithTesseract, type TesseractProgram } from './ocr-cli'

export interface OcrLine {
  text: string
  confidence: number
  /** Height of the line in pixels: titles are the tallest text on a slide. */
  height: number
  top: number
}

export interface OcrResult {
  lines: OcrLine[]
}

const MODEL_FOLDER = '4.0.0_best_int'

/** The English model shipped inside `@tesseract.js-data/eng`, so nothing is downloaded at run time. */
export function engLangPath(): string {
  const require = createRequire(import.meta.url)
  return path.join(path.dirname(require.resolve('@tesseract.js-data/eng/package.json')), MODEL_FOLDER)
}

/** The shipped model's name with its package's version: an update of the package is a new name, never a stale copy. */
export function engModelId(): string {
  const require = createRequire(import.meta.url)
  const { version } = require('@tesseract.js-data/eng/package.json') as { version: string }
  return `${version}-${MODEL_FOLDER}`
}

/** How a session reads: the tesseract program when there is one, else tesseract.js. */
export interface OcrSessionOptions {
  program?: TesseractProgram | null
  /** Where the program's list of images is written (default the system's temporary folder). */
  workDir?: string
}

/** The program's budget: it reads a frame in well under a second, so one that hangs leaves time for tesseract.js. */
const programBudgetMs = (frames: number) => 20_000 + 2_000 * frames

/**
 * The OCR of one job. With the tesseract program it reads all images in one run when asked. Without
 * it (or when the program fails) one tesseract.js worker reads them; that worker starts as soon as
 * the session is made, since loading the English model takes ~0.4 s, which then passes while ffmpeg
 * decodes the video on the other core. `read` is used once and ends the worker; `close` ends it
 * unused. An abort settles either at once.
 */
export class OcrSession {
  private worker: Promise<TesseractWorker> | null = null
  private readonly aborted: Promise<never>
  private ending: Promise<void> | null = null
  /** The engine that read (or will read) the text. */
  engine: 'tesseract' | 'tesseract.js'

  constructor(
    private readonly signal: AbortSignal,
    private readonly opts: OcrSessionOptions = {}
  ) {
    // Whatever tesseract.js does with pending jobs on terminate, an abort settles at once.
    this.aborted = new Promise<never>((_, reject) => {
      if (signal.aborted) reject(signal.reason)
      signal.addEventListener('abort', () => reject(signal.reason), { once: true })
    })
    this.aborted.catch(() => {})
    this.engine = opts.program ? 'tesseract' : 'tesseract.js'
    // The program's model is unpacked once per data folder: the first job does it while ffmpeg decodes.
    if (opts.program) opts.program.tessdata().catch(() => {})
    else this.startWorker()
    signal.addEventListener('abort', () => void this.close(), { once: true })
  }

  private startWorker(): Promise<TesseractWorker> {
    this.worker ??= (async () => {
      // Imported here: only OCR needs it, and a Gemini worker never does.
      const { createWorker, OEM } = await import('tesseract.js')
      return createWorker('eng', OEM.LSTM_ONLY, { langPath: engLangPath(), cacheMethod: 'none', gzip: true })
    })()
    this.worker.catch(() => {})
    return this.worker
  }

  /**
   * Reads text lines off each image, then ends the worker. A program that fails hands the images
   * to tesseract.js, and `note` says why.
   */
  async read(files: string[], note: (warning: string) => void = () => {}): Promise<OcrResult[]> {
    const program = this.opts.program
    if (program && files.length > 0) {
      try {
        const opts = { signal: this.signal, timeoutMs: programBudgetMs(files.length) }
        return await readWithTesseract(program, files, this.opts.workDir ?? os.tmpdir(), opts)
      } catch (error) {
        this.signal.throwIfAborted()
        note(`the tesseract program could not read the keyframes (${errorText(error)}); read with tesseract.js instead`)
        this.engine = 'tesseract.js'
      }
    }
    try {
      if (files.length === 0) return []
      const worker = await Promise.race([this.startWorker(), this.aborted])
      const results: OcrResult[] = []
      for (const file of files) {
        this.signal.throwIfAborted()
        const { data } = await Promise.race([worker.recognize(file, {}, { blocks: true, text: false }), this.aborted])
        const lines: OcrLine[] = []
        for (const block of data.blocks ?? []) {
          for (const para of block.paragraphs) {
            for (const line of para.lines) {
              const text = line.text.replace(/\s+/g, ' ').trim()
              if (text) lines.push({ text, confidence: line.confidence, height: line.bbox.y1 - line.bbox.y0, top: line.bbox.y0 })
            }
          }
        }
        results.push({ lines })
      }
      return results
    } finally {
      // Awaited unless aborted: the worker's memory is given back before the recognisers start.
      if (this.signal.aborted) void this.close()
      else await this.close()
    }
  }

  /** Ends the worker, started or still starting; safe to call more than once. */
  close(): Promise<void> {
    if (!this.worker) return Promise.resolve()
    this.ending ??= this.worker.then(
      (w) => w.terminate().then(() => {}, () => {}),
      () => {}
    )
    return this.ending
  }
}

/** Reads text lines off each image with one tesseract.js worker; stops early when `signal` aborts. */
export async function ocrImages(files: string[], signal: AbortSignal): Promise<OcrResult[]> {
  if (files.length === 0) return []
  return new OcrSession(signal).read(files)
}

const WORDY = /[A-Za-z]{3,}/

/** Text on a keyframe worth keeping: confident lines made of words, not texture read as letters. */
export function goodLines(result: OcrResult): OcrLine[] {
  return result.lines.filter((l) => {
    if (l.confidence < 70 || !WORDY.test(l.text)) return false
    const letters = l.text.replace(/[^A-Za-z]/g, '').length
    return letters / l.text.replace(/\s/g, '').length >= 0.7
  })
}

/**
 * The title of each keyframe: its tallest confident line near the top, unless that line
 * repeats on half the frames or more (a footer or logo).
 */
export function slideTitles(results: OcrResult[]): (string | null)[] {
  const kept = results.map(goodLines)
  const count = new Map<string, number>()
  for (const lines of kept) for (const t of new Set(lines.map((l) => l.text.toLowerCase()))) count.set(t, (count.get(t) ?? 0) + 1)
  const repeated = (t: string) => results.length >= 3 && (count.get(t.toLowerCase()) ?? 0) >= results.length / 2
  return kept.map((lines) => {
    const candidates = lines.filter((l) => !repeated(l.text) && l.text.length <= 80 && l.text.split(' ').length <= 12)
    if (candidates.length === 0) return null
    const tallest = Math.max(...candidates.map((l) => l.height))
    const title = candidates.filter((l) => l.height >= tallest * 0.85).sort((a, b) => a.top - b.top)[0]
    return title ? title.text.replace(/[|_~]+/g, '').trim() || null : null
  })
}
