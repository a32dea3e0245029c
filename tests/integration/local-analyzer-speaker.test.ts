import { execFile } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findRecognizer, PROBE_SECONDS, recognize, SPEAKER_WARPS } from '../../src/adapters/analyzer/local/speech'
import { ffmpeg, tempDir, tool } from '../support/media-generate'

const exec = promisify(execFile)
const recognizer = (await tool('ffmpeg')) ? await findRecognizer('ffmpeg', false) : null
const canSpeak = recognizer?.kind === 'pocketsphinx' && Boolean(await tool('flite'))
if (!canSpeak) console.warn('[local-analyzer-speaker] skipped: needs ffmpeg, flite, pocketsphinx and pocketsphinx-en-us')

const TEXT =
  'A river begins high in the hills, where rain and melting snow gather into small streams. ' +
  'The streams join together and carve a valley as the water flows down toward the sea.'

/** A flite narration as the 16 kHz mono WAV the analyzer decodes, `repeat` times over with pauses between. */
async function narration(dir: string, voice: string, repeat = 1): Promise<{ wav: string; duration: number }> {
  const raw = path.join(dir, `raw-${voice}.wav`)
  await exec('flite', ['-voice', voice, '-t', TEXT, '-o', raw])
  const wav = path.join(dir, `${voice}-${repeat}.wav`)
  const inputs = Array.from({ length: repeat }, () => ['-i', raw]).flat()
  const pads = Array.from({ length: repeat }, (_, i) => `[${i}:a]apad=pad_dur=1.5[a${i}]`).join(';')
  const concat = `${Array.from({ length: repeat }, (_, i) => `[a${i}]`).join('')}concat=n=${repeat}:v=0:a=1`
  await ffmpeg([...inputs, '-filter_complex', `${pads};${concat}`, '-ar', '16000', '-ac', '1', wav])
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', wav])
  return { wav, duration: Number(stdout.trim()) }
}

describe.skipIf(!canSpeak)('speech recognition: the recogniser fitted to the speaker', () => {
  let dir = ''
  let cleanup: () => Promise<void> = async () => {}
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-speaker-'))
  })
  afterAll(async () => cleanup())

  const run = async (wav: string, duration: number, sub: string, concurrency = 2) => {
    await mkdir(path.join(dir, sub), { recursive: true })
    return recognize({ recognizer: recognizer!, ffmpeg: 'ffmpeg', wav, duration, silences: [], dir: path.join(dir, sub), concurrency, signal: AbortSignal.timeout(120_000), timeoutMs: 120_000 })
  }
  const warps = (r: Awaited<ReturnType<typeof run>>) => r.speaker?.tried.map((t) => t.warp)
  const best = (r: Awaited<ReturnType<typeof run>>) => r.speaker?.tried.reduce((a, t) => ((t.score ?? -Infinity) > (a.score ?? -Infinity) ? t : a))

  it('tries the vocal-tract warps on the first stretch and keeps the likeliest: a higher one for a female voice than for a male one', async () => {
    const female = await narration(dir, 'slt')
    const male = await narration(dir, 'rms')
    const f = await run(female.wav, female.duration, 'slt')
    const m = await run(male.wav, male.duration, 'rms')
    expect(f.speaker?.warp).toBe(best(f)?.warp)
    expect(m.speaker?.warp).toBe(best(m)?.warp)
    expect(f.speaker?.warp).toBeGreaterThan(1)
    expect(f.speaker?.warp).toBeGreaterThan(m.speaker?.warp ?? Infinity)
    // On two cores the middle warp goes with the one on the voice's side; the other side only when that one lost.
    expect(warps(f)).toEqual([1, 1.1])
    expect(warps(m)).toEqual(m.speaker?.warp === 0.9 ? [0.9, 1] : [...SPEAKER_WARPS])
    // The winning decode of the first stretch is the transcript: nothing is decoded twice at the same warp.
    expect(f.segments.map((s) => s.text).join(' ')).toMatch(/river|streams|valley/)
  })

  it('tries every warp at once when there is a core for each', async () => {
    const female = await narration(dir, 'slt')
    const r = await run(female.wav, female.duration, 'slt-3', 3)
    expect(warps(r)).toEqual([...SPEAKER_WARPS])
    expect(r.speaker?.warp).toBe(best(r)?.warp)
  })

  it('splits a 20 s clip for both cores after the first stretch, and starts the later chunks from the cepstral mean the speaker reached', async () => {
    const clip = await narration(dir, 'slt', 2)
    expect(clip.duration).toBeGreaterThan(PROBE_SECONDS + 10)
    const r = await run(clip.wav, clip.duration, 'slt-2')
    const sub = path.join(dir, 'slt-2')
    const chosen = SPEAKER_WARPS.indexOf(r.speaker?.warp as (typeof SPEAKER_WARPS)[number])
    const probeLog = await readFile(path.join(sub, `speech-0-w${chosen}.log`), 'utf8')
    const reached = [...probeLog.matchAll(/Update to +< ([-\d. ]+) >/g)].at(-1)?.[1]?.trim().split(/ +/).map(Number)
    expect(reached).toHaveLength(13)
    for (const i of [1, 2]) {
      const log = await readFile(path.join(sub, `speech-${i}.log`), 'utf8')
      expect(log).toMatch(new RegExp(`-hmm\\s+${sub.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/acoustic-model\\b`))
      const start = /^-cmninit\s+\S+\s+(\S+)$/m.exec(log)?.[1]?.split(',').map(Number)
      expect(start).toEqual(reached)
    }
    // Both repetitions are heard: the second half comes from the later chunks.
    const late = r.segments.filter((x) => x.start > clip.duration / 2).map((x) => x.text).join(' ')
    expect(late).toMatch(/river|streams|valley|water|snow|hills/)
  })

  it('decodes every later stretch at the warp the first one chose', async () => {
    const long = await narration(dir, 'slt', 4)
    expect(long.duration).toBeGreaterThan(40)
    const r = await run(long.wav, long.duration, 'slt-long')
    expect(r.speaker?.warp).toBeGreaterThan(1)
    const logs = await Promise.all([1, 2].map((i) => readFile(path.join(dir, 'slt-long', `speech-${i}.log`), 'utf8').catch(() => '')))
    expect(logs.filter((l) => l.length > 0).length).toBeGreaterThanOrEqual(1)
    for (const log of logs.filter((l) => l.length > 0)) expect(log).toMatch(new RegExp(`-warp_params\\s+${r.speaker?.warp}\\b`))
    expect(r.segments.at(-1)?.end ?? 0).toBeGreaterThan(long.duration - 20)
  })
})
