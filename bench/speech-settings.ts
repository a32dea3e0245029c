/**
 * Speech recogniser settings, measured one at a time: decodes ~22 s science narrations by four flite
 * voices (and espeak-ng with `"espeak": true`) with pocketsphinx_continuous under the given flags,
 * ffmpeg filter, vocabulary size and slide words, and prints the word error rate per voice on the
 * quality bench's texts ("bench") and on other texts of the same length ("held"), so a setting that
 * only suits the bench's words shows. Decodes each whole narration in one go (they are shorter than a
 * chunk). Not part of `npm run bench`; run alone:
 * `npx tsx bench/speech-settings.ts '{"flags":["-fwdflat","no","-bestpathlw","8.5"],"slides":true}'`
 */
import { existsSync } from 'node:fs'
import { mkdir, rm, readFile } from 'node:fs/promises'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pLimit from 'p-limit'
import { makeSlideLecture, wordErrorRate, type Slide, type Voice } from '../tests/support/media-generate'
import { jobModel, vocabularyTerms } from '../src/adapters/analyzer/local/speech-model'
import { DECODER_FLAGS, parsePocketsphinx } from '../src/adapters/analyzer/local/speech'

const ex = promisify(execFile)
const WORK = path.join(path.dirname(fileURLToPath(import.meta.url)), '.tmp', 'speech-settings')
const MODEL = '/usr/share/pocketsphinx/model/en-us'

const BENCH: { name: string; slides: Slide[] }[] = [
  { name: 'photosynthesis', slides: [
    { title: 'Photosynthesis', body: 'Chlorophyll, sunlight, stomata', speech: 'Plants make their own food through photosynthesis. Inside the leaf, chlorophyll captures the energy of sunlight. Water travels up from the roots, and carbon dioxide enters through small pores called stomata.' },
    { title: 'The Calvin Cycle', body: 'Oxygen and glucose', speech: 'The light reactions split water and release oxygen. Then the Calvin cycle uses that energy to build glucose from carbon dioxide.' }] },
  { name: 'plate tectonics', slides: [
    { title: 'Plate Tectonics', body: 'Crust, mantle, magma', speech: "The Earth's crust is broken into large plates that float on the hot mantle. Where two plates pull apart, magma rises and forms new ocean floor." },
    { title: 'Earthquakes and Volcanoes', body: 'Faults and plates', speech: 'Where plates collide, one plate sinks beneath the other and volcanoes appear. Earthquakes happen when the plates suddenly slip along a fault.' }] }
]
const HELD: { name: string; slides: Slide[] }[] = [
  { name: 'heart', slides: [
    { title: 'The Human Heart', body: 'Atrium, ventricle, valves', speech: 'The heart is a muscle that pumps blood around the body. Blood from the veins fills the right atrium and passes into the right ventricle.' },
    { title: 'Circulation', body: 'Lungs and arteries', speech: 'The right ventricle sends blood to the lungs to pick up oxygen. The left side then pushes it through the arteries, and valves keep it moving one way.' }] },
  { name: 'water cycle', slides: [
    { title: 'The Water Cycle', body: 'Evaporation, condensation', speech: 'The sun warms the surface of lakes and seas, and water turns into vapour. As the warm air rises it cools, and the vapour condenses into tiny drops that form clouds.' },
    { title: 'Precipitation', body: 'Rain, snow, rivers', speech: 'When the drops grow heavy they fall as rain or snow. Rivers carry the water back to the sea, and the cycle begins again.' }] },
  { name: 'bridges', slides: [
    { title: 'How Bridges Stand', body: 'Tension and compression', speech: 'Every bridge must carry its own weight and the traffic on top of it. A beam bridge bends under the load, so its top is squeezed while its bottom is stretched.' },
    { title: 'Arches and Cables', body: 'Arch, suspension, steel', speech: 'An arch turns the weight into compression and pushes it into the ground at each end. A suspension bridge hangs its deck from steel cables held up by tall towers.' }] }
]

