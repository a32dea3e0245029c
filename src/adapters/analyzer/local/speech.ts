import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import pLimit from 'p-limit'
import { which } from '../ffmpeg-path'
import { run } from './run'
import type { Span } from './signals'
import { LOW_WORD_CONFIDENCE as KEY_CONFIDENCE, SURE_WORD_CONFIDENCE } from './confidence'
import { clock } from './describe'
import { jobModel, type JobVocabulary } from './speech-model'
import { sliceWav } from './wav'

/** Debian's pocketsphinx-en-us model, the default of both the CLI and ffmpeg's `asr` filter. */
export const DEFAULT_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us'

export type Recognizer = { kind: 'pocketsphinx'; bin: string; modelDir: string } | { kind: 'ffmpeg-asr'; ffmpeg: string }

/** A recognised word; `confidence` is pocketsphinx's posterior probability (null when it gave none). */
export interface SpeechWord {
  text: string
  start: number
  end: number
  confidence: number | null
}

export interface SpeechSegment {
  start: number
  end: number
  text: string
  /** Mean word confidence 0–1 (null from the `asr` filter or a decode without a lattice, which give none). */
  confidence: number | null
  /** The text with barely recognised words replaced by commas, for key phrases only. */
  keyText?: string
  /** The text with all but the surely recognised words replaced by commas. */
  sureText?: string
  words?: SpeechWord[]
}

/**
 * Decoder settings, measured with the 20 k-word vocabulary on flite lectures (CPU-s, word error rate):
 * - 6.5 min, one file: the full model with defaults 61.5 s / 19.7 %; these settings 22.4 s / 19.0 %.
 * - 130 s: defaults 21 s / 19.0 %; these 7.2 s / 17.3 %.
 * - the lecture test (32 s in 2 chunks): defaults 14.7 %; these 16.2 %.
 * `-fwdflat no` drops the second search pass; `-maxhmmpf`/`-maxwpf` cap the active HMMs and word exits
 * per frame. Not taken: `-ds 2` (every other frame: 6.5 min 16.1 s / 19.7 % but the lecture test 22.1 %),
 * `-maxhmmpf 1000` (19.0 s / 20.5 %), narrower `-beam`/`-pbeam` 1e-40 (130 s: 25.5 %), `-topn 2` (22.8 %).
 *
 * `-bestpathlw 8.5` (default 9.5) weighs the language model less in the lattice pass, the last one here:
 * on ~22 s science narrations by four flite voices (bench/speech-settings.ts), mean WER 37.2 → 36.2 %
 * and, on other texts than the quality bench's, 26.5 → 25.7 % (with slide words taught: 28.3 → 27.3 %
 * and 25.5 → 24.9 %; espeak-ng stays mostly unrecognised, ~84 % either way); 7.5 and 6 gained less or lost, 12 lost. Measured there and not taken:
 * `-lw` 5 or 9, `-wip 0.2` (bench −1 point, other texts ±0), `-silprob 0.1`, `-maxwpf 20`, `-fwdflat yes`
 * (4× slower, ±0.5), `-remove_noise no` (other texts +3.4), `-remove_silence no` (+7 to +8), `-cmn batch`
 * (no change), and ffmpeg `highpass=f=80`, `dynaudnorm` or the soxr resampler on extraction (±1, mixed).
 */
export const DECODER_FLAGS = ['-fwdflat', 'no', '-maxhmmpf', '2000', '-maxwpf', '5', '-bestpathlw', '8.5'] as const

/**
 * Vocal tract length warps tried on the first stretch of speech; the one whose best path scores
 * highest decodes the rest. The model was trained on adult voices of every kind, so a voice far
 * from their average (a high female voice, a deep male one) is heard better with its frequency
 * axis stretched or squeezed toward it. The female flite voice picks 1.1 every time, the male ones
 * 0.9 mostly. Measured on ~22 s science narrations by four flite voices: in the quality bench
 * (bench/local-quality.ts) mean WER 29.6 → 28.5 % on a plain background and 28.5 → 27.9 % with
 * slides, at a price: such a clip is one chunk, decoded three times on two cores, so the runs went
 * from 7.6× to 5.1× real time; a 6.5-min lecture pays it for its first chunk only. Over more texts
 * (bench/speech-settings.ts) 30.3 → 26.3 % on the bench's and 26.2 → 25.5 % on others. Not taken:
 * five warps 0.05 apart (no better), choosing by the words' mean posterior (worse than no warp), an
 * 8 s probe decoded per warp before the whole (as slow: a decode's cost is mostly per second of audio).
 */
