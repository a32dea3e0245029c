import type { Transcript, TranscriptSegment, TranscriptSource } from '../../../shared/analysis'
import { LOW_WORD_CONFIDENCE, overallConfidence, reliableSegment, TRANSCRIPT_CONFIDENCE_FLOOR } from './confidence'
import { sentencesFromCues, type TimedSentence } from './nlp'
import type { Probe } from './probe'
import type { Span } from './signals'
import { recognize, type Recognizer, type SpeakerFit, type SpeechLayout, type SpeechSegment } from './speech'
import type { JobVocabulary } from './speech-model'
import { findSidecar, readEmbedded, readSidecar, type Cue } from './subtitles'

/** Where the transcript will come from, decided before the decode (speech needs the WAV from it). */
export type TranscriptPlan =
  | { source: 'subtitles'; stream: number }
  | { source: 'sidecar'; file: string }
  | { source: 'speech-recognition'; recognizer: Recognizer }
  | { source: 'none'; reason: string | null }

export async function planTranscript(file: string, info: Probe, recognizer: Recognizer | null, speechEnabled: boolean): Promise<TranscriptPlan> {
  const stream = info.textSubtitleStreams[0]
  if (stream !== undefined) return { source: 'subtitles', stream }
  const sidecar = await findSidecar(file)
  if (sidecar) return { source: 'sidecar', file: sidecar }
  if (!info.metadata.hasAudio) return { source: 'none', reason: null }
  if (!speechEnabled) return { source: 'none', reason: 'speech recognition is turned off: no transcript' }
  if (!recognizer) {
    return { source: 'none', reason: 'no speech recognizer installed (apt-get install pocketsphinx pocketsphinx-en-us): no transcript' }
  }
  return { source: 'speech-recognition', recognizer }
}

export interface TranscriptResult {
  source: TranscriptSource
  transcript: Transcript | undefined
  /** Every sentence; only those marked `reliable` may feed topics, summaries and questions. */
  sentences: TimedSentence[]
  warnings: string[]
  /** What the recogniser was taught from the video (speech recognition only). */
  vocabulary?: JobVocabulary
  /** The vocal-tract warp fitted to the speaker (pocketsphinx only). */
  speaker?: SpeakerFit
}

const SILENT_SHARE = 0.97

export async function readTranscript(o: {
  plan: TranscriptPlan
  ffmpeg: string
  file: string
  wav: string | null
  duration: number
  silences: Span[]
  workDir: string
  concurrency: number
  signal: AbortSignal
  timeoutMs: number
  /** Words the video shows, taught to the recogniser for this job. */
  terms?: string[]
  /** The speech's layout, when it was started before the words were known. */
  layout?: Promise<SpeechLayout>
}): Promise<TranscriptResult> {
  const { plan } = o
  const warnings: string[] = []
  let cues: Cue[] = []
  if (plan.source === 'subtitles') {
    cues = await readEmbedded({ ffmpeg: o.ffmpeg, file: o.file, stream: plan.stream, signal: o.signal, timeoutMs: o.timeoutMs })
  } else if (plan.source === 'sidecar') {
    cues = await readSidecar(plan.file)
  } else if (plan.source === 'speech-recognition' && o.wav) {
    const silent = o.silences.reduce((a, s) => a + (s.end - s.start), 0)
    if (silent >= o.duration * SILENT_SHARE) {
      warnings.push('the audio is silent: no speech to transcribe')
      return { source: 'none', transcript: undefined, sentences: [], warnings }
    }
    const recognition = await recognize({ ...o, wav: o.wav, recognizer: plan.recognizer, dir: o.workDir })
    warnings.push(...recognition.warnings)
    const segments = recognition.segments
    if (segments.length === 0) {
      if (recognition.warnings.length === 0) warnings.push('no speech recognised')
      return { source: 'none', transcript: undefined, sentences: [], warnings, vocabulary: recognition.vocabulary, ...(recognition.speaker ? { speaker: recognition.speaker } : {}) }
    }
    const confidence = overallConfidence(segments.flatMap((x) => x.words ?? []))
    const unintelligible = confidence !== null && confidence < TRANSCRIPT_CONFIDENCE_FLOOR
    warnings.push(
      unintelligible
        ? `machine transcript (${plan.recognizer.kind}): the speech could not be understood (confidence ${pct(confidence)}), so nothing is built from it`
        : `machine transcript (${plan.recognizer.kind}): low accuracy, English only${confidence !== null ? `; confidence ${pct(confidence)}` : ''}`
    )
    const sentences: TimedSentence[] = segments.map((x) => ({
      start: x.start,
      end: x.end,
      text: x.text,
      confidence: x.confidence,
      keyText: x.keyText,
      sureText: x.sureText,
      reliable: !unintelligible && reliableSegment(x)
    }))
    return {
      source: 'speech-recognition',
      transcript: {
        source: 'speech-recognition',
        text: segments.map((x) => x.text).join(' '),
        segments: segments.map((x, i) => machineSegment(x, sentences[i]?.reliable ?? false)),
        confidence: confidence === null ? null : Math.round(confidence * 1000) / 1000,
        unintelligible
      },
      sentences,
      warnings,
      vocabulary: recognition.vocabulary,
      ...(recognition.speaker ? { speaker: recognition.speaker } : {})
    }
  } else if (plan.source === 'none' && plan.reason) {
    warnings.push(plan.reason)
  }
  if (plan.source === 'subtitles' || plan.source === 'sidecar') {
    if (cues.length === 0) {
      warnings.push(`the ${plan.source === 'sidecar' ? 'subtitle file' : 'subtitle track'} has no readable cues`)
      return { source: 'none', transcript: undefined, sentences: [], warnings }
    }
    return {
      source: plan.source,
      transcript: { source: plan.source, text: cues.map((c) => c.text).join('\n'), segments: cues.map(round) },
      sentences: sentencesFromCues(cues),
      warnings
    }
  }
  return { source: 'none', transcript: undefined, sentences: [], warnings }
}

const round = (s: { start: number; end: number; text: string }) => ({
  start: Math.round(s.start * 1000) / 1000,
  end: Math.round(s.end * 1000) / 1000,
  text: s.text
})

const pct = (x: number) => `${Math.round(x * 100)} %`
const round3 = (x: number) => Math.round(x * 1000) / 1000

/** A machine-transcript segment with its confidence, its words (low ones marked) and whether it was used. */
function machineSegment(x: SpeechSegment, reliable: boolean): TranscriptSegment {
  return {
    ...round(x),
    confidence: x.confidence === null ? null : round3(x.confidence),
    ...(reliable ? {} : { low: true }),
    words: (x.words ?? []).map((w) => ({
      text: w.text,
      start: w.start,
      end: w.end,
      confidence: w.confidence === null ? null : round3(w.confidence),
      ...(w.confidence === null || w.confidence < LOW_WORD_CONFIDENCE ? { low: true } : {})
    }))
  }
}
