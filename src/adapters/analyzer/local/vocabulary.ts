import { open, readFile } from 'node:fs/promises'

/**
 * pocketsphinx's memory and speed follow the size of its vocabulary: with the 72 k words of
 * en-us.lm.bin (and 135 k dictionary entries) a recogniser takes ~105 MB and decodes a 130 s
 * lecture in 21 CPU-s; with the 20 k likeliest words it takes ~65 MB and 16 CPU-s at the same
 * word error rate (19.0 %). Measured in bench/local-analyzer.ts and the lecture test.
 */
export const VOCABULARY_SIZE = 20_000

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

/**
 * The `size` likeliest words of the LM, from its unigram table and the word list at the end of the file.
 * Works on buffers and typed arrays: strings are made only for the words kept, so a worker does not
 * grow by tens of MB of heap just before starting the recognisers.
 */
async function likeliestWords(lmFile: string, size: number): Promise<Set<string> | null> {
  const fh = await open(lmFile, 'r')
  try {
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
    const threshold = size >= n ? -Infinity : (Float32Array.from(probs).sort().reverse()[size - 1] as number)
    // The words are the last n NUL-terminated strings of the file, in unigram order: read a tail
    // that fits words of 11 letters on average, and twice that if they turn out longer.
    for (let perWord = 12; ; perWord *= 2) {
      const tailLength = Math.min(fileSize, n * perWord)
      const tail = Buffer.allocUnsafe(tailLength)
      await fh.read(tail, 0, tailLength, fileSize - tailLength)
      const keep = keptWords(tail, probs, threshold, size)
      if (keep || tailLength === fileSize) return keep
    }
  } finally {
    await fh.close()
  }
}

function keptWords(tail: Buffer, probs: Float32Array, threshold: number, size: number): Set<string> | null {
  const keep = new Set<string>()
  let end = tail.length - 1
  for (let i = probs.length - 1; i >= 0; i--) {
    const start = tail.lastIndexOf(0, end - 1) + 1
    if (start <= 0) return null
    if ((probs[i] as number) >= threshold && keep.size < size) keep.add(tail.toString('latin1', start, end))
    end = start - 1
  }
  return keep
}

/** The lines of a pocketsphinx dictionary whose word (alternates "word(2)" included) is in `keep`. */
function filterDictionary(dict: Buffer, keep: Set<string>): Buffer {
  const out = Buffer.allocUnsafe(dict.length) // only the pages written become resident
  let at = 0
  let pos = 0
  while (pos < dict.length) {
    const eol = dict.indexOf(10, pos)
    const lineEnd = eol < 0 ? dict.length : eol + 1
    let wordEnd = pos
    while (wordEnd < lineEnd && dict[wordEnd] !== 32 && dict[wordEnd] !== 9 && dict[wordEnd] !== 10) wordEnd++
    const word = dict.toString('latin1', pos, wordEnd).replace(/\(\d+\)$/, '')
    if (word && keep.has(word)) {
      at += dict.copy(out, at, pos, lineEnd)
      if (out[at - 1] !== 10) out[at++] = 10
    }
    pos = lineEnd
  }
  return Buffer.from(out.subarray(0, at))
}

const cache = new Map<string, Promise<Buffer | null>>()

/**
 * The lines of `dictFile` whose word is among the `size` likeliest words of the trie LM `lmFile`,
 * or null when the LM is not a trie this code can read (then use the whole dictionary).
 * Kept per process: the files are the system's model and do not change under a worker.
 */
export function topWordsDictionary(lmFile: string, dictFile: string, size = VOCABULARY_SIZE): Promise<Buffer | null> {
  const key = `${lmFile}\n${dictFile}\n${size}`
  let hit = cache.get(key)
  if (!hit) {
    hit = (async () => {
      const keep = await likeliestWords(lmFile, size)
      if (!keep) return null
      const kept = filterDictionary(await readFile(dictFile), keep)
      return kept.length ? kept : null
    })().catch(() => null)
    cache.set(key, hit)
  }
  return hit
}
