import { copyFile, open, readFile, type FileHandle } from 'node:fs/promises'

/**
 * pocketsphinx's memory and speed follow the size of its vocabulary: with the 72 k words of
 * en-us.lm.bin (and 135 k dictionary entries) a recogniser takes ~105 MB and decodes a 130 s
 * lecture in 21 CPU-s; with the 20 k likeliest words it takes ~65 MB and 16 CPU-s at the same
 * word error rate (19.0 %). Measured in bench/local-analyzer.ts and the lecture test.
 * Not larger: on ~22 s science narrations by four flite voices (bench/speech-settings.ts, mean WER,
 * quality bench texts / other texts), 20 k gave 36.2 / 25.7 %, 40 k 32.4 / 26.6 %, all 72 k
 * 29.7 / 27.2 %: text that uses words ranked past 20 k gains, other speech has more short words to
 * be confused with. Hence the long words below.
 */
export const VOCABULARY_SIZE = 20_000

/**
 * Words this long are kept whatever their rank: the terms of a subject ("photosynthesis",
 * "chlorophyll", "precipitation") are long and rare, and a long word is hard to mistake for common
 * speech. On the same narrations, the 20 k words plus every LM word of 9+ letters (22 k more, 42 k
 * dictionary lines) gave 30.3 / 26.2 % at 77 MB per recogniser (against 67 MB) and 4 % more CPU;
 * 7+ letters (61 k lines) gave 29.5 / 28.1 %.
 */
export const LONG_WORD_LETTERS = 9

const MAGIC = 'Trie Language Model'
const QUANT_BINS = 2 ** 16

interface TrieHead {
  order: number
  counts: number[]
  unigramsAt: number
}

/** Layout of a sphinxbase trie LM (ngram_model_trie.c): magic, order, counts, quantisation, unigrams. */
function trieHead(head: Buffer): TrieHead | null {
  if (head.toString('latin1', 0, MAGIC.length) !== MAGIC) return null
  const order = head.readUInt8(MAGIC.length)
  if (order < 2 || order > 5) return null
  const counts = Array.from({ length: order }, (_, i) => head.readUInt32LE(MAGIC.length + 1 + i * 4))
  const quantAt = MAGIC.length + 1 + order * 4
  // Type 1 = 16-bit quantised: a probability and a backoff table per middle order, a probability table for the last.
  if (head.readInt32LE(quantAt) !== 1) return null
  const quantBytes = ((order - 2) * 2 + 1) * QUANT_BINS * 4
  return { order, counts, unigramsAt: quantAt + 4 + quantBytes }
}

interface Unigrams {
  head: TrieHead
  /** Log10 probability of every unigram, in the LM's order. */
  probs: Float32Array
  fileSize: number
}

/** The unigram table of a trie LM, or null when the layout reads as junk. */
async function readUnigrams(fh: FileHandle): Promise<Unigrams | null> {
  const fileSize = (await fh.stat()).size
  const first = Buffer.alloc(Math.min(fileSize, 64))
  await fh.read(first, 0, first.length, 0)
  const t = trieHead(first)
  if (!t) return null
  const n = t.counts[0] as number
  const unigrams = Buffer.alloc((n + 1) * 12) // {float prob, float backoff, uint32 next}; one sentinel
  if (t.unigramsAt + unigrams.length > fileSize) return null
  await fh.read(unigrams, 0, unigrams.length, t.unigramsAt)
  const probs = new Float32Array(n)
  let lastNext = 0
  for (let i = 0; i < n; i++) {
    probs[i] = unigrams.readFloatLE(i * 12)
    const next = unigrams.readUInt32LE(i * 12 + 8)
    // A layout we misread shows as junk: bigram offsets must not go down, log probabilities not above 0.
    if (next < lastNext || !((probs[i] as number) <= 0)) return null
    lastNext = next
  }
  if (lastNext > (t.counts[1] as number)) return null
  return { head: t, probs, fileSize }
}

