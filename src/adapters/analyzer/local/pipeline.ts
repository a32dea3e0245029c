import { mkdtemp, rm } from 'node:fs/promises'
import v8 from 'node:v8'
import vm from 'node:vm'
import os from 'node:os'
import path from 'node:path'
import type { AnalyzeContext } from '../../../core/ports'
import type { Analysis, Chapter } from '../../../shared/analysis'
import type { FfmpegCapabilities, FfmpegTools } from '../ffmpeg-path'
import { buildQuiz, mergeShots, pickTopics, summarise, titleChapters, type TitledShot } from './compose'
import { keyframeTimes, pickCuts, shotsFrom } from './cuts'
import { clock, describeMetadata, metadataTopics, validated } from './describe'
import { extractKeyframes, type ExtractedFrame } from './keyframes'
import { keyPhrases, loadNlp, rankSentences } from './nlp'
import { trustedSpokenPhrase } from './confidence'
import { vocabularyTerms } from './speech-model'
import { sidecarVocabulary } from './subtitles'
import { goodLines, OcrSession, slideTitles, type OcrResult } from './ocr'
import type { TesseractProgram } from './ocr-cli'
import type { Probe } from './probe'
import { signalPass } from './signals'
import { layoutSpeech, type Recognizer, type SpeechLayout } from './speech'
import { planTranscript, readTranscript } from './transcript'
import { errorText } from '../../../shared/error-text'

export interface PipelineSettings {
  dataDir: string
  maxKeyframes: number
  concurrency: number
  ocr: boolean
  speech: boolean
  /** Budget per child process, from the video's length. */
  stepTimeoutMs: number
}

export interface PipelineInput {
  tools: FfmpegTools
  caps: FfmpegCapabilities
  recognizer: Recognizer | null
  /** The tesseract program, when installed; else OCR runs on tesseract.js. */
  tesseract: TesseractProgram | null
  file: string
  info: Probe
  duration: number
  ctx: AnalyzeContext
  signal: AbortSignal
  warnings: string[]
  settings: PipelineSettings
}

