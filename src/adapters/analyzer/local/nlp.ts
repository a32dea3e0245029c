import type { ItemSentence, ItsFunction } from 'wink-nlp'
import type WinkNlp from 'wink-nlp'

/** A sentence of the transcript with where it is said. */
export interface TimedSentence {
  start: number
  end: number
  text: string
  confidence: number | null
  /** Text for key phrases when it differs (low-confidence words blanked). */
  keyText?: string | undefined
  /** Machine transcripts: the text with all but the surely recognised words blanked. */
  sureText?: string | undefined
  /** False for a machine-transcribed sentence too unsure to summarise, title or ask about. */
  reliable: boolean
}

export interface Phrase {
  /** Lower-cased lemma key used for matching and de-duplication. */
  key: string
  /** How it reads (most frequent surface form; acronyms upper case). */
  text: string
  score: number
  words: number
  /** True when it occurs in a source marked `shown` (slide text, the title), not only in speech. */
  shown: boolean
}

let instance: ReturnType<typeof WinkNlp> | null = null

/**
 * Loads wink-nlp and its English model (~25 MB, ~0.1–0.5 s) on first use rather than at
 * import, so a worker that analyses with Gemini never pays for it.
 */
export async function loadNlp(): Promise<void> {
  if (instance) return
  const [{ default: winkNLP }, { default: model }] = await Promise.all([import('wink-nlp'), import('wink-eng-lite-web-model')])
  instance ??= winkNLP(model)
}

function nlp(): ReturnType<typeof WinkNlp> {
  if (!instance) throw new Error('loadNlp() must finish before the text functions run')
  return instance
}

/** Splits text into sentences, mapping each back to the time of the cue its first character came from. */
export function sentencesFromCues(cues: { start: number; end: number; text: string }[]): TimedSentence[] {
  const offsets: { at: number; start: number; end: number }[] = []
  let text = ''
  for (const c of cues) {
    offsets.push({ at: text.length, start: c.start, end: c.end })
    text += `${c.text} `
  }
  const out: TimedSentence[] = []
  let from = 0
  for (const raw of nlp().readDoc(text).sentences().out()) {
    const s = raw.trim()
    if (!s) continue
    const at = Math.max(0, text.indexOf(s.slice(0, 20), from))
    from = at + s.length
    const first = offsets.filter((o) => o.at <= at).at(-1) ?? offsets[0]
    const last = offsets.filter((o) => o.at < from).at(-1) ?? first
    if (first && last) out.push({ start: first.start, end: last.end, text: s, confidence: null, reliable: true })
  }
  return out
}

const GENERIC = new Set([
  'thing', 'things', 'way', 'lot', 'kind', 'part', 'time', 'today', 'people', 'something', 'anything', 'video', 'example',
  'bit', 'fact', 'point', 'number', 'case', 'lecture', 'talk', 'slide', 'presentation', 'section', 'course', 'lesson', 'minute'
])
const ACRONYM = /^[A-Z]{2,6}s?$/

/**
 * Noun phrases (runs of adjectives and nouns ending in a noun, up to 3 words) scored by
 * frequency × source weight; acronyms get a bonus, generic words are dropped.
 */
