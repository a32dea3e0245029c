/**
 * How sure the recogniser must be before its words count. pocketsphinx's per-word posterior is
 * noisy: on flite and espeak-ng narrations of science paragraphs, right words averaged 0.75–0.87
 * and wrong ones 0.35–0.55, yet a wrong word can score 0.99 and a right one 0.3. What separated
 * speech it understood from speech it did not was the share of time spent on words it was sure of
 * (≥ 0.9): 0.26–0.28 on three espeak-ng voices (word error rate 71–96 %), 0.36–0.58 on five flite
 * voices (6–62 %). The mean posterior did not (espeak-ng en-gb 0.64 at 79 %, flite awb 0.67 at 26 %).
 */

/** A word below this is marked low-confidence: shown faded, never a key phrase, topic or answer. */
export const LOW_WORD_CONFIDENCE = 0.5

/** A word at or above this is one the recogniser was sure of. */
export const SURE_WORD_CONFIDENCE = 0.9

/** A segment is reliable (usable for summaries, chapter summaries and quiz questions) from this mean on… */
export const RELIABLE_SEGMENT_CONFIDENCE = 0.65
/** …with at most this share of low-confidence words. */
export const RELIABLE_SEGMENT_LOW_SHARE = 0.25

/** Below this overall confidence (share of sure words) the speech counts as not understood: nothing is built from it. */
export const TRANSCRIPT_CONFIDENCE_FLOOR = 0.32

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

/**
 * Overall confidence of a transcript: the share of its words (weighted by how long each is said)
 * the recogniser was sure of; null when it gave no confidences.
 */
export function overallConfidence(words: Scored[]): number | null {
  let sure = 0
  let weight = 0
  for (const w of words) {
    if (w.confidence === null) continue
    const d = Math.max(0.05, w.end - w.start)
    if (w.confidence >= SURE_WORD_CONFIDENCE) sure += d
    weight += d
  }
  return weight > 0 ? sure / weight : null
}

/** How often `phrase` (or its lemma `key`, plural or not) occurs in `text`, as whole words. */
function occurrences(text: string, phrase: string): number {
  const escaped = phrase.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
  return (text.toLowerCase().match(new RegExp(`(^|[^a-z0-9])${escaped}(e?s)?(?![a-z0-9])`, 'g')) ?? []).length
}

/**
 * Machine-transcribed phrases that may become topics, chapter titles or quiz options: a word heard
 * once with high confidence is still often wrong ("sisters" for "synthesis" at 0.99), so a phrase
 * needs to be heard surely (≥ 0.9) twice in the reliable speech (`spoken`, the other words blanked)
 * or to be shown by the video as well. Twice at any confidence let "place" (0.91, 0.76) stand for
 * "plates".
 */
export function trustedSpokenPhrase(p: { key: string; text: string; shown: boolean }, spoken: string): boolean {
  return p.shown || Math.max(occurrences(spoken, p.text), occurrences(spoken, p.key)) >= 2
}
