import { existsSync } from 'node:fs'
import { copyFile, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import pLimit from 'p-limit'
import { which } from '../ffmpeg-path'
import { run } from './run'
import type { Span } from './signals'
import { LOW_WORD_CONFIDENCE as KEY_CONFIDENCE, SURE_WORD_CONFIDENCE } from './confidence'
import { clock } from './describe'
import { acousticModelDir, jobModel, type JobVocabulary } from './speech-model'
import { medianPitch, quietestMoment, sliceWav } from './wav'

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
 * Vocal tract length warps for the speaker. The model was trained on adult voices of every kind, so
 * a voice far from their average (a high female voice, a deep male one) is heard better with its
 * frequency axis stretched or squeezed toward it. A clearly low voice gets 0.9 and a clearly high
 * one 1.1 from its median pitch alone (see warpForPitch); a voice in between has the warps tried on
 * its first 8 s (PROBE_SECONDS, see tryWarps), and the one whose best path scores highest decodes
 * the rest. Over ~22 s science narrations by four flite voices (bench/speech-settings.ts) warps
 * took mean WER 30.3 → 26.3 % on the quality bench's texts and 26.2 → 25.5 % on others. On 20
 * narrations trying the warps on every voice gave 26.5 %, the pitch alone 26.4 % (the score picked
 * the middle warp for 4 of 15 low voices, about as good) at 10.2× instead of 8.1× real time for the
 * whole analysis. Not taken: five warps 0.05 apart (no better), choosing by the words' mean
 * posterior (worse than no warp), a 6 s trial stretch (WER 26.3 → 29.3 %).
 */
export const SPEAKER_WARPS = [0.9, 1, 1.1] as const

/** Which warp the recogniser used for this speaker, and what each one tried on the first stretch scored. */
export interface SpeakerFit {
  warp: number
  /** The voice's median pitch (Hz) over its first half minute; null when none was found. */
  pitch: number | null
  /** Empty when the pitch settled the warp. */
  tried: { warp: number; score: number | null }[]
}

/** A voice below this median pitch (Hz) is low: men's voices mostly, 85–130 Hz in flite's and most speakers'. */
export const LOW_VOICE_HZ = 140
/** A voice above this median pitch (Hz) is high: women's and children's voices mostly (flite's female voice 165–176 Hz). */
export const HIGH_VOICE_HZ = 160
/** Between low and high, the side of this pitch says which warp is tried beside the middle one first. */
export const MIDDLE_VOICE_HZ = (LOW_VOICE_HZ + HIGH_VOICE_HZ) / 2
/** The voice's pitch is measured over this much of the audio from its start (~40 ms of work). */
const PITCH_SECONDS = 30

/** The warp a clearly low or high voice gets; null for a voice in between or without a pitch: its warps are tried. */
export function warpForPitch(pitch: number | null): number | null {
  if (pitch === null) return null
  if (pitch < LOW_VOICE_HZ) return SPEAKER_WARPS[0]
  if (pitch > HIGH_VOICE_HZ) return SPEAKER_WARPS[2]
  return null
}

const warpFlags = (warp: number): string[] => ['-warp_type', 'inverse_linear', '-warp_params', String(warp)]


/** pocketsphinx_continuous (word timings and confidence), else ffmpeg's `asr` filter; null when neither works. */
export async function findRecognizer(
  ffmpeg: string,
  hasAsrFilter: boolean,
  o: { bin?: string | undefined; modelDir?: string | undefined } = {}
): Promise<Recognizer | null> {
  const modelDir = o.modelDir ?? DEFAULT_MODEL_DIR
  if (!existsSync(path.join(acousticModelDir(modelDir), 'mdef'))) return null
  const bin = o.bin ?? (await which('pocketsphinx_continuous'))
  if (bin) return { kind: 'pocketsphinx', bin, modelDir }
  return hasAsrFilter ? { kind: 'ffmpeg-asr', ffmpeg } : null
}

/** Seconds of speech the speaker warps are tried on (a voice between low and high); the decode at the chosen warp is kept. */
export const PROBE_SECONDS = 8
/** The shortest chunk worth a recogniser's start-up (~0.2 s with the job's dictionary). */
const MIN_CHUNK_SECONDS = 5
/** The longest chunk: a recogniser's memory stays flat over it, and both cores stay busy to the end. */
const MAX_CHUNK_SECONDS = 30

/**
 * Where to cut the audio for the recognisers, as times to aim at: with `probe`, first after
 * PROBE_SECONDS (the stretch the warps are tried on, while the rest waits for the chosen one),
 * then evenly, into at least `parallel` chunks when it is long enough, so a 25 s clip keeps two
 * cores busy as a 6-minute lecture does.
 */
export function chunkGoals(duration: number, parallel: number, probe: boolean): number[] {
  const goals: number[] = []
  let start = 0
  if (probe && duration >= PROBE_SECONDS + MIN_CHUNK_SECONDS) {
    start = PROBE_SECONDS
    goals.push(start)
  }
  const rest = duration - start
  const count = Math.max(1, Math.ceil(rest / MAX_CHUNK_SECONDS), Math.min(parallel, Math.floor(rest / MIN_CHUNK_SECONDS)))
  for (let i = 1; i < count; i++) goals.push(start + (rest * i) / count)
  return goals
}

/**
 * Chunks cut at pauses near the goals, so no word is cut in half: the middle of a silence the
 * signal pass detected (a second or more) when one is within twice the reach, else the quietest
 * moment of the WAV within the reach. On 20 narrations, preferring the long silence over a nearer
 * short pause gave 26.3 % WER against 28.0 %.
 */
export async function speechChunks(wav: string, duration: number, silences: Span[], parallel: number, probe: boolean): Promise<Span[]> {
  const goals = chunkGoals(duration, parallel, probe)
  const mids = silences.map((x) => (x.start + x.end) / 2)
  const chunks: Span[] = []
  let start = 0
  for (const [i, goal] of goals.entries()) {
    const reach = Math.min(2, (goal - (goals[i - 1] ?? 0)) / 4, ((goals[i + 1] ?? duration) - goal) / 4)
    const near = mids.filter((t) => Math.abs(t - goal) <= reach * 2)
    const cut = near.length ? near.reduce((a, b) => (Math.abs(b - goal) < Math.abs(a - goal) ? b : a)) : await quietestMoment(wav, goal - reach, goal + reach)
    if (cut <= start) continue
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

/**
 * Decodes at the speaker warps, indexed like SPEAKER_WARPS; an index left empty was not tried.
 * With a core per warp all go at once. With fewer, the middle warp goes first with the one on the
 * voice's side (high above MIDDLE_VOICE_HZ), and the other side only when that one did not win: the
 * score rises to one peak and falls again over the warps (so on every narration measured), so a
 * winner on one side means the other side would lose. Most voices then cost one round of decodes
 * instead of two.
 */
async function tryWarps(decodeAt: (k: number) => Promise<ChunkResult>, parallel: number, highVoice: boolean): Promise<(ChunkResult | undefined)[]> {
  if (parallel >= SPEAKER_WARPS.length) return Promise.all(SPEAKER_WARPS.map((_, k) => decodeAt(k)))
  const middle = SPEAKER_WARPS.indexOf(1)
  const [near, far] = highVoice ? [middle + 1, middle - 1] : [middle - 1, middle + 1]
  const trials: (ChunkResult | undefined)[] = []
  ;[trials[near], trials[middle]] = await Promise.all([decodeAt(near), decodeAt(middle)])
  const score = (t: ChunkResult | undefined) => t?.score ?? -Infinity
  if (score(trials[near]) <= score(trials[middle])) trials[far] = await decodeAt(far)
  return trials
}

/**
 * The model's arguments with the acoustic model's starting cepstral mean set to `cmn`. The
 * recogniser learns the mean as it goes, so without it the first words of a chunk are heard with
 * the model's default (splitting a narration in two cost 3.4 points of WER). The installed
 * feat.params overrides a `-cmninit` flag, so the chunk gets its own model folder `own`: links to
 * the installed files beside a feat.params of its own.
 */
async function withCepstralMean(args: string[], own: string, cmn: string): Promise<string[]> {
  const at = args.indexOf('-hmm')
  const hmm = args[at + 1]
  if (at < 0 || !hmm) return args
  try {
    await mkdir(own, { recursive: true })
    for (const name of await readdir(hmm)) {
      if (name === 'feat.params') continue
      await symlink(path.join(hmm, name), path.join(own, name)).catch(() => copyFile(path.join(hmm, name), path.join(own, name)))
    }
    const params = await readFile(path.join(hmm, 'feat.params'), 'utf8')
    const lines = params.split('\n').filter((l) => l.trim() && !l.startsWith('-cmninit '))
    await writeFile(path.join(own, 'feat.params'), [...lines, `-cmninit ${cmn}`, ''].join('\n'))
    return args.map((a, k) => (k === at + 1 ? own : a))
  } catch {
    return args
  }
}

/** Seconds before a chunk whose cepstral mean it starts from: about what a decoder running through would have reached. */
const LEAD_IN_SECONDS = 8
/** A word to spot: the cepstral-mean pass needs a search, any search, and this one loads no language model. */
const SPOT_WORD = 'hello HH AH L OW\n'

/**
 * The cepstral mean a recogniser reaches over `span` of the WAV with these front-end flags: the
 * front end alone decides it, so a search for one keyword that scores only every 20th frame
 * (`-ds 20`) gets the very mean a full decode reaches (the same to the last digit), in ~0.1 s
 * instead of a second or more. Null when the pass fails: the chunk then starts from the model's mean.
 */
async function cepstralMean(
  bin: string,
  hmm: string,
  wav: string,
  span: Span,
  dir: string,
  i: number,
  front: string[],
  opts: { signal: AbortSignal; timeoutMs: number }
): Promise<string | null> {
  const part = path.join(dir, `cepstral-mean-${i}.wav`)
  if ((await sliceWav(wav, part, span.start, span.end)) < 0.5) return null
  const dict = path.join(dir, `cepstral-mean-${i}.dict`)
  await writeFile(dict, SPOT_WORD)
  const log = path.join(dir, `cepstral-mean-${i}.log`)
  const res = await run(bin, ['-infile', part, '-logfn', log, '-hmm', hmm, '-dict', dict, '-keyphrase', 'hello', '-kws_threshold', '1e-20', '-ds', '20', ...front], opts).catch(() => {
    // Only the job's abort stops it: a pass that cannot run leaves the chunk the model's mean.
    opts.signal.throwIfAborted()
    return null
  })
  if (res?.code !== 0) return null
  const text = await readFile(log, 'utf8').catch(() => '')
  const mean = [...text.matchAll(/cmn_live\.c\(\d+\): Update to +< ([-\d. ]+) >/g)].at(-1)?.[1]
  return mean ? mean.trim().split(/ +/).join(',') : null
}

export interface RecognizeResult {
  segments: SpeechSegment[]
  warnings: string[]
  vocabulary: JobVocabulary
  /** The warp fitted to the speaker (pocketsphinx only). */
  speaker: SpeakerFit | null
}

/** The WAV to recognise and how. */
export interface SpeechInput {
  recognizer: Recognizer
  wav: string
  duration: number
  silences: Span[]
  dir: string
  concurrency: number
  signal: AbortSignal
  timeoutMs: number
}

/** What is settled about the speech before the video's words are known: they change only the recogniser's vocabulary. */
export interface SpeechLayout {
  pitch: number | null
  /** The warp the voice's pitch settled; null when the warps are tried on the first chunk. */
  settled: number | null
  chunks: Span[]
  /** The later chunks' starting cepstral means by chunk index, when the pitch settled the warp. */
  means: Map<number, Promise<string | null>>
}

/** Recognisers at once: each holds ~65 MB of model, so at most 4 whatever the core count. */
const parallelOf = (concurrency: number) => Math.max(1, Math.min(4, concurrency))

/** The cepstral mean chunk `i` starts from: the one reached over the stretch before it, at its warp. */
const meanBefore = (r: { bin: string; modelDir: string }, o: SpeechInput, c: Span, i: number, warp: number) =>
  cepstralMean(r.bin, acousticModelDir(r.modelDir), o.wav, { start: Math.max(0, c.start - LEAD_IN_SECONDS), end: c.start }, o.dir, i, warpFlags(warp), o)

/**
 * The voice's pitch and warp, the chunks, and, when the pitch settled the warp, the later chunks'
 * starting means: the pipeline starts this as soon as the WAV is written, so the mean passes run
 * one at a time on the core that OCR leaves idle while it reads the slides.
 */
export async function layoutSpeech(o: SpeechInput): Promise<SpeechLayout> {
  const sphinx = o.recognizer.kind === 'pocketsphinx' ? o.recognizer : null
  const pitch = sphinx ? await medianPitch(o.wav, 0, Math.min(o.duration, PITCH_SECONDS)).catch(() => null) : null
  const settled = warpForPitch(pitch)
  // Only a voice between low and high gets a first stretch of its own, for the warps to be tried on.
  const bounds = await speechChunks(o.wav, o.duration, o.silences, parallelOf(o.concurrency), sphinx !== null && settled === null)
  const silentIn = (c: Span) => o.silences.reduce((a, x) => a + Math.max(0, Math.min(c.end, x.end) - Math.max(c.start, x.start)), 0)
  // A chunk that is all silence has nothing to say: skip the recogniser's start-up for it.
  const chunks = bounds.filter((c) => silentIn(c) < (c.end - c.start) * 0.95)
  const means = new Map<number, Promise<string | null>>()
  if (sphinx && settled !== null) {
    const one = pLimit(1)
    chunks.forEach((c, i) => {
      if (i === 0) return
      const mean = one(() => meanBefore(sphinx, o, c, i, settled))
      mean.catch(() => {}) // awaited by the chunk's decode
      means.set(i, mean)
    })
  }
  return { pitch, settled, chunks, means }
}

/** Recognises the WAV in chunks split at silences, `concurrency` at a time, with `terms` taught to the recogniser. */
export async function recognize(o: SpeechInput & { ffmpeg: string; terms?: string[]; layout?: Promise<SpeechLayout> }): Promise<RecognizeResult> {
  const parallel = parallelOf(o.concurrency)
  const sphinx = o.recognizer.kind === 'pocketsphinx' ? o.recognizer : null
  const { pitch, settled, chunks, means } = await (o.layout ?? layoutSpeech(o))
  const model = sphinx ? await jobModel(sphinx.modelDir, o.dir, o.terms ?? [], DECODER_FLAGS) : { args: [], vocabulary: { added: [], unknown: [] } }
  const limit = pLimit(parallel)
  const decodeChunk = (c: Span, i: number | string, extra: string[] = []) =>
    limit(() => recognizeChunk(o.recognizer, model.args, o.ffmpeg, o.wav, c, o.dir, i, o.signal, o.timeoutMs, extra))
  // A later chunk starts from the cepstral mean of the stretch before it: measured in the layout, or here on its core before its decode.
  const decodeLater = (c: Span, i: number, warp: number) =>
    limit(async () => {
      const mean = await (means.get(i) ?? (sphinx ? meanBefore(sphinx, o, c, i, warp) : null))
      const args = mean ? await withCepstralMean(model.args, path.join(o.dir, `acoustic-model-${i}`), mean) : model.args
      return recognizeChunk(o.recognizer, args, o.ffmpeg, o.wav, c, o.dir, i, o.signal, o.timeoutMs, warpFlags(warp))
    })
  const [first, ...rest] = chunks
  if (!sphinx || !first) {
    return { ...joined(await Promise.all(chunks.map((c, i) => decodeChunk(c, i)))), vocabulary: model.vocabulary, speaker: null }
  }
  if (settled !== null) {
    const parts = await Promise.all(chunks.map((c, i) => (i === 0 ? decodeChunk(c, 0, warpFlags(settled)) : decodeLater(c, i, settled))))
    return { ...joined(parts), vocabulary: model.vocabulary, speaker: { warp: settled, pitch, tried: [] } }
  }
  // The first stretch at the warps: the likeliest decode is kept as its transcript, and its warp decodes the rest.
  const trials = await tryWarps((k) => decodeChunk(first, `0-w${k}`, warpFlags(SPEAKER_WARPS[k] ?? 1)), parallel, (pitch ?? 0) > MIDDLE_VOICE_HZ)
  let best = SPEAKER_WARPS.indexOf(1)
  trials.forEach((t, k) => {
    if (t && t.score !== null && t.score > (trials[best]?.score ?? -Infinity)) best = k
  })
  const warp = SPEAKER_WARPS[best] ?? 1
  const later = await Promise.all(rest.map((c, i) => decodeLater(c, i + 1, warp)))
  return {
    ...joined([trials[best] as ChunkResult, ...later]),
    vocabulary: model.vocabulary,
    speaker: { warp, pitch, tried: SPEAKER_WARPS.flatMap((w, k) => (trials[k] ? [{ warp: w, score: trials[k].score }] : [])) }
  }
}

const joined = (parts: ChunkResult[]) => ({ segments: parts.flatMap((p) => p.segments), warnings: parts.flatMap((p) => p.warnings) })