export const SPEAKER_WARPS = [0.9, 1, 1.1] as const

/** Which warp the recogniser used for this speaker, and what each one tried on the first stretch scored. */
export interface SpeakerFit {
  warp: number
  tried: { warp: number; score: number | null }[]
}

const warpFlags = (warp: number): string[] => ['-warp_type', 'inverse_linear', '-warp_params', String(warp)]


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
  return joinLetterWords(words.map((text) => ({ text, start: 0, end: 0, confidence: null }))).map((w) => w.text)
}

/** Joins runs of single letters into one upper-case word, as sure as its least sure letter. */
function joinLetterWords(words: SpeechWord[]): SpeechWord[] {
  const out: SpeechWord[] = []
  let run: SpeechWord[] = []
  const flush = () => {
    const first = run[0]
    const last = run.at(-1)
    if (run.length >= 2 && first && last) {
      const confs = run.map((w) => w.confidence)
      const confidence = confs.some((c) => c === null) ? null : Math.min(...(confs as number[]))
      out.push({ text: run.map((w) => w.text).join('').toUpperCase(), start: first.start, end: last.end, confidence })
    } else out.push(...run)
    run = []
  }
  for (const w of words) {
    if (/^[a-z]$/.test(w.text) && !(run.length === 0 && (w.text === 'a' || w.text === 'i'))) run.push(w)
    else {
      flush()
      out.push(w)
    }
  }
  flush()
  return out
}

const round3 = (x: number) => Math.round(x * 1000) / 1000

/**
 * A pause this long ends a segment. Narrated sentences are 0.25–0.35 s apart in pocketsphinx's
 * timings: segments close to sentences let a badly heard one be set aside without its neighbours.
 */
const PAUSE_SECONDS = 0.2
const MAX_SEGMENT_WORDS = 20

/**
 * Groups pocketsphinx `-time yes` words into segments at pauses and utterance ends. Times are
 * shifted by `offset`; `withConfidence: false` drops the fourth column (a decode without a lattice
 * prints 1.0 for every word, which means "unknown", not "sure").
 */