/**
 * Calls `visit(index, start, end)` for the words of the LM, last first: they are the last n
 * NUL-terminated strings of the file, in unigram order. Reads a tail that fits words of 11
 * letters on average, and twice that if they turn out longer. False when the tail cannot be read.
 */
async function eachWord(fh: FileHandle, u: Unigrams, visit: (tail: Buffer, index: number, start: number, end: number) => void): Promise<boolean> {
  const n = u.probs.length
  for (let perWord = 12; ; perWord *= 2) {
    const tailLength = Math.min(u.fileSize, n * perWord)
    const tail = Buffer.allocUnsafe(tailLength)
    await fh.read(tail, 0, tailLength, u.fileSize - tailLength)
    const bounds = new Uint32Array(n * 2)
    let end = tail.length - 1
    let ok = true
    for (let i = n - 1; i >= 0; i--) {
      const start = tail.lastIndexOf(0, end - 1) + 1
      if (start <= 0) {
        ok = false
        break
      }
      bounds[i * 2] = start
      bounds[i * 2 + 1] = end
      end = start - 1
    }
    if (ok) {
      for (let i = n - 1; i >= 0; i--) visit(tail, i, bounds[i * 2] as number, bounds[i * 2 + 1] as number)
      return true
    }
    if (tailLength === u.fileSize) return false
  }
}

/**
 * The `size` likeliest words of the LM and its words of `longFrom`+ letters, from its unigram table
 * and the word list at the end of the file.
 * Works on buffers and typed arrays: strings are made only for the words kept, so a worker does not
 * grow by tens of MB of heap just before starting the recognisers.
 */
async function likeliestWords(lmFile: string, size: number, longFrom: number): Promise<Set<string> | null> {
  const fh = await open(lmFile, 'r')
  try {
    const u = await readUnigrams(fh)
    if (!u) return null
    const n = u.probs.length
    const threshold = size >= n ? -Infinity : (Float32Array.from(u.probs).sort().reverse()[size - 1] as number)
    const keep = new Set<string>()
    let top = 0
    const ok = await eachWord(fh, u, (tail, i, start, end) => {
      if ((u.probs[i] as number) >= threshold && top < size) {
        top++
        keep.add(tail.toString('latin1', start, end))
      } else if (end - start >= longFrom) keep.add(tail.toString('latin1', start, end))
    })
    return ok ? keep : null
  } finally {
    await fh.close()
  }
}

/**
 * Copies the trie LM `lmFile` to `out` with the unigram probability of each of `words` raised to
 * at least `floorLog10`, so the recogniser prefers words the video shows ("chlorophyll" over
 * "helicopters") wherever no bigram or trigram says otherwise. Returns the words found in the LM and
 * the LM to use (`out`, or `lmFile` when none needed raising), or null when the LM is not a trie
 * this code can read (then use the LM as it is).
 */
export async function boostedLm(
  lmFile: string,
  words: Iterable<string>,
  out: string,
  floorLog10 = BOOST_LOG10
): Promise<{ found: Set<string>; lm: string } | null> {
  const wanted = new Set([...words].map((w) => w.toLowerCase()))
  const lengths = new Set([...wanted].map((w) => Buffer.byteLength(w, 'latin1')))
  const fh = await open(lmFile, 'r')
  const found = new Map<number, string>()
  try {
    const u = await readUnigrams(fh)
    if (!u) return null
    const ok = await eachWord(fh, u, (tail, i, start, end) => {
      if (!lengths.has(end - start)) return
      const w = tail.toString('latin1', start, end)
      if (wanted.has(w)) found.set(i, w)
    })
    if (!ok) return null
    const floor = floorLog10 * LOG_UNITS_PER_LOG10
    const raise = [...found.keys()].filter((i) => (u.probs[i] as number) < floor)
    // Only common words shown: the LM already prefers them, so spare the job a 27 MB copy.
    if (raise.length === 0) return { found: new Set(found.values()), lm: lmFile }
    await copyFile(lmFile, out)
    const patch = await open(out, 'r+')
    try {
      const value = Buffer.alloc(4)
      value.writeFloatLE(floor, 0)
      for (const i of raise) await patch.write(value, 0, 4, u.head.unigramsAt + i * 12)
    } finally {
      await patch.close()
    }
  } finally {
    await fh.close()
  }
  return { found: new Set(found.values()), lm: out }
}

