import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { pipeline } from 'node:stream/promises'
import { createGunzip } from 'node:zlib'
import { randomUUID } from 'node:crypto'
import { errorText } from '../../../shared/error-text'
import { which } from '../ffmpeg-path'
import { run } from './run'
import type { OcrLine, OcrResult } from './ocr'

/**
 * The tesseract program (Debian's `tesseract-ocr`) reads a keyframe in ~35 ms and loads its
 * model in ~0.1 s, and exits when done; tesseract.js, the same engine compiled to WebAssembly,
 * spends ~0.6 s of CPU starting each worker, ~0.1–0.3 s per frame, and holds ~70 MB meanwhile.
 */
export interface TesseractProgram {
  bin: string
  /** A tessdata folder holding the very model tesseract.js reads, so both engines read alike. */
  tessdata: () => Promise<string>
}

/** The tesseract program to use: `bin` when given, else the one on PATH; null when there is none (or `bin` is null). */
export async function findTesseract(bin: string | null | undefined, modelGz: string, cacheDir: string): Promise<TesseractProgram | null> {
  if (bin === null) return null
  const found = bin ?? (await which('tesseract'))
  if (!found) return null
  // A model that could not be unpacked is not tried again by every job: each reads with tesseract.js.
  let unpacked: Promise<string> | null = null
  const tessdata = () =>
    (unpacked ??= unpackModel(modelGz, cacheDir).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code
      throw new Error(`its model could not be unpacked into the data folder's models folder: ${code ?? errorText(error)}`, { cause: error })
    }))
  return { bin: found, tessdata }
}

/**
 * The gzipped model of `@tesseract.js-data/eng`, unpacked once into `dir` (the program cannot
 * read it gzipped). Written under a temporary name and renamed, so two jobs unpacking at once
 * never leave a half-written model behind.
 */
async function unpackModel(modelGz: string, dir: string): Promise<string> {
  const target = path.join(dir, 'eng.traineddata')
  if (existsSync(target)) return dir
  await mkdir(dir, { recursive: true })
  const partial = `${target}.${randomUUID()}.part`
  try {
    await pipeline(createReadStream(modelGz), createGunzip(), createWriteStream(partial))
    await rename(partial, target)
  } finally {
    await rm(partial, { force: true })
  }
  return dir
}

/**
 * Reads text lines off each image with one run of the program (one model load for all), page
 * segmentation as tesseract.js does it (one block of text per image). One thread: the other
 * core is busy with the speech or the keyframes, and OpenMP's threads would only fight it.
 */
export async function readWithTesseract(
  program: TesseractProgram,
  files: string[],
  workDir: string,
  opts: { signal: AbortSignal; timeoutMs: number }
): Promise<OcrResult[]> {
  if (files.length === 0) return []
  const tessdata = await program.tessdata()
  const list = path.join(workDir, `ocr-${randomUUID()}.txt`)
  try {
    await writeFile(list, `${files.join('\n')}\n`)
    const res = await run(program.bin, [list, 'stdout', '--tessdata-dir', tessdata, '-l', 'eng', '--oem', '1', '--psm', '6', '-c', 'tessedit_create_tsv=1'], {
      ...opts,
      env: { ...process.env, OMP_THREAD_LIMIT: '1' }
    })
    if (res.code !== 0) throw new Error(`${path.basename(program.bin)} exited with code ${res.code}: ${lastLine(res.stderrTail)}`)
    return parseTesseractTsv(res.stdout, files.length)
  } finally {
    await rm(list, { force: true })
  }
}

const lastLine = (text: string) => text.trim().split('\n').filter(Boolean).at(-1) ?? 'no message'

/**
 * The lines of tesseract's TSV output, per page (image) in list order. The TSV gives words their
 * confidence and lines none; the engine's line confidence is the mean of its words', cut to a
 * whole number as tesseract.js reports it, so a line passes the same bar with either engine. Its
 * height and top are the line box's.
 */
export function parseTesseractTsv(tsv: string, pages: number): OcrResult[] {
  type Building = { top: number; height: number; words: { text: string; conf: number }[] }
  const byPage: Building[][] = Array.from({ length: pages }, () => [])
  let line: Building | null = null
  for (const row of tsv.split('\n')) {
    const cols = row.split('\t')
    if (cols.length < 12 || cols[0] === 'level') continue
    const [level, page, , , , , , top, , height, conf] = cols.map(Number)
    const lines = byPage[(page ?? 0) - 1]
    if (!lines) continue
    if (level === 4) {
      line = { top: top ?? 0, height: height ?? 0, words: [] }
      lines.push(line)
    } else if (level === 5 && line) {
      const text = (cols[11] ?? '').trim()
      if (text) line.words.push({ text, conf: conf ?? 0 })
    } else if (level !== undefined && level < 4) line = null
  }
  return byPage.map((lines) => ({
    lines: lines.flatMap((l): OcrLine[] => {
      if (l.words.length === 0) return []
      const confidence = Math.floor(l.words.reduce((a, w) => a + w.conf, 0) / l.words.length)
      return [{ text: l.words.map((w) => w.text).join(' '), confidence, height: l.height, top: l.top }]
    })
  }))
}