export function keyPhrases(sources: { text: string; weight: number; shown?: boolean }[], max = 30, keep: (p: Phrase) => boolean = () => true): Phrase[] {
  const its = nlp().its
  const found = new Map<string, { score: number; forms: Map<string, number>; words: number; shown: boolean }>()
  let shownSource = false
  const add = (key: string, form: string, weight: number, words: number) => {
    const entry = found.get(key) ?? { score: 0, forms: new Map(), words, shown: false }
    entry.score += weight
    entry.shown ||= shownSource
    entry.forms.set(form, (entry.forms.get(form) ?? 0) + 1)
    found.set(key, entry)
  }
  for (const { text, weight, shown } of sources) {
    shownSource = shown === true
    const doc = nlp().readDoc(text)
    doc.sentences().each((sentence: ItemSentence) => {
      const tokens = sentence.tokens()
      const pos = tokens.out(its.pos) as string[]
      // The typings declare `its.lemma` with a signature `out` does not accept; it works at run time.
      const lemma = tokens.out(its.lemma as unknown as ItsFunction<string>) as string[]
      const surface = tokens.out() as string[]
      const stop = tokens.out(its.stopWordFlag) as boolean[]
      let runStart = 0
      const flushRun = (runEnd: number) => {
        // A "noun" right before a determiner is usually a verb the tagger missed ("engineers measure each").
        const end = /^(DET|PRON)$/.test(pos[runEnd] ?? '') ? runEnd - 1 : runEnd
        // Candidate phrases are the run's suffixes ending in a noun, 1–3 words long.
        for (let e = end; e > runStart; e--) {
          if (!/^(NOUN|PROPN)$/.test(pos[e - 1] ?? '')) continue
          for (let len = 1; len <= 3 && e - len >= runStart; len++) {
            const words = surface.slice(e - len, e)
            const key = lemma.slice(e - len, e).join(' ').toLowerCase()
            const ends = [lemma[e - len], lemma[e - 1]].map((w) => (w ?? '').toLowerCase())
            if (ends.some((w) => GENERIC.has(w))) continue
            if (words.some((w) => w.length < 2 && !/^[A-Z]$/.test(w))) continue
            const form = words.map((w) => (ACRONYM.test(w) ? w : w.toLowerCase())).join(' ')
            add(key, form, weight * (len === 1 ? 1 : 1.5) + (ACRONYM.test(words.join('')) ? 1 : 0), len)
          }
          break
        }
      }
      for (let i = 0; i <= pos.length; i++) {
        const tag = pos[i] ?? ''
        // Nouns are never dropped as stop words ("name" is one); gerunds inside a run count as nouns ("packet routing").
        const nounish = /^(NOUN|PROPN)$/.test(tag) || (tag === 'ADJ' && !stop[i]) || (tag === 'VERB' && i > runStart && /ing$/i.test(surface[i] ?? ''))
        if (tag === 'VERB' && nounish) {
          pos[i] = 'NOUN'
          lemma[i] = (surface[i] ?? '').toLowerCase()
        }
        const ok = i < pos.length && nounish && /[a-z]/i.test(surface[i] ?? '')
        if (!ok) {
          if (i > runStart) flushRun(i)
          runStart = i + 1
        }
      }
    })
  }
  const phrases: Phrase[] = [...found.entries()].map(([key, e]) => {
    const form = [...e.forms.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? key
    // Forms are de-duplicated by lemma; shown as the lemma when that form occurred ("packet" for
    // "packet" and "packets"), else as said or written: a lemma nobody used ("stoma") reads oddly.
    return { key, text: e.forms.has(key) ? key : form, score: e.score, words: e.words, shown: e.shown }
  })
  phrases.sort((a, b) => b.score - a.score || a.key.localeCompare(b.key))
  // Filtered before the nesting below, so an untrusted "heart pumps blood" does not hide "blood".
  const eligible = phrases.filter(keep)
  // Drop a phrase inside a better-scored one ("control protocol" under "transmission control protocol").
  const kept: Phrase[] = []
  for (const p of eligible) {
    if (kept.some((k) => (` ${k.key} `.includes(` ${p.key} `) || ` ${p.key} `.includes(` ${k.key} `)) && k.score >= p.score * 0.5)) continue
    kept.push(p)
    if (kept.length >= max) break
  }
  return kept
}

const CUES = /\b(to summari[sz]e|in summary|in conclusion|the key (point|idea)|most important|remember)\b/i

/** Scores sentences by the key phrases they carry, cue phrases and recogniser confidence. */
export function rankSentences(sentences: TimedSentence[], phrases: Phrase[]): number[] {
  return sentences.map((s) => {
    const lower = ` ${s.text.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ')} `
    let score = 0
    for (const p of phrases) if (lower.includes(` ${p.key} `) || lower.includes(` ${p.text.toLowerCase()} `)) score += p.score
    const words = s.text.split(/\s+/).length
    if (words < 5) return 0
    score /= Math.sqrt(words)
    if (CUES.test(s.text)) score *= 2
    return score * (s.confidence ?? 1)
  })
}

/** Word-set overlap of two sentences, for de-duplicating a summary. */
export function jaccard(a: string, b: string): number {
  const wa = new Set(a.toLowerCase().split(/\W+/).filter(Boolean))
  const wb = new Set(b.toLowerCase().split(/\W+/).filter(Boolean))
  const inter = [...wa].filter((w) => wb.has(w)).length
  return inter / Math.max(1, wa.size + wb.size - inter)
}
