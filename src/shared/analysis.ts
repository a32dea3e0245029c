import { z } from 'zod'

/** One multiple-choice question; `answer` is the text of the correct option. */
export const QuizQuestion = z
  .object({
    question: z.string().min(1),
    options: z.array(z.string().min(1)).min(2).max(6),
    answer: z.string().min(1),
    explanation: z.string()
  })
  .refine((q) => q.options.includes(q.answer), { message: 'answer must be one of the options', path: ['answer'] })
export type QuizQuestion = z.infer<typeof QuizQuestion>

/** A chapter; times are seconds from the start of the video. */
export const Chapter = z.object({
  start: z.number().min(0),
  end: z.number().min(0).optional(),
  title: z.string().min(1),
  summary: z.string().optional()
})
export type Chapter = z.infer<typeof Chapter>

/**
 * What a model is asked to write. Gemini's response schema is derived from this,
 * and the local analyzer fills the same fields.
 */
export const ModelAnalysis = z.object({
  summary: z.string().min(1),
  topics: z.array(z.string().min(1)).max(30),
  quiz: z.array(QuizQuestion).max(20),
  chapters: z.array(Chapter).optional()
})
export type ModelAnalysis = z.infer<typeof ModelAnalysis>

/** A keyframe image; `path` is relative to DATA_DIR. */
export const Keyframe = z.object({
  time: z.number().min(0),
  path: z.string().min(1),
  text: z.string().optional()
})
export type Keyframe = z.infer<typeof Keyframe>

export const VideoMetadata = z.object({
  durationSeconds: z.number().min(0).nullable(),
  sizeBytes: z.number().int().min(0).nullable().optional(),
  container: z.string().nullable().optional(),
  width: z.number().int().nullable().optional(),
  height: z.number().int().nullable().optional(),
  frameRate: z.number().nullable().optional(),
  videoCodec: z.string().nullable().optional(),
  audioCodec: z.string().nullable().optional(),
  hasAudio: z.boolean(),
  audioChannels: z.number().int().nullable().optional(),
  sampleRate: z.number().int().nullable().optional(),
  bitRate: z.number().nullable().optional(),
  subtitleStreams: z.array(z.object({ index: z.number().int(), codec: z.string(), language: z.string().nullable().optional() }))
})
export type VideoMetadata = z.infer<typeof VideoMetadata>

export const TranscriptSource = z.enum(['subtitles', 'sidecar', 'speech-recognition', 'model', 'none'])
export type TranscriptSource = z.infer<typeof TranscriptSource>

/** A recognised word with the recogniser's confidence in it (0–1); `low` marks one too unsure to rely on. */
export const TranscriptWord = z.object({
  text: z.string(),
  start: z.number().min(0),
  end: z.number().min(0),
  confidence: z.number().min(0).max(1).nullable(),
  low: z.boolean().optional()
})
export type TranscriptWord = z.infer<typeof TranscriptWord>

/**
 * A stretch of the transcript. Machine transcripts add a mean word confidence, the words, and
 * `low` when the stretch was not used for topics, summaries or questions. Older analyses have none.
 */
export const TranscriptSegment = z.object({
  start: z.number().min(0),
  end: z.number().min(0),
  text: z.string(),
  confidence: z.number().min(0).max(1).nullable().optional(),
  low: z.boolean().optional(),
  words: z.array(TranscriptWord).optional()
})
export type TranscriptSegment = z.infer<typeof TranscriptSegment>

export const Transcript = z.object({
  source: TranscriptSource,
  text: z.string(),
  segments: z.array(TranscriptSegment).optional(),
  /** Overall confidence of a machine transcript, 0–1 (word confidences weighted by duration). */
  confidence: z.number().min(0).max(1).nullable().optional(),
  /** True when the confidence is below the floor under which the speech counts as not understood. */
  unintelligible: z.boolean().optional()
})
export type Transcript = z.infer<typeof Transcript>

export const TokenUsage = z.object({
  promptTokens: z.number().int().min(0),
  outputTokens: z.number().int().min(0),
  thoughtsTokens: z.number().int().min(0).optional(),
  totalTokens: z.number().int().min(0),
  costUsd: z.number().min(0).nullable().optional(),
  /** Which prices the cost was computed with (`list prices of 2026-12-01`, `GEMINI_PRICES`); shown next to it. */
  pricedBy: z.string().optional()
})
export type TokenUsage = z.infer<typeof TokenUsage>

/** The short name of the prices behind a cost, shown next to it: their date, or GEMINI_PRICES. */
export function pricesLabel(pricedBy: string | undefined): string {
  if (!pricedBy) return 'undated'
  return pricedBy.match(/\d{4}-\d{2}-\d{2}/)?.[0] ?? pricedBy
}

/** A cost as the console shows it: never without the prices it was computed with. */
export function formatCost(costUsd: number, pricedBy: string | undefined, digits = 4): string {
  return `$${costUsd.toFixed(digits)} (${pricesLabel(pricedBy)} prices)`
}

/** Where the analysis came from and what could not be done; the console shows these as badges. */
export const Provenance = z.object({
  engine: z.enum(['gemini', 'local']),
  /** e.g. `gemini-3-flash-preview`, or `local:ffprobe` / `local:full`. */
  model: z.string(),
  transcriptSource: TranscriptSource,
  warnings: z.array(z.string())
})
export type Provenance = z.infer<typeof Provenance>

/** The analysis saved for a completed video (stored as JSON in `analysis_result`). */
export const Analysis = ModelAnalysis.extend({
  provenance: Provenance,
  metadata: VideoMetadata.optional(),
  transcript: Transcript.optional(),
  keyframes: z.array(Keyframe).optional(),
  usage: TokenUsage.optional(),
  /** Signals worth showing (loudness, black segments…), free-form per engine. */
  signals: z.record(z.string(), z.unknown()).optional()
})
export type Analysis = z.infer<typeof Analysis>