const VOICES: Voice[] = [...['kal16', 'awb', 'rms', 'slt'].map((name) => ({ engine: 'flite' as const, name })), { engine: 'espeak-ng', name: 'en-us' }]

interface Cfg { flags?: string[]; af?: string; slides?: boolean; espeak?: boolean; sets?: ('bench' | 'held')[]; size?: number; long?: number; label?: string }
const cfg = JSON.parse(process.argv[2] ?? '{}') as Cfg

async function wavFor(set: string, t: { name: string; slides: Slide[] }, v: Voice, af: string): Promise<string> {
  const dir = path.join(WORK, `${set}-${t.name}-${v.engine}-${v.name}`.replace(/[^a-z0-9.-]+/gi, '_'))
  const mp4 = path.join(dir, 'narration.mp4')
  if (!existsSync(mp4)) {
    await rm(dir, { recursive: true, force: true }); await mkdir(dir, { recursive: true })
    await makeSlideLecture(dir, 'narration.mp4', t.slides, { voice: v, blank: true })
  }
  const tag = af ? Buffer.from(af).toString('base64url').slice(0, 40) : 'plain'
  const wav = path.join(dir, `a-${tag}.wav`)
  if (!existsSync(wav)) await ex('ffmpeg', ['-v', 'error', '-i', mp4, ...(af ? ['-af', af] : []), '-ar', '16000', '-ac', '1', '-c:a', 'pcm_s16le', '-y', wav])
  return wav
}

const limit = pLimit(2)
const jobs: Promise<{ set: string; voice: string; wer: number; secs: number }>[] = []
const voices = cfg.espeak ? VOICES : VOICES.slice(0, 4)
for (const set of cfg.sets ?? ['bench', 'held']) {
  for (const t of set === 'bench' ? BENCH : HELD) {
    for (const v of voices) {
      jobs.push(limit(async () => {
        const wav = await wavFor(set, t, v, cfg.af ?? '')
        const dir = path.join(path.dirname(wav), `m-${process.pid}-${Math.random().toString(36).slice(2)}`)
        await mkdir(dir, { recursive: true })
        const terms = cfg.slides ? vocabularyTerms(t.slides.flatMap((s) => [s.title, s.body ?? ''])) : []
        const model = await jobModel(MODEL, dir, terms, cfg.flags ?? DECODER_FLAGS, cfg.size, cfg.long)
        const { stdout } = await ex('pocketsphinx_continuous', [ '-infile', wav, '-time', 'yes', '-logfn', '/dev/null', ...model.args], { maxBuffer: 1e7 }).catch((e) => e)
        const segs = parsePocketsphinx(stdout ?? '', 0)
        const hyp = segs.map((s) => s.text).join(' ')
        const ref = t.slides.map((s) => s.speech).join(' ')
        const secs = (await readFile(wav)).length / 32000
        await rm(dir, { recursive: true, force: true })
        if (process.env.SHOW) console.error(`${v.name} ${t.name}: ${hyp}`)
        return { set, voice: v.name, wer: wordErrorRate(ref, hyp), secs }
      }))
    }
  }
}
const t0 = performance.now()
const res = await Promise.all(jobs)
const wall = (performance.now() - t0) / 1000
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length
const r1 = (x: number) => (Math.round(x * 1000) / 10).toFixed(1)
const parts: string[] = []
for (const set of cfg.sets ?? ['bench', 'held']) {
  const rs = res.filter((r) => r.set === set)
  const per = voices.map((v) => `${v.name} ${r1(mean(rs.filter((r) => r.voice === v.name).map((r) => r.wer)))}`).join(' ')
  const fl = rs.filter((r) => r.voice !== 'en-us')
  parts.push(`${set}: flite ${r1(mean(fl.map((r) => r.wer)))} [${per}]`)
}
const audio = res.reduce((a, r) => a + r.secs, 0)
console.log(`${cfg.label ?? JSON.stringify(cfg)} | ${parts.join(' | ')} | ${(audio / wall).toFixed(1)}x wall, load ${(await readFile('/proc/loadavg', 'utf8')).split(' ')[0]}`)
