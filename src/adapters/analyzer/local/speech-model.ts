import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { boostedLm, dictionaryWords, filterDictionary, LONG_WORD_LETTERS, topWordsVocabulary, VOCABULARY_SIZE } from './vocabulary'

/** What the recogniser was told about this video's own words. */
export interface JobVocabulary {
  /** Words shown by the video that the recogniser now knows and prefers. */
  added: string[]
  /** Words shown by the video that the language model does not have, so they cannot be heard. */
  unknown: string[]
}

export interface SpeechModel {
  args: string[]
  vocabulary: JobVocabulary
}

/** Words worth teaching the recogniser: plain lower-case words of 3+ letters, at most `max`. */
export function vocabularyTerms(texts: string[], max = 400): string[] {
  const seen = new Set<string>()
  for (const text of texts) {
    for (const raw of text.toLowerCase().split(/[^a-z']+/)) {
      const w = raw.replace(/^'+|'+$/g, '')
      if (w.length >= 3 && !seen.has(w)) seen.add(w)
      if (seen.size >= max) return [...seen]
    }
  }
  return [...seen]
}

/** The acoustic model inside a pocketsphinx model directory (Debian's layout: `en-us/` beside the LM and dictionary). */
export const acousticModelDir = (modelDir: string): string => path.join(modelDir, 'en-us')

/**
 * The model's files for one job: the dictionary cut to the likeliest and the long words (speed and memory), plus
 * the words the video shows (slide text, title, sidecar vocabulary), which also get a language model
 * copy where they are as likely as common words. Without readable LM/dictionary files the model is
 * used as installed.
 */
export async function jobModel(
  modelDir: string,
  dir: string,
  terms: string[],
  flags: readonly string[],
  size = VOCABULARY_SIZE,
  longFrom = LONG_WORD_LETTERS
): Promise<SpeechModel> {
  const lm = path.join(modelDir, 'en-us.lm.bin')
  const fullDict = path.join(modelDir, 'cmudict-en-us.dict')
  const hmm = ['-hmm', acousticModelDir(modelDir)]
  const none: JobVocabulary = { added: [], unknown: [] }
  if (!existsSync(lm) || !existsSync(fullDict)) return { args: [...hmm, '-lm', lm, '-dict', fullDict, ...flags], vocabulary: none }
  const top = await topWordsVocabulary(lm, fullDict, size, longFrom)
  if (top === null) return { args: [...hmm, '-lm', lm, '-dict', fullDict, ...flags], vocabulary: none }
  const dict = path.join(dir, 'vocabulary.dict')
  if (terms.length === 0) {
    await writeFile(dict, top.dict)
    return { args: [...hmm, '-lm', lm, '-dict', dict, ...flags], vocabulary: none }
  }
  // The terms' own lines: the words added below are among them, so the full cmudict is scanned once.
  const termLines = filterDictionary(await readFile(fullDict), new Set(terms))
  const pronounced = dictionaryWords(termLines)
  const jobLm = path.join(dir, 'vocabulary.lm.bin')
  const boosted = await boostedLm(lm, pronounced, jobLm)
  if (boosted === null) {
    await writeFile(dict, top.dict)
    return { args: [...hmm, '-lm', lm, '-dict', dict, ...flags], vocabulary: none }
  }
  const inLm = boosted.found
  const extra = filterDictionary(termLines, new Set([...inLm].filter((w) => !top.words.has(w))))
  await writeFile(dict, Buffer.concat([top.dict, extra]))
  return {
    args: [...hmm, '-lm', boosted.lm, '-dict', dict, ...flags],
    vocabulary: { added: terms.filter((t) => inLm.has(t)), unknown: terms.filter((t) => !inLm.has(t)) }
  }
}
