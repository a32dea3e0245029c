import { execFile } from 'node:child_process'
import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { DEFAULT_MODEL_DIR, findRecognizer, HIGH_VOICE_HZ, LOW_VOICE_HZ, layoutSpeech, MIDDLE_VOICE_HZ, PROBE_SECONDS, recognize, SPEAKER_WARPS } from '../../src/adapters/analyzer/local/speech'
import { ffmpeg, tempDir, tool } from '../support/media-generate'

const exec = promisify(execFile)
const recognizer = (await tool('ffmpeg')) ? await findRecognizer('ffmpeg', false) : null
const canSpeak = recognizer?.kind === 'pocketsphinx' && Boolean(await tool('flite'))
if (!canSpeak) console.warn('[local-analyzer-speaker] skipped: needs ffmpeg, flite, pocketsphinx and pocketsphinx-en-us')

const TEXT =
  'A river begins high in the hills, where rain and melting snow gather into small streams. ' +
  'The streams join together and carve a valley as the water flows down toward the sea.'

/**
 * A flite narration as the 16 kHz mono WAV the analyzer decodes, `repeat` times over with pauses
 * between; `shift` raises its pitch by that factor (at the same tempo), for a voice between low and high.
 */
async function narration(dir: string, voice: string, repeat = 1, shift = 1): Promise<{ wav: string; duration: number }> {
  const raw = path.join(dir, `raw-${voice}.wav`)
  await exec('flite', ['-voice', voice, '-t', TEXT, '-o', raw])
  const wav = path.join(dir, `${voice}-${repeat}-${shift}.wav`)
  const inputs = Array.from({ length: repeat }, () => ['-i', raw]).flat()
  const pitch = shift === 1 ? '' : `asetrate=16000*${shift},aresample=16000,atempo=${1 / shift},`
  const pads = Array.from({ length: repeat }, (_, i) => `[${i}:a]${pitch}apad=pad_dur=1.5[a${i}]`).join(';')
  const concat = `${Array.from({ length: repeat }, (_, i) => `[a${i}]`).join('')}concat=n=${repeat}:v=0:a=1`
  await ffmpeg([...inputs, '-filter_complex', `${pads};${concat}`, '-ar', '16000', '-ac', '1', wav])
  const { stdout } = await exec('ffprobe', ['-v', 'error', '-show_entries', 'format=duration', '-of', 'csv=p=0', wav])
  return { wav, duration: Number(stdout.trim()) }
}