/** Decode once, pick shots, read text off frames and speech, then write the analysis. */
export async function fullAnalysis(p: PipelineInput): Promise<Analysis> {
  const { tools, info, settings: s, signal, ctx, warnings } = p
  const m = info.metadata
  const timings: Record<string, number> = {}
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now()
    try {
      return await fn()
    } finally {
      timings[name] = Math.round(performance.now() - t0)
    }
  }
  // In the job's folder when the worker gives one: a crash then leaves the WAV to the job-folder sweep.
  const workDir = await mkdtemp(path.join(ctx.workDir ?? os.tmpdir(), 'vp-local-'))
  let ocrSession: OcrSession | null = null
  let layout: Promise<SpeechLayout> | undefined
  try {
    const plan = await planTranscript(p.file, info, p.recognizer, s.speech)
    // The NLP model adds ~36 MB: with speech, load it once the recognisers have exited (150 ms).
    if (plan.source !== 'speech-recognition') loadNlp().catch(() => {}) // awaited below; avoid an unhandled rejection meanwhile
    const wav = plan.source === 'speech-recognition' ? path.join(workDir, 'audio16k.wav') : null
    const ocrOptions = { program: p.tesseract, workDir }
    // The engine that read the keyframes, once one did.
    let ocrEngine: OcrSession['engine'] | null = null
    // The recognisers wait for the slides' words, so with speech a tesseract.js worker starts now and
    // loads its model while ffmpeg decodes the video. With subtitles the NLP model loads then instead,
    // and both at once with the keyframe extractions would take the peak memory past 300 MB.
    if (s.ocr && info.hasVideo && plan.source === 'speech-recognition') ocrSession = new OcrSession(signal, ocrOptions)
    const sig = await timed('signals', () =>
      signalPass({
        ffmpeg: tools.ffmpeg,
        file: p.file,
        videoStream: info.videoStream,
        audioStream: info.audioStream,
        frameRate: m.frameRate,
        wavPath: wav,
        limitSeconds: p.duration + 1,
        timeoutMs: s.stepTimeoutMs,
        signal,
        onProgress: (sec) => m.sizeBytes && ctx.onProgress(Math.round((m.sizeBytes * Math.min(sec, p.duration)) / p.duration), m.sizeBytes)
      })
    )
    let duration = p.duration
    if (sig.decodedSeconds > 0 && sig.decodedSeconds < p.duration - Math.max(2, p.duration * 0.05)) {
      warnings.push(`the file ends at ${clock(sig.decodedSeconds)} although its header says ${clock(p.duration)}: it is probably truncated`)
      duration = sig.decodedSeconds
    }
    if (sig.decodeErrors > 0) warnings.push(`${sig.decodeErrors} decoding errors: the file may be damaged`)

    // Shots: visual cuts; for audio only, long pauses stand in for them.
    const cuts = info.hasVideo
      ? pickCuts(sig.scenes, sig.frozen, duration)
      : sig.silences.filter((x) => x.end - x.start >= 1.5).map((x) => (x.start + x.end) / 2).filter((t) => t > 1 && t < duration - 1)
    const shots = shotsFrom(cuts, duration)
    // The speech's chunks and their starting means need only the WAV: worked out while the keyframes are read.
    if (plan.source === 'speech-recognition' && wav) {
      layout = layoutSpeech({ recognizer: plan.recognizer, wav, duration, silences: sig.silences, dir: workDir, concurrency: s.concurrency, signal, timeoutMs: s.stepTimeoutMs })
      layout.catch(() => {}) // awaited by the transcript
    }

    let frames: ExtractedFrame[] = []
    if (info.hasVideo && info.videoStream !== null) {
      const dir = p.ctx.artifactsDir
      const videoStream = info.videoStream
      frames = await timed('keyframes', () =>
        extractKeyframes({ ffmpeg: tools.ffmpeg, file: p.file, videoStream, times: keyframeTimes(shots, s.maxKeyframes), dir, concurrency: s.concurrency, signal, timeoutMs: 60_000 })
      )
    }

    const readText = (terms: string[]) =>
      timed('transcript', () =>
        readTranscript({ plan, ffmpeg: tools.ffmpeg, file: p.file, wav, duration, silences: sig.silences, workDir, concurrency: s.concurrency, signal, timeoutMs: s.stepTimeoutMs, terms, layout })
      )
    // Subtitles need nothing from the slides: read them while OCR runs.
    const early = plan.source === 'speech-recognition' ? null : readText([])
    early?.catch(() => {}) // awaited below
    const ocr = await timed('ocr', async (): Promise<OcrResult[]> => {
      if (!s.ocr || frames.length === 0) {
        await ocrSession?.close()
        return []
      }
      ocrSession ??= new OcrSession(signal, ocrOptions)
      try {
        const read = await ocrSession.read(
          frames.map((f) => f.file),
          (warning) => warnings.push(warning)
        )
        ocrEngine = ocrSession.engine
        return read
      } catch (error) {
        signal.throwIfAborted()
        warnings.push(`text on screen not read: ${errorText(error)}`)
        return []
      }
    })
    if (plan.source === 'speech-recognition') collectGarbage()
    const titles = slideTitles(ocr)
    const uniqueTitles = [...new Set(titles.filter((t): t is string => t !== null))]
    const screenText = ocr.flatMap((r) => goodLines(r).map((l) => l.text)).filter((t) => !uniqueTitles.includes(t))
    // Slide text is read before the speech so the recogniser can be taught the video's own words
    // ("enzymes" is neither among its 20 k likeliest nor long enough to be kept). The price, where
    // tesseract.js reads: OCR grows this process for a while after the last image, now under the
    // recognisers' ~65 MB each. bench/local-analyzer.ts --quick measured a peak of 289–306 MB for the
    // speech path, 260–277 MB with the collection after OCR (goal 300 MB); the tesseract program
    // leaves nothing behind (259 MB).
    const terms = plan.source === 'speech-recognition' ? vocabularyTerms([...(p.ctx.title ? [p.ctx.title] : []), ...uniqueTitles, ...screenText, ...(await sidecarVocabulary(p.file))]) : []
    const text = early ? await early : await readText(terms)
    await loadNlp()
    warnings.push(...text.warnings)

    const t0 = performance.now()
    const shotTitles = shots.map((_, i) => {
      const k = frames.findIndex((f) => f.shot === i)
      return k >= 0 ? (titles[k] ?? null) : null
    })
    // Only what was understood feeds topics, chapter summaries, the summary and the quiz.
    const reliable = text.sentences.filter((x) => x.reliable)
    const title = p.ctx.title?.trim() || null
    const spoken = reliable.map((x) => x.sureText ?? x.text).join('\n')
    const machine = text.source === 'speech-recognition'
    const phrases = keyPhrases(
      [
        ...reliable.map((x) => ({ text: x.keyText ?? x.text, weight: x.confidence === null ? 1 : 0.5 + x.confidence })),
        ...uniqueTitles.map((t) => ({ text: t, weight: 3, shown: true })),
        ...(title ? [{ text: title, weight: 2, shown: true }] : []),
        ...screenText.map((t) => ({ text: t, weight: 0.5, shown: true }))
      ],
      30,
      (c) => !machine || trustedSpokenPhrase(c, spoken)
    )
    const scores = rankSentences(reliable, phrases)

    const containerChapters = info.chapters.filter((c) => c.title)
    const chapters: Chapter[] =
      containerChapters.length >= 2
        ? containerChapters.map((c) => ({ start: c.start, ...(c.end !== null ? { end: c.end } : {}), title: c.title as string }))
        : titleChapters(mergeShots(shots.map((sh, i): TitledShot => ({ ...sh, title: shotTitles[i] ?? null })), duration), reliable, scores, phrases)

    const unintelligible = text.transcript?.unintelligible === true
    let topics = pickTopics(uniqueTitles, phrases)
    // Technical tags stand in for topics only when there was nothing to read or hear, never for speech heard badly.
    if (topics.length === 0 && text.sentences.length === 0 && uniqueTitles.length === 0 && screenText.length === 0 && !title) {
      topics = metadataTopics(m, info.hasVideo)
    } else if (topics.length === 0) warnings.push('no topic was heard or shown clearly enough to name')
    const named = chapters.filter((c) => !c.title.startsWith('Part at '))
    const kind = info.hasVideo ? 'video' : 'recording'
    const lead =
      named.length >= 2
        ? `A ${clock(duration)} ${kind} in ${chapters.length} parts: ${named.map((c) => c.title).join('; ')}.`
        : topics.length && (reliable.length || uniqueTitles.length || title)
          ? `A ${clock(duration)} ${kind} about ${topics.slice(0, 4).join(', ')}.`
          : `${describeMetadata(m, info.hasVideo)} ${visualSummary(shots.length, sig, info.hasVideo)}`.trim()
    const notUnderstood = unintelligible ? `${notUnderstoodNote(text.transcript?.confidence ?? null, uniqueTitles.length + screenText.length > 0, title !== null)} ` : ''
    const summary = summarise(`${notUnderstood}${lead}`, reliable, scores)
    const quiz = buildQuiz(chapters, reliable, scores, phrases)
    timings.text = Math.round(performance.now() - t0)

    if (text.sentences.length === 0 && uniqueTitles.length === 0 && screenText.length === 0) {
      warnings.push('no text found: summary and topics describe the file, not its content')
    }
    if (quiz.length === 0) warnings.push('not enough text for quiz questions')
    const subsIgnored = m.subtitleStreams.filter((x) => !info.textSubtitleStreams.includes(x.index))
    if (subsIgnored.length) warnings.push(`bitmap subtitle track (${subsIgnored.map((x) => x.codec).join(', ')}) not read`)

    return validated({
      summary,
      topics,
      quiz,
      chapters,
      provenance: { engine: 'local', model: 'local:full', transcriptSource: text.source, warnings },
      metadata: m,
      ...(text.transcript ? { transcript: text.transcript } : {}),
      keyframes: frames.map((f, i) => {
        const lines = ocr[i] ? goodLines(ocr[i]).map((l) => l.text) : []
        return { time: Math.round(f.time * 1000) / 1000, path: path.relative(s.dataDir, f.file).split(path.sep).join('/'), ...(lines.length ? { text: lines.join('\n') } : {}) }
      }),
      signals: {
        loudness: sig.loudness,
        cuts,
        black: sig.black,
        frozen: sig.frozen.filter((f) => f.end - f.start >= 2),
        silences: sig.silences.slice(0, 500),
        decodedSeconds: Math.round(sig.decodedSeconds * 1000) / 1000,
        ffmpeg: { version: p.caps.version, origin: tools.origin.ffmpeg },
        recognizer: text.source === 'speech-recognition' && plan.source === 'speech-recognition' ? plan.recognizer.kind : null,
        ocr: ocrEngine,
        ...(text.vocabulary ? { vocabulary: { taught: text.vocabulary.added.length, unknown: text.vocabulary.unknown.slice(0, 50) } } : {}),
        ...(text.speaker ? { speakerWarp: text.speaker.warp } : {}),
        timingsMs: timings
      }
    })
  } finally {
    // A step that failed before OCR leaves the worker started: end it.
    void ocrSession?.close()
    // Mean passes still running (the transcript returned early) write into the folder about to go.
    await layout?.then((l) => Promise.allSettled(l.means.values())).catch(() => {})
    await rm(workDir, { recursive: true, force: true })
  }
}

