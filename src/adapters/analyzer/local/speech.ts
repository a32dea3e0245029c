import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import pLimit from 'p-limit'
import { which } from '../ffmpeg-path'
import { run } from './run'
import type { Span } from './signals'
import { topWordsDictionary } from './vocabulary'
import { sliceWav } from './wav'

/** Debian's pocketsphinx-en-us model, the default of both the CLI and ffmpeg's `asr` filter. */
export const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us'

export type Recognizer = { kind: 'pocketsphinx'; bin: string; modelDir: string } | { kind: 'ffmpeg-asr'; ffmpeg: string }

export interface SpeechSegment {
  start: number
  end: number
  text: string
  /** Mean word confidence 0–1 (null from the `asr` filter, which gives none). */
  confidence: number | null
  /** The text with barely recognised words replaced by commas, for key phrases only. */
  keyText?: string
}

/**
 * Decoder settings, measured with the 20 k-word vocabulary on flite lectures (CPU-s, word error rate):
 * - 6.5 min, one file: the full model with defaults 61.5 s / 19.7 %; these settings 22.4 s / 19.0 %.
 * - 130 s: defaults 21 s / 19.0 %; these 7.2 s / 17.3 %.
 * - the lecture test (32 s in 2 chunks): defaults 14.7 %; these 16.2 %.
 * `-fwdflat no` drops the second search pass; `-maxhmmpf`/`-maxwpf` cap the active HMMs and word exits
 * per frame. Not taken: `-ds 2` (every other frame: 6.5 min 16.1 s / 19.7 % but the lecture test 22.1 %),
 * `-maxhmmpf 1000` (19.0 s / 20.5 %), narrower `-beam`/`-pbeam` 1e-40 (130 s: 25.5 %), `-topn 2` (22.8 %).
 */
export const DECODER_FLAGS = ['-fwdflat', 'no', '-maxhmmpf', '2000', '-maxwpf', '5'] as const

/** Words recognised with less confidence than this are mostly wrong ("news day" for "moves data"). */
const KEY_CONFIDENCE = 0.2

/** pocketsphinx_continuous (word timings and confidence), else ffmpeg's `asr` filter; null when neither works. */
export async function findRecognizer(
  ffmpeg: string,
  hasAsrFilter: boolean,
  o: { bin?: string | undefined; modelDir?: string | undefined } = {}
): Promise<Recognizer | null> {
  const modelDir = o.modelDir ?? DEFAULT_MODEL_DIR
  if (!existsSync(path.join(modelDir, 'en-us', 'mdef'))) return null
  const bin = o.bin ?? (await which('pocketsphinx_continuous'))
  if (bin) return { kind: 'pocketsphinx', bin, modelDir }
  return hasAsrFilter ? { kind: 'ffmpeg-asr', ffmpeg } : null
}

/** Chunk bounds at silence midpoints near every `target` seconds, so no word is cut in half. */
export function chunkBounds(duration: number, silences: Span[], target: number): Span[] {
  const mids = silences.map((s) => (s.start + s.end) / 2).filter((t) => t > 0 && t < duration)
  const chunks: Span[] = []
  let start = 0
  while (duration - start > target * 1.3) {
    const goal = start + target
    const near = mids.filter((t) => t > start + target * 0.5 && t < start + target * 1.5)
    const cut = near.length ? near.reduce((a, b) => (Math.abs(b - goal) < Math.abs(a - goal) ? b : a)) : goal
    chunks.push({ start, end: cut })
    start = cut
  }
  chunks.push({ start, end: duration })
  return chunks
}

/** Joins spelled-out letters ("t c p") into an acronym ("TCP"). */
export function joinLetters(words: string[]): string[] {
  const out: string[] = []
  let run: string[] = []
  const flush = () => {
    if (run.length >= 2) out.push(run.join('').toUpperCase())
    else out.push(...run)
    run = []
  }
  for (const w of words) {
    if (/^[a-z]$/.test(w) && !(run.length === 0 && (w === 'a' || w === 'i'))) run.push(w)
    else {
      flush()
      out.push(w)
    }
  }
  flush()
  return out
}

interface Word {
  word: string
  start: number
  end: number
  conf: number
}