const lastMean = (log: string) => [...log.matchAll(/Update to +< ([-\d. ]+) >/g)].at(-1)?.[1]?.trim().split(/ +/).map(Number)
const escaped = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

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

  it('takes the warp from a clearly low or high voice without trying the others', async () => {
    const female = await narration(dir, 'slt')
    const male = await narration(dir, 'rms')
    const f = await run(female.wav, female.duration, 'slt')
    const m = await run(male.wav, male.duration, 'rms')
    expect(f.speaker?.pitch).toBeGreaterThan(HIGH_VOICE_HZ)
    expect(m.speaker?.pitch).toBeLessThan(LOW_VOICE_HZ)
    expect(f.speaker).toMatchObject({ warp: 1.1, tried: [] })
    expect(m.speaker).toMatchObject({ warp: 0.9, tried: [] })
    // No decode at another warp: no trial of the first stretch, and every decode ran at the voice's warp.
    const logs = (await readdir(path.join(dir, 'slt'))).filter((n) => /^speech-.*\.log$/.test(n))
    expect(logs.filter((n) => /-w\d/.test(n))).toEqual([])
    expect(logs.length).toBeGreaterThan(0)
    for (const n of logs) expect(await readFile(path.join(dir, 'slt', n), 'utf8')).toMatch(/-warp_params\s+1\.1\b/)
    expect(f.segments.map((s) => s.text).join(' ')).toMatch(/river|streams|valley/)
  })

  it('tries the warps on the first stretch for a voice between low and high, and keeps the likeliest', async () => {
    const between = await narration(dir, 'awb', 2, 1.2)
    const r = await run(between.wav, between.duration, 'between')
    expect(r.speaker?.pitch).toBeGreaterThanOrEqual(LOW_VOICE_HZ)
    expect(r.speaker?.pitch).toBeLessThanOrEqual(HIGH_VOICE_HZ)
    expect(r.speaker?.warp).toBe(best(r)?.warp)
    // On two cores the middle warp goes with the one on the voice's side; the other side only when that one lost.
    const side = (r.speaker?.pitch ?? 0) > MIDDLE_VOICE_HZ ? 1.1 : 0.9
    const tried = warps(r) ?? []
    expect(tried).toContain(1)
    expect(tried).toContain(side)
    expect(tried.length === 2 || best(r)?.warp !== side).toBe(true)
    // The winning decode of the first stretch is the transcript: nothing is decoded twice at the same warp.
    expect(r.segments.filter((x) => x.start < PROBE_SECONDS).map((s) => s.text).join(' ')).toMatch(/river|streams|valley/)
    // The rest, at the chosen warp, starts from the cepstral mean reached before it.
    const later = await readFile(path.join(dir, 'between', 'speech-1.log'), 'utf8')
    expect(later).toMatch(new RegExp(`-warp_params\\s+${r.speaker?.warp}\\b`))
    expect(later).toMatch(new RegExp(`-hmm\\s+${escaped(path.join(dir, 'between'))}/acoustic-model-1\\b`))
  })

  it('tries every warp at once when there is a core for each', async () => {
    const between = await narration(dir, 'awb', 1, 1.2)
    const r = await run(between.wav, between.duration, 'between-3', 3)
    expect(warps(r)).toEqual([...SPEAKER_WARPS])
    expect(r.speaker?.warp).toBe(best(r)?.warp)
  })

  it('splits a 20 s clip evenly for both cores, and starts the later chunk from the cepstral mean a decoder reaches over the 8 s before it', async () => {
    const clip = await narration(dir, 'slt', 2)
    expect(clip.duration).toBeGreaterThan(18)
    const sub = path.join(dir, 'slt-2')
    const r = await run(clip.wav, clip.duration, 'slt-2')
    expect(r.speaker?.tried).toEqual([])
    const later = await readFile(path.join(sub, 'speech-1.log'), 'utf8')
    expect(later).toMatch(new RegExp(`-hmm\\s+${escaped(sub)}/acoustic-model-1\\b`))
    const start = /^-cmninit\s+\S+\s+(\S+)$/m.exec(later)?.[1]?.split(',').map(Number)
    expect(start).toHaveLength(13)
    // The quick pass (one keyword, every 20th frame scored) reaches the mean a full decode of that stretch does.
    const stretch = path.join(sub, 'cepstral-mean-1.wav')
    const full = path.join(sub, 'full-decode.log')
    const bin = recognizer?.kind === 'pocketsphinx' ? recognizer.bin : 'pocketsphinx_continuous'
    const model = DEFAULT_MODEL_DIR
    await exec(bin, ['-infile', stretch, '-logfn', full, '-hmm', path.join(model, 'en-us'), '-lm', path.join(model, 'en-us.lm.bin'), '-dict', path.join(model, 'cmudict-en-us.dict'),
      '-warp_type', 'inverse_linear', '-warp_params', '1.1'])
    expect(start).toEqual(lastMean(await readFile(full, 'utf8')))
    // Both repetitions are heard: the second half comes from the later chunk.
    const late = r.segments.filter((x) => x.start > clip.duration / 2).map((x) => x.text).join(' ')
    expect(late).toMatch(/river|streams|valley|water|snow|hills/)
  })

  it('lays the speech out before the words are known: the later chunk gets its mean measured then, and its decode starts from it', async () => {
    const clip = await narration(dir, 'slt', 2)
    const sub = path.join(dir, 'slt-layout')
    await mkdir(sub, { recursive: true })
    const input = { recognizer: recognizer!, wav: clip.wav, duration: clip.duration, silences: [], dir: sub, concurrency: 2, signal: AbortSignal.timeout(120_000), timeoutMs: 120_000 }
    const layout = layoutSpeech(input)
    const l = await layout
    expect(l.settled).toBe(1.1)
    expect(l.chunks).toHaveLength(2)
    expect([...l.means.keys()]).toEqual([1])
    const mean = await l.means.get(1)
    expect(mean?.split(',')).toHaveLength(13)
    const r = await recognize({ ...input, ffmpeg: 'ffmpeg', terms: ['valley'], layout })
    expect(r.speaker).toMatchObject({ warp: 1.1, tried: [] })
    const later = await readFile(path.join(sub, 'speech-1.log'), 'utf8')
    expect(/^-cmninit\s+\S+\s+(\S+)$/m.exec(later)?.[1]).toBe(mean)
    // One mean pass only: the decode did not measure it again.
    expect((await readdir(sub)).filter((n) => /^cepstral-mean-.*\.log$/.test(n))).toEqual(['cepstral-mean-1.log'])
  })

  it('decodes a later chunk from the installed model and its mean when the quick mean pass cannot run', async () => {
    const clip = await narration(dir, 'slt', 2)
    const sub = path.join(dir, 'slt-no-mean')
    await mkdir(sub, { recursive: true })
    // The real recogniser, except that the keyword search of the mean pass fails as a broken install would.
    const real = recognizer?.kind === 'pocketsphinx' ? recognizer.bin : 'pocketsphinx_continuous'
    const bin = path.join(sub, 'pocketsphinx-without-keywords')
    await writeFile(bin, `#!/bin/sh\ncase "$*" in *-keyphrase*) echo "keyword search broken" >&2; exit 3;; esac\nexec ${real} "$@"\n`)
    await chmod(bin, 0o755)
    const r = await recognize({
      recognizer: { kind: 'pocketsphinx', bin, modelDir: DEFAULT_MODEL_DIR },
      ffmpeg: 'ffmpeg', wav: clip.wav, duration: clip.duration, silences: [], dir: sub, concurrency: 2, signal: AbortSignal.timeout(120_000), timeoutMs: 120_000
    })
    expect(r.speaker).toMatchObject({ warp: 1.1, tried: [] })
    const later = await readFile(path.join(sub, 'speech-1.log'), 'utf8')
    expect(later).toMatch(new RegExp(`-hmm\\s+${escaped(path.join(DEFAULT_MODEL_DIR, 'en-us'))}\\b`))
    expect(r.segments.filter((x) => x.start > clip.duration / 2).map((x) => x.text).join(' ')).toMatch(/river|streams|valley|water|snow|hills/)
    expect(r.warnings).toEqual([])
  })

  it('decodes every later stretch at the warp the voice was given', async () => {
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