/**
 * The log10 unigram probability a word the video shows is raised to: that of a common word
 * (rank ~2,000 in Debian's en-us LM; rank 5,000 is -5). On flite narrations of a biology paragraph
 * this cut the word error rate a little more than -3 or -5 did, on top of what adding the words
 * to the dictionary gained (bench/local-quality.ts).
 */
/** Probabilities in the trie are logarithms in base 1.0001, sphinxbase's default `-logbase`. */
const LOG_UNITS_PER_LOG10 = Math.log(10) / Math.log(1.0001)

export const BOOST_LOG10 = -4

/** The lines of a pocketsphinx dictionary whose word (alternates "word(2)" included) is in `keep`. */
export function filterDictionary(dict: Buffer, keep: Set<string>): Buffer {
  const out = Buffer.allocUnsafe(dict.length) // only the pages written become resident
  // A word is read into a string only when its length is one kept: 135 k lines in ~5 ms instead of ~35.
  const lengths = new Set([...keep].map((w) => Buffer.byteLength(w, 'latin1')))
  let at = 0
  let pos = 0
  while (pos < dict.length) {
    const eol = dict.indexOf(10, pos)
    const lineEnd = eol < 0 ? dict.length : eol + 1
    let wordEnd = pos
    while (wordEnd < lineEnd && dict[wordEnd] !== 32 && dict[wordEnd] !== 9 && dict[wordEnd] !== 10) wordEnd++
    // An alternate pronunciation is "word(2)": its word ends at the bracket.
    const open = dict[wordEnd - 1] === 41 ? dict.lastIndexOf(40, wordEnd - 1) : -1
    const baseEnd = open > pos ? open : wordEnd
    const word = lengths.has(baseEnd - pos) ? dict.toString('latin1', pos, baseEnd) : ''
    if (word && keep.has(word)) {
      at += dict.copy(out, at, pos, lineEnd)
      if (out[at - 1] !== 10) out[at++] = 10
    }
    pos = lineEnd
  }
  return Buffer.from(out.subarray(0, at))
}

/** The words (alternates folded) of a pocketsphinx dictionary. */
export function dictionaryWords(dict: Buffer): Set<string> {
  const words = new Set<string>()
  for (const line of dict.toString('latin1').split('\n')) {
    const word = line.split(/[ \t]/, 1)[0]?.replace(/\(\d+\)$/, '')
    if (word) words.add(word)
  }
  return words
}

/** A cut-down dictionary and the words it has. */
export interface TopVocabulary {
  dict: Buffer
  words: Set<string>
}

const cache = new Map<string, Promise<TopVocabulary | null>>()

/**
 * The lines of `dictFile` whose word is among the `size` likeliest words of the trie LM `lmFile` or
 * has `longFrom`+ letters, and those words; null when the LM is not a trie this code can read (then
 * use the whole dictionary). Kept per process: the files are the system's model and do not change
 * under a worker, and the word set (~3 MB) made once spares every job with slide words making it
 * again (~10 MB of strings that the process then keeps as resident memory while the recognisers run).
 */
export function topWordsVocabulary(lmFile: string, dictFile: string, size = VOCABULARY_SIZE, longFrom = LONG_WORD_LETTERS): Promise<TopVocabulary | null> {
  const key = `${lmFile}\n${dictFile}\n${size}\n${longFrom}`
  let hit = cache.get(key)
  if (!hit) {
    hit = (async () => {
      const keep = await likeliestWords(lmFile, size, longFrom)
      if (!keep) return null
      const dict = filterDictionary(await readFile(dictFile), keep)
      return dict.length ? { dict, words: dictionaryWords(dict) } : null
    })().catch(() => null)
    cache.set(key, hit)
  }
  return hit
}
