import { readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { chunkGoals, PROBE_SECONDS, speechChunks } from '../../src/adapters/analyzer/local/speech'
import { medianPitch, quietestMoment, sliceWav } from '../../src/adapters/analyzer/local/wav'
import { tempDir } from '../support/media-generate'

const RATE = 16000

/** A 16 kHz mono WAV from stretches of sound: a voiced buzz (harmonics of `hz`) or noise at `level` of full scale. */
async function wav(file: string, parts: { seconds: number; hz?: number; level: number }[]): Promise<string> {
  const samples: number[] = []
  let seed = 7
  const noise = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31) * 2 - 1
  for (const p of parts) {
    const n = Math.round(p.seconds * RATE)
    for (let i = 0; i < n; i++) {
      const t = i / RATE
      const v = p.hz ? [1, 2, 3, 4].reduce((a, h) => a + Math.sin(2 * Math.PI * p.hz! * h * t) / h, 0) / 2 : noise()
      samples.push(Math.round(Math.max(-1, Math.min(1, v * p.level)) * 32767))
    }
  }
  const pcm = Buffer.alloc(samples.length * 2)
  samples.forEach((s, i) => pcm.writeInt16LE(s, i * 2))
  const h = Buffer.alloc(44)
  h.write('RIFF', 0, 'latin1')
  h.writeUInt32LE(36 + pcm.length, 4)
  h.write('WAVEfmt ', 8, 'latin1')
  h.writeUInt32LE(16, 16)
  h.writeUInt16LE(1, 20)
  h.writeUInt16LE(1, 22)
  h.writeUInt32LE(RATE, 24)
  h.writeUInt32LE(RATE * 2, 28)
  h.writeUInt16LE(2, 32)
  h.writeUInt16LE(16, 34)
  h.write('data', 36, 'latin1')
  h.writeUInt32LE(pcm.length, 40)
  await writeFile(file, Buffer.concat([h, pcm]))
  return file
}

describe('speech chunks: where the recognisers cut the audio', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-chunks-'))
  })
  afterAll(async () => cleanup())

  it('aims at a first stretch for the speaker warps, then splits the rest so every core has a chunk', () => {
    // A 27 s clip: the warps' stretch, then two chunks of the rest for two cores.
    const short = chunkGoals(27, 2, true)
    expect(short[0]).toBe(PROBE_SECONDS)
    expect(short).toHaveLength(2)
    expect(short[1]).toBeCloseTo(PROBE_SECONDS + (27 - PROBE_SECONDS) / 2, 5)
    // Without warps to try (ffmpeg's asr filter) the whole is split evenly.
    expect(chunkGoals(27, 2, false)).toEqual([13.5])
    // A 6.5-minute lecture: chunks of at most 30 s after the first stretch.
    const lecture = chunkGoals(390, 2, true)
    const lengths = [...lecture, 390].map((t, i) => t - (lecture[i - 1] ?? 0))
    expect(lengths[0]).toBe(PROBE_SECONDS)
    expect(Math.max(...lengths)).toBeLessThanOrEqual(30)
    // Too short to split: one chunk, decoded at each warp.
    expect(chunkGoals(9, 2, true)).toEqual([])
    // A chunk costs a recogniser's start-up: none shorter than 5 s for a third core.
    expect(chunkGoals(12, 4, false)).toEqual([6])
  })

  it('cuts in the middle of the pause nearest the aim, even when the pause is not silent', async () => {
    const file = await wav(path.join(dir, 'pauses.wav'), [
      { seconds: 9, hz: 120, level: 0.5 },
      { seconds: 0.4, level: 0.003 }, // a pause with room noise, 9.0–9.4 s
      { seconds: 3, hz: 120, level: 0.5 },
      { seconds: 0.4, level: 0.003 }, // 12.4–12.8 s
      { seconds: 5.2, hz: 120, level: 0.5 }
    ])
    const cut = await quietestMoment(file, 10.5, 14.5)
    expect(cut).toBeGreaterThan(12.45)
    expect(cut).toBeLessThan(12.75)
    // Two pauses as quiet in range: the one nearer the middle of it.
    const nearer = await quietestMoment(file, 8, 15)
    expect(nearer).toBeGreaterThan(12.45)
    expect(nearer).toBeLessThan(12.75)
    expect(await quietestMoment(file, 6, 13)).toBeLessThan(9.4)
  })

  it('never cuts inside a sound: each chunk boundary falls in a pause, and a long silence is preferred when one is near', async () => {
    const file = await wav(path.join(dir, 'speech-like.wav'), [
      { seconds: 7.5, hz: 110, level: 0.4 },
      { seconds: 0.3, level: 0.002 }, // 7.5–7.8
      { seconds: 8.2, hz: 110, level: 0.4 },
      { seconds: 0.3, level: 0.002 }, // 16.0–16.3
      { seconds: 2.4, hz: 110, level: 0.4 },
      { seconds: 0.3, level: 0.002 }, // 18.7–19.0
      { seconds: 6, hz: 110, level: 0.4 }
    ])
    const chunks = await speechChunks(file, 25, [], 2, true)
    expect(chunks).toHaveLength(3)
    expect(chunks[0]?.end).toBeGreaterThan(7.5)
    expect(chunks[0]?.end).toBeLessThan(7.8)
    expect(chunks[1]?.end).toBeGreaterThan(16)
    expect(chunks[1]?.end).toBeLessThan(16.3)
    expect(chunks.at(-1)?.end).toBe(25)
    // A silence the signal pass detected near the aim wins over a short pause nearer to it.
    const withSilence = await speechChunks(file, 25, [{ start: 18.7, end: 19.0 }], 2, true)
    expect(withSilence[1]?.end).toBeCloseTo(18.85, 5)
  })

  it('measures the pitch of a voice: a low and a high buzz apart, silence none', async () => {
    const low = await wav(path.join(dir, 'low.wav'), [{ seconds: 3, hz: 100, level: 0.4 }])
    const high = await wav(path.join(dir, 'high.wav'), [{ seconds: 3, hz: 190, level: 0.4 }])
    const quiet = await wav(path.join(dir, 'quiet.wav'), [{ seconds: 3, level: 0.001 }])
    expect(await medianPitch(low, 0, 3)).toBeGreaterThan(95)
    expect(await medianPitch(low, 0, 3)).toBeLessThan(105)
    expect(await medianPitch(high, 0, 3)).toBeGreaterThan(180)
    expect(await medianPitch(high, 0, 3)).toBeLessThan(200)
    expect(await medianPitch(quiet, 0, 3)).toBeNull()
  })

  it('copies a chunk sample for sample, padded with silence on both sides', async () => {
    const source = await wav(path.join(dir, 'long.wav'), [{ seconds: 40, hz: 150, level: 0.3 }])
    const pcm = (await readFile(source)).subarray(44)
    const part = path.join(dir, 'part.wav')
    expect(await sliceWav(source, part, 10, 12.5, 0.5)).toBeCloseTo(2.5, 5)
    const out = await readFile(part)
    expect(out.readUInt32LE(40)).toBe((2.5 + 1) * RATE * 2)
    expect(out.length).toBe(44 + (2.5 + 1) * RATE * 2)
    const body = out.subarray(44)
    expect(body.subarray(0, RATE).every((b) => b === 0)).toBe(true)
    expect(body.subarray(RATE, RATE + 2.5 * RATE * 2).equals(pcm.subarray(10 * RATE * 2, 12.5 * RATE * 2))).toBe(true)
    expect(body.subarray(RATE + 2.5 * RATE * 2).every((b) => b === 0)).toBe(true)
  })
})
