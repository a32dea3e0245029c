import { execFile } from 'node:child_process'
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findRecognizer, recognize, SPEAKER_WARPS } from '../../src/adapters/analyzer/local/speech'
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

  const run = async (wav: string, duration: number, sub: string) => {
    await mkdir(path.join(dir, sub), { recursive: true })
    return recognize({ recognizer: recognizer!, ffmpeg: 'ffmpeg', wav, duration, silences: [], dir: path.join(dir, sub), concurrency: 2, signal: AbortSignal.timeout(120_000), timeoutMs: 120_000 })
  }

  it('tries each vocal-tract warp on the first stretch and keeps the likeliest: a higher one for a female voice than for a male one', async () => {
    const female = await narration(dir, 'slt')
    const male = await narration(dir, 'rms')
    const f = await run(female.wav, female.duration, 'slt')
    const m = await run(male.wav, male.duration, 'rms')
    expect(f.speaker?.tried.map((t) => t.warp)).toEqual([...SPEAKER_WARPS])
    const best = (r: typeof f) => r.speaker?.tried.reduce((a, t) => ((t.score ?? -Infinity) > (a.score ?? -Infinity) ? t : a))
    expect(f.speaker?.warp).toBe(best(f)?.warp)
    expect(m.speaker?.warp).toBe(best(m)?.warp)
    expect(f.speaker?.warp).toBeGreaterThan(1)
    expect(f.speaker?.warp).toBeGreaterThan(m.speaker?.warp ?? Infinity)
    // The winning decode of the first stretch is the transcript: nothing is decoded twice at the same warp.
    expect(f.segments.map((s) => s.text).join(' ')).toMatch(/river|streams|valley/)
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
