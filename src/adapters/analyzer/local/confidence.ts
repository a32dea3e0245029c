/**
 * How sure the recogniser must be before its words count. pocketsphinx's per-word posterior,
 * measured on flite and espeak-ng narrations of a biology paragraph: right words average 0.75–0.87,
 * wrong ones 0.35–0.55; of the words at 0.5 or more, 80–95 % are right on flite voices, but only
 * a quarter on espeak-ng, whose transcript averages 0.40.
 */

/** A word below this is marked low-confidence: shown faded, never a key phrase, topic or answer. */
export const LOW_WORD_CONFIDENCE = 0.5

/** A segment is reliable (usable for summaries, chapter summaries and quiz questions) from this mean on… */
export const RELIABLE_SEGMENT_CONFIDENCE = 0.65
/** …with at most this share of low-confidence words. */
export const RELIABLE_SEGMENT_LOW_SHARE = 0.2

/** Below this overall confidence the speech counts as not understood: nothing is built from it. */
export const TRANSCRIPT_CONFIDENCE_FLOOR = 0.5

export interface Scored {
  start: number
  end: number
  confidence: number | null
}

/** True when a segment's words are sure enough to quote or ask about. */
export function reliableSegment(s: { confidence: number | null; words?: { confidence: number | null }[] | undefined }): boolean {
  if (s.confidence === null) return false
  const words = s.words ?? []
  const low = words.filter((w) => w.confidence === null || w.confidence < LOW_WORD_CONFIDENCE).length
  return s.confidence >= RELIABLE_SEGMENT_CONFIDENCE && low <= words.length * RELIABLE_SEGMENT_LOW_SHARE
}

/** Overall confidence: word confidences weighted by how long each word is said; null when none is known. */
export function overallConfidence(words: Scored[]): number | null {
  let sum = 0
  let weight = 0
  for (const w of words) {
    if (w.confidence === null) continue
    const d = Math.max(0.05, w.end - w.start)
    sum += w.confidence * d
    weight += d
  }
  return weight > 0 ? sum / weight : null
}
