import type { Chapter, QuizQuestion } from '../../../shared/analysis'
import { clock } from './describe'
import { jaccard, type Phrase, type TimedSentence } from './nlp'
import type { Span } from './signals'

export interface TitledShot extends Span {
  /** The slide title read off the shot's keyframe, if any. */
  title: string | null
}

const count = (text: string, phrase: string) =>
  (text.toLowerCase().match(new RegExp(`(^|[^a-z0-9])${phrase.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}s?(?![a-z0-9])`, 'g')) ?? []).length

const has = (sentence: string, phrase: string) =>
  new RegExp(`(^|[^a-z0-9])${phrase.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}s?([^a-z0-9]|$)`).test(sentence.toLowerCase())

/**
 * Shots merged into chapters: a new slide title always starts a chapter (a slide shown for
 * 5 s or more); untitled shots join the chapter before them until it reaches `minSeconds`.
 */
export function mergeShots(shots: TitledShot[], duration: number): TitledShot[] {
  const minSeconds = Math.min(300, Math.max(15, duration / 15))
  const chapters: TitledShot[] = []
  for (const shot of shots) {
    const last = chapters.at(-1)
    const len = (c: Span) => c.end - c.start
    const newTitle = shot.title !== null && shot.title.toLowerCase() !== last?.title?.toLowerCase()
    if (!last || (newTitle && len(last) >= 5 && len(shot) >= 5) || (!newTitle && shot.title === null && len(last) >= minSeconds)) {
      chapters.push({ ...shot })
    } else {
      last.end = shot.end
      last.title ??= shot.title
    }
  }
  const tail = chapters.at(-1)
  const before = chapters.at(-2)
  if (tail && before && tail.title === null && tail.end - tail.start < minSeconds / 2) {
    before.end = tail.end
    chapters.pop()
  }
  return chapters
}

/** Titles chapters from slide text, else the top phrase said in them, else their start time. */
export function titleChapters(merged: TitledShot[], sentences: TimedSentence[], scores: number[], phrases: Phrase[]): Chapter[] {
  const used = new Set<string>()
  return merged.map((c) => {
    const inside = sentences.map((s, i) => ({ s, score: scores[i] ?? 0 })).filter(({ s }) => s.start >= c.start - 0.5 && s.start < c.end)
    const spoken = inside.map(({ s }) => s.text).join(' ')
    let title = c.title
    if (!title) {
      const phrase = phrases.find((p) => !used.has(p.key) && has(spoken, p.text))
      if (phrase) {
        used.add(phrase.key)
        title = phrase.text.charAt(0).toUpperCase() + phrase.text.slice(1)
      }
    }
    const best = inside.sort((a, b) => b.score - a.score)[0]
    const chapter: Chapter = { start: round(c.start), end: round(c.end), title: title ?? `Part at ${clock(c.start)}` }
    if (best && best.score > 0) chapter.summary = best.s.text
    return chapter
  })
}

const round = (t: number) => Math.round(t * 100) / 100

/** Slide titles first (they are what the speaker chose to name), then phrases; no near-duplicates. */
export function pickTopics(titles: string[], phrases: Phrase[], max = 12): string[] {
  const topics: string[] = []
  const add = (t: string) => {
    const lower = t.toLowerCase()
    if (topics.length >= max || topics.some((x) => x.toLowerCase() === lower)) return
    topics.push(t)
  }
  for (const t of titles) if (t.split(' ').length <= 8) add(t)
  for (const p of phrases) if (!topics.some((t) => has(t, p.text))) add(p.text)
  return topics
}

/** A lead from the chapters and topics, then the best sentences in the order they were said. */
export function summarise(lead: string, sentences: TimedSentence[], scores: number[], count = 4): string {
  const order = sentences.map((s, i) => ({ s, i, score: scores[i] ?? 0 })).filter((x) => x.score > 0)
  order.sort((a, b) => b.score - a.score)
  const picked: typeof order = []
  for (const x of order) {
    if (picked.length >= count) break
    if (picked.some((p) => jaccard(p.s.text, x.s.text) > 0.5)) continue
    picked.push(x)
  }
  picked.sort((a, b) => a.i - b.i)
  const body = picked.map((p) => sentenceCase(p.s.text)).join(' ')
  return body ? `${lead} ${body}` : lead
}

function sentenceCase(s: string): string {
  const t = s.charAt(0).toUpperCase() + s.slice(1)
  return /[.!?]$/.test(t) ? t : `${t}.`
}

/** Puts the answer at a position that varies by question, deterministically. */
function arrange(answer: string, distractors: string[], seed: number): string[] {
  const options = distractors.slice(0, 3)
  options.splice(seed % (options.length + 1), 0, answer)
  return options
}

/**
 * Multiple-choice questions with no language model: which part starts when (from titled
 * chapters), and fill-in-the-blank questions from well-recognised sentences holding a topic.
 */
export function buildQuiz(chapters: Chapter[], sentences: TimedSentence[], scores: number[], phrases: Phrase[], max = 5): QuizQuestion[] {
  const quiz: QuizQuestion[] = []
  const titled = chapters.filter((c) => !c.title.startsWith('Part at '))
  if (titled.length >= 3) {
    const target = titled[Math.min(titled.length - 1, Math.floor(titled.length / 2))] as Chapter
    const others = titled.filter((c) => c !== target).map((c) => c.title)
    quiz.push({
      question: `Which part of the video starts at ${clock(target.start)}?`,
      options: arrange(target.title, others, 1),
      answer: target.title,
      explanation: `At ${clock(target.start)} the video moves on to "${target.title}"${target.summary ? `: ${target.summary}` : '.'}`
    })
  }
  const ranked = sentences.map((s, i) => ({ s, score: scores[i] ?? 0 })).sort((a, b) => b.score - a.score)
  const usedPhrases = new Set<string>()
  for (const { s } of ranked) {
    if (quiz.length >= max) break
    if (s.text.split(/\s+/).length < 7 || (s.confidence !== null && s.confidence < 0.55)) continue
    // The answer must be a word the recogniser was sure of every time it occurs in the sentence
    // (`keyText` has the unsure ones blanked), or the blank would hide a guess.
    const phrase = phrases.find((p) => !usedPhrases.has(p.key) && has(s.text, p.text) && count(s.keyText ?? s.text, p.text) === count(s.text, p.text))
    if (!phrase) continue
    const acronym = /^[A-Z]{2,6}$/.test(phrase.text)
    const distractors = phrases
      .filter((p) => p.key !== phrase.key && !has(s.text, p.text) && !has(s.text, p.key) && /^[A-Z]{2,6}$/.test(p.text) === acronym)
      // Options of the same length as the answer first, so the answer does not stand out.
      .sort((a, b) => Number(a.words !== phrase.words) - Number(b.words !== phrase.words))
      .map((p) => p.text)
    if (distractors.length < 1) continue
    usedPhrases.add(phrase.key)
    const escaped = phrase.text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    const blanked = s.text.replace(new RegExp(`\\b${escaped}(s?)\\b`, 'i'), '_____$1')
    quiz.push({
      question: `Fill in the blank: "${blanked}"`,
      options: arrange(phrase.text, distractors, quiz.length + 2),
      answer: phrase.text,
      explanation: `At ${clock(s.start)} the video says: "${s.text}"`
    })
  }
  return quiz
}
