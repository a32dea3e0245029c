import { existsSync } from 'node:fs'
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_MODEL_DIR } from '../../src/adapters/analyzer/local/speech'
import { topWordsDictionary } from '../../src/adapters/analyzer/local/vocabulary'
import { tempDir } from '../support/media-generate'

/** A sphinxbase trie LM as pocketsphinx writes it: magic, order, counts, 16-bit quantisation tables, unigrams, …, words. */
function trieLm(unigrams: { word: string; prob: number; next: number }[], bigrams: number): Buffer {
  const head = Buffer.alloc(19 + 1 + 12 + 4)
  head.write('Trie Language Model', 0, 'latin1')
  head.writeUInt8(3, 19)
  head.writeUInt32LE(unigrams.length, 20)
  head.writeUInt32LE(bigrams, 24)
  head.writeUInt32LE(0, 28)
  head.writeInt32LE(1, 32)
  const quant = Buffer.alloc(3 * 2 ** 16 * 4)
  const table = Buffer.alloc((unigrams.length + 1) * 12)
  unigrams.forEach((u, i) => {
    table.writeFloatLE(u.prob, i * 12)
    table.writeUInt32LE(u.next, i * 12 + 8)
  })
  table.writeUInt32LE(bigrams, unigrams.length * 12 + 8)
  const words = Buffer.from(unigrams.map((u) => `${u.word}\0`).join(''), 'latin1')
  return Buffer.concat([head, quant, table, Buffer.alloc(64), words])
}

const DICT = ['apple AE P AH L', 'banana B AH N AE N AH', 'cherry CH EH R IY', 'cherry(2) CH ER IY', 'durian D UH R IY AH N', ''].join('\n')

describe('speech vocabulary: a dictionary of the likeliest words of the LM', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-vocab-'))
    await writeFile(path.join(dir, 'dict'), DICT, 'latin1')
  })
  afterAll(async () => cleanup())

  it('keeps the dictionary lines (alternates included) of the top words by unigram probability', async () => {
    const lm = path.join(dir, 'good.lm.bin')
    await writeFile(lm, trieLm([
      { word: 'apple', prob: -5, next: 0 },
      { word: 'banana', prob: -1, next: 1 },
      { word: 'cherry', prob: -2, next: 1 },
      { word: 'durian', prob: -9, next: 2 }
    ], 3))
    expect((await topWordsDictionary(lm, path.join(dir, 'dict'), 2))?.toString('latin1')).toBe('banana B AH N AE N AH\ncherry CH EH R IY\ncherry(2) CH ER IY\n')
    expect((await topWordsDictionary(lm, path.join(dir, 'dict'), 3))?.toString('latin1').split('\n')).toContain('apple AE P AH L')
  })

  it('gives null (use the whole dictionary) for a file that is not a trie LM or reads as junk', async () => {
    const text = path.join(dir, 'arpa.lm')
    await writeFile(text, '\\data\\\nngram 1=4\n')
    expect(await topWordsDictionary(text, path.join(dir, 'dict'), 2)).toBeNull()
    const junk = path.join(dir, 'junk.lm.bin')
    await writeFile(junk, trieLm([
      { word: 'apple', prob: -5, next: 2 },
      { word: 'banana', prob: -1, next: 1 }
    ], 3))
    expect(await topWordsDictionary(junk, path.join(dir, 'dict'), 1)).toBeNull()
  })

  const lm = path.join(DEFAULT_MODEL_DIR, 'en-us.lm.bin')
  const dict = path.join(DEFAULT_MODEL_DIR, 'cmudict-en-us.dict')
  it.skipIf(!existsSync(lm) || !existsSync(dict))("reads Debian's en-us model: 20 k words keep everyday and lecture words", async () => {
    const small = await topWordsDictionary(lm, dict, 20_000)
    const words = new Set((small?.toString('latin1') ?? '').split('\n').map((l) => l.split(' ')[0]?.replace(/\(\d+\)$/, '')))
    expect(words.size).toBeGreaterThan(19_000)
    expect(words.size).toBeLessThanOrEqual(20_001)
    for (const w of ['the', 'lecture', 'packet', 'network', 'certificate']) expect(words).toContain(w)
  })
})