function visualSummary(shots: number, sig: { black: { start: number; end: number }[] }, hasVideo: boolean): string {
  // Without a picture the "shots" are stretches between long pauses, which says little: leave them out.
  if (!hasVideo) return ''
  const parts = [`It has ${shots} shot${shots === 1 ? '' : 's'}`]
  const black = sig.black.reduce((a, b) => a + b.end - b.start, 0)
  if (black >= 1) parts.push(`${Math.round(black)} s of black`)
  return `${parts.join(', ')}.`
}

/** Says plainly that the speech was not understood and what the summary stands on instead. */
function notUnderstoodNote(confidence: number | null, screenText: boolean, title: boolean): string {
  const basis = [screenText ? 'the text on screen' : null, title ? 'the title' : null, 'the file\'s metadata'].filter(Boolean).join(', ')
  const how = confidence === null ? '' : ` (speech recognition confidence ${Math.round(confidence * 100)} %)`
  return `The speech in this recording could not be understood${how}; this summary is built only from ${basis}.`
}

let gc: (() => void) | null = null

/**
 * A full collection right after OCR and before the recognisers start: OCR leaves tens of MB of
 * garbage that V8 would otherwise keep while the recognisers (~65 MB each) run beside it.
 */
function collectGarbage(): void {
  try {
    if (!gc) {
      v8.setFlagsFromString('--expose-gc')
      gc = vm.runInNewContext('gc') as () => void
    }
    gc()
  } catch {
    // Only memory is at stake.
  }
}