export function parsePocketsphinx(stdout: string, offset: number, withConfidence = true): SpeechSegment[] {
  const segments: SpeechSegment[] = []
  let words: SpeechWord[] = []
  const flush = () => {
    if (words.length) {
      const joined = joinLetterWords(words)
      const text = joined.map((w) => w.text).join(' ')
      const confs = joined.map((w) => w.confidence)
      const known = confs.every((c) => c !== null)
      const confidence = known ? (confs as number[]).reduce((a, c) => a + c, 0) / confs.length : null
      const blankBelow = (t: number) => joined.map((w) => (w.confidence !== null && w.confidence < t ? ',' : w.text)).join(' ').replace(/ ,/g, ',')
      const keyText = blankBelow(KEY_CONFIDENCE)
      const sureText = withConfidence ? blankBelow(SURE_WORD_CONFIDENCE) : ','
      segments.push({
        start: (joined[0] as SpeechWord).start,
        end: (joined.at(-1) as SpeechWord).end,
        text,
        confidence,
        keyText,
        sureText,
        words: joined
      })
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
      if (token === '</s>' || (token === '<sil>' && end - start >= PAUSE_SECONDS)) flush()
      continue
    }
    const prev = words.at(-1)
    if (prev && (start + offset - prev.end >= PAUSE_SECONDS || words.length >= MAX_SEGMENT_WORDS)) flush()
    // Posteriors come out a hair above 1 (1.000300) from rounding in the decoder.
    const confidence = withConfidence ? Math.min(1, Number(m[4])) : null
    // A retry pads the audio with silence, so the offset can be negative: clamp to the file's start.
    words.push({ text: token.toLowerCase(), start: Math.max(0, round3(start + offset)), end: Math.max(0, round3(end + offset)), confidence })
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

/** Fallback decodes for a chunk the recogniser could not finish ("Failed to find DAG node"). */
const RETRIES: { pad: number; flags: string[]; withConfidence: boolean; name: string }[] = [
  // Mostly short clips whose speech runs to the last sample: silence around it lets the lattice end.
  { pad: 1, flags: [], withConfidence: true, name: 'padded with silence' },
  // No lattice at all: the best path of the first pass, without word confidences.
  { pad: 1, flags: ['-bestpath', 'no'], withConfidence: false, name: 'without a lattice' }
]

export interface ChunkResult {
  segments: SpeechSegment[]
  warnings: string[]
  /** Sum of the lattice best-path scores of the chunk's utterances (log-likelihood); null without a lattice. */
  score: number | null
}

async function decode(bin: string, model: string[], wav: string, log: string, extra: string[], opts: { signal: AbortSignal; timeoutMs: number }) {
  const res = await run(bin, ['-infile', wav, '-time', 'yes', '-logfn', log, ...model, ...extra], opts)
  const text = await readFile(log, 'utf8').catch(() => '')
  const errors = text.split('\n').filter((l) => l.startsWith('ERROR') || l.startsWith('FATAL'))
  const scores = [...text.matchAll(/Bestpath score: (-?\d+)/g)].map((m) => Number(m[1]))
  return { res, errors, score: scores.length ? scores.reduce((a, b) => a + b, 0) : null }
}

const latticeFailure = (errors: string[]) => errors.some((e) => /DAG node|lattice/i.test(e))
const span = (c: Span) => `${clock(c.start)}–${clock(c.end)}`

async function recognizeChunk(
  r: Recognizer,
  model: string[],
  ffmpeg: string,
  wav: string,
  chunk: Span,
  dir: string,
  i: number | string,
  signal: AbortSignal,
  timeoutMs: number,
  extra: string[] = []
): Promise<ChunkResult> {
  const opts = { signal, timeoutMs }
  if (r.kind === 'ffmpeg-asr') {
    const lines: string[] = []
    await run(
      ffmpeg,
      ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info', '-ss', String(chunk.start), '-t', String(chunk.end - chunk.start), '-i', wav,
        '-af', 'apad=pad_dur=1,asr,ametadata=print:key=lavfi.asr.text', '-f', 'null', '-'],
      { ...opts, onStderrLine: (l) => { if (/pts_time|asr\.text/.test(l)) lines.push(l) } }
    )
    return { segments: parseAsrLog(lines, chunk.start, chunk.start), warnings: [], score: null }
  }
  const part = path.join(dir, `speech-${i}.wav`)
  if ((await sliceWav(wav, part, chunk.start, chunk.end)) < 0.2) return { segments: [], warnings: [], score: null }
  const log = path.join(dir, `speech-${i}.log`)
  let { res, errors, score } = await decode(r.bin, model, part, log, extra, opts)
  let segments = res.code === 0 ? parsePocketsphinx(res.stdout, chunk.start) : []
  if (res.code === 0 && !latticeFailure(errors)) return { segments, warnings: [], score }
  // A failed utterance is dropped from the output while the others print: retry the whole chunk.
  const first = errors.find((e) => /DAG node|lattice/i.test(e)) ?? errors[0] ?? `exit code ${res.code}`
  for (const [k, retry] of RETRIES.entries()) {
    const padded = path.join(dir, `speech-${i}-retry.wav`)
    await sliceWav(wav, padded, chunk.start, chunk.end, retry.pad)
    // A log file per attempt: pocketsphinx appends to an existing one.
    ;({ res, errors, score } = await decode(r.bin, model, padded, path.join(dir, `speech-${i}-retry-${k}.log`), [...extra, ...retry.flags], opts))
    if (res.code !== 0) continue
    const again = parsePocketsphinx(res.stdout, chunk.start - retry.pad, retry.withConfidence)
    const words = (x: SpeechSegment[]) => x.reduce((a, sg) => a + sg.text.split(' ').length, 0)
    if (words(again) >= words(segments)) segments = again
    if (!latticeFailure(errors)) {
      const note = retry.withConfidence ? [] : [`speech at ${span(chunk)} decoded ${retry.name}: its words have no confidence and are not used for topics or questions`]
      return { segments, warnings: note, score }
    }
  }
  const reason = errors[0] ?? first
  return {
    segments,
    score: null,
    warnings: [`the speech recogniser failed on ${span(chunk)} (${reason.replace(/^(ERROR|FATAL): /, '').trim()}): ${segments.length ? 'part of it is missing' : 'nothing recognised there'}`]
  }
}

export interface RecognizeResult {
  segments: SpeechSegment[]
  warnings: string[]
  vocabulary: JobVocabulary
  /** The warp fitted to the speaker (pocketsphinx only). */
  speaker: SpeakerFit | null
}

/** Recognises the WAV in chunks split at silences, `concurrency` at a time, with `terms` taught to the recogniser. */
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
  terms?: string[]
}): Promise<RecognizeResult> {
  // A recogniser starts in 0.1 s and its memory stays flat over a chunk's length: chunks of ≤ 30 s
  // keep both cores busy to the end even when other processes take one of them for a while.
  // Each recogniser holds ~65 MB of model: at most 4 at once whatever the core count.
  const parallel = Math.max(1, Math.min(4, o.concurrency))
  const target = Math.min(30, Math.max(20, o.duration / parallel))
  const silentIn = (c: Span) => o.silences.reduce((a, x) => a + Math.max(0, Math.min(c.end, x.end) - Math.max(c.start, x.start)), 0)
  // A chunk that is all silence has nothing to say: skip the recogniser's start-up for it.
  const chunks = chunkBounds(o.duration, o.silences, target).filter((c) => silentIn(c) < (c.end - c.start) * 0.95)
  const model =
    o.recognizer.kind === 'pocketsphinx'
      ? await jobModel(o.recognizer.modelDir, o.dir, o.terms ?? [], DECODER_FLAGS)
      : { args: [], vocabulary: { added: [], unknown: [] } }
  const limit = pLimit(parallel)
  const decodeChunk = (c: Span, i: number | string, extra: string[] = []) =>
    limit(() => recognizeChunk(o.recognizer, model.args, o.ffmpeg, o.wav, c, o.dir, i, o.signal, o.timeoutMs, extra))
  const [first, ...rest] = chunks
  if (o.recognizer.kind !== 'pocketsphinx' || !first) {
    const parts = await Promise.all(chunks.map((c, i) => decodeChunk(c, i)))
    return { segments: parts.flatMap((p) => p.segments), warnings: parts.flatMap((p) => p.warnings), vocabulary: model.vocabulary, speaker: null }
  }
  // The first stretch once per warp: the likeliest decode is kept as its transcript, and its warp decodes the rest.
  const trials = await Promise.all(SPEAKER_WARPS.map((warp, k) => decodeChunk(first, `0-w${k}`, warpFlags(warp))))
  let best = SPEAKER_WARPS.indexOf(1)
  trials.forEach((t, k) => {
    if (t.score !== null && t.score > (trials[best]?.score ?? -Infinity)) best = k
  })
  const warp = SPEAKER_WARPS[best] ?? 1
  const later = await Promise.all(rest.map((c, i) => decodeChunk(c, i + 1, warpFlags(warp))))
  const parts = [trials[best] as ChunkResult, ...later]
  return {
    segments: parts.flatMap((p) => p.segments),
    warnings: parts.flatMap((p) => p.warnings),
    vocabulary: model.vocabulary,
    speaker: { warp, tried: SPEAKER_WARPS.map((w, k) => ({ warp: w, score: trials[k]?.score ?? null })) }
  }
}