/** Groups pocketsphinx `-time yes` words into segments at pauses and utterance ends. */
export function parsePocketsphinx(stdout: string, offset: number): SpeechSegment[] {
  const segments: SpeechSegment[] = []
  let words: Word[] = []
  const flush = () => {
    if (words.length) {
      const text = joinLetters(words.map((w) => w.word)).join(' ')
      const keyText = joinLetters(words.map((w) => (w.conf < KEY_CONFIDENCE ? ',' : w.word))).join(' ').replace(/ ,/g, ',')
      const confidence = words.reduce((a, w) => a + w.conf, 0) / words.length
      segments.push({ start: (words[0] as Word).start + offset, end: (words.at(-1) as Word).end + offset, text, confidence, keyText })
    }
    words = []
  }
  for (const line of stdout.split('\n')) {
    const m = /^(\S+) (\d+\.\d+) (\d+\.\d+) (\d+\.\d+)$/.exec(line.trim())
    if (!m) continue
    const token = (m[1] as string).replace(/\(\d+\)$/, '')
    const start = Number(m[2])
    const end = Number(m[3])
    if (token === '<s>' || token === '</s>' || token === '<sil>' || /^\[.*\]$|^\(.*\)$|^<.*>$/.test(token)) {
      if (token === '</s>' || (token === '<sil>' && end - start > 0.35)) flush()
      continue
    }
    const prev = words.at(-1)
    if (prev && (start - prev.end > 0.35 || words.length >= 30)) flush()
    words.push({ word: token.toLowerCase(), start, end, conf: Number(m[4]) })
  }
  flush()
  return segments
}

function parseAsrLog(lines: string[], offset: number, chunkStart: number): SpeechSegment[] {
  const segments: SpeechSegment[] = []
  let t: number | null = null
  let prevEnd = chunkStart
  for (const line of lines) {
    const time = /pts_time:\s*([\d.]+)/.exec(line)
    if (time) t = Number(time[1]) + offset
    const text = /lavfi\.asr\.text=(.*)$/.exec(line)
    if (text && t !== null && text[1]?.trim()) {
      segments.push({ start: prevEnd, end: t, text: joinLetters(text[1].trim().split(/\s+/)).join(' '), confidence: null })
      prevEnd = t
    }
  }
  return segments
}

/** The model's files, with the dictionary cut to the likeliest words when the LM can be read. */
async function modelArgs(modelDir: string, dir: string): Promise<string[]> {
  const lm = path.join(modelDir, 'en-us.lm.bin')
  const fullDict = path.join(modelDir, 'cmudict-en-us.dict')
  const small = existsSync(lm) && existsSync(fullDict) ? await topWordsDictionary(lm, fullDict) : null
  const dict = small === null ? fullDict : path.join(dir, 'vocabulary.dict')
  if (small !== null) await writeFile(dict, small)
  return ['-hmm', path.join(modelDir, 'en-us'), '-lm', lm, '-dict', dict, ...DECODER_FLAGS]
}

async function recognizeChunk(
  r: Recognizer,
  model: string[],
  ffmpeg: string,
  wav: string,
  chunk: Span,
  dir: string,
  i: number,
  signal: AbortSignal,
  timeoutMs: number
) {
  const opts = { signal, timeoutMs }
  if (r.kind === 'ffmpeg-asr') {
    const lines: string[] = []
    await run(
      ffmpeg,
      ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-ss', String(chunk.start), '-t', String(chunk.end - chunk.start), '-i', wav,
        '-af', 'apad=pad_dur=1,asr,ametadata=print:key=lavfi.asr.text', '-f', 'null', '-'],
      { ...opts, onStderrLine: (l) => { if (/pts_time|asr\.text/.test(l)) lines.push(l) } }
    )
    return parseAsrLog(lines, chunk.start, chunk.start)
  }
  const part = path.join(dir, `speech-${i}.wav`)
  if ((await sliceWav(wav, part, chunk.start, chunk.end)) < 0.2) return []
  const res = await run(r.bin, ['-infile', part, '-time', 'yes', '-logfn', '/dev/null', ...model], opts)
  return parsePocketsphinx(res.stdout, chunk.start)
}

/** Recognises the WAV in chunks split at silences, `concurrency` at a time. */
export async function recognize(o: {
  recognizer: Recognizer
  ffmpeg: string
  wav: string
  duration: number
  silences: Span[]
  dir: string
  concurrency: number
  signal: AbortSignal
  timeoutMs: number
}): Promise<SpeechSegment[]> {
  // A recogniser starts in 0.1 s and its memory stays flat over a chunk's length: chunks of ≤ 30 s
  // keep both cores busy to the end even when other processes take one of them for a while.
  // Each recogniser holds ~65 MB of model: at most 4 at once whatever the core count.
  const parallel = Math.max(1, Math.min(4, o.concurrency))
  const target = Math.min(30, Math.max(20, o.duration / parallel))
  const silentIn = (c: Span) => o.silences.reduce((a, x) => a + Math.max(0, Math.min(c.end, x.end) - Math.max(c.start, x.start)), 0)
  // A chunk that is all silence has nothing to say: skip the recogniser's start-up for it.
  const chunks = chunkBounds(o.duration, o.silences, target).filter((c) => silentIn(c) < (c.end - c.start) * 0.95)
  const model = o.recognizer.kind === 'pocketsphinx' ? await modelArgs(o.recognizer.modelDir, o.dir) : []
  const limit = pLimit(parallel)
  const parts = await Promise.all(
    chunks.map((c, i) => limit(() => recognizeChunk(o.recognizer, model, o.ffmpeg, o.wav, c, o.dir, i, o.signal, o.timeoutMs)))
  )
  return parts.flat()
}
