/**
 * Local analyzer quality: word error rate and topic precision of the speech path on science
 * narrations made here with several flite voices and espeak-ng, on a plain background and with
 * slides, next to its speed (× real time). Topic precision is the share of reported topics whose
 * every word occurs in the narration. Also counts quiz questions quoting a low-confidence segment.
 * Run alone: `npx tsx bench/local-quality.ts [--quick]`.
 */
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import pLimit from 'p-limit'
import { createLocalAnalyzer } from '../src/adapters/analyzer/local'
import { defaultConcurrency } from '../src/core/concurrency-default'
import type { Analysis } from '../src/shared/analysis'
import type { Analyzer } from '../src/core/ports'
import { makeSlideLecture, tool, wordErrorRate, type Slide, type Voice } from '../tests/support/media-generate'
import type { BenchOptions, BenchRow } from './support/types'
import { notRun } from './support/types'

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const WORK = path.join(ROOT, 'bench', '.tmp', 'local-quality')

/**
 * Two ~22 s science narrations of two slides each; the slides show a title and a few key terms,
 * all of them narrated, so that topic precision (against the narration) measures what was heard
 * and read, not slide words the speaker never says.
 */
const TEXTS: { name: string; slides: Slide[] }[] = [
  {
    name: 'photosynthesis',
    slides: [
      {
        title: 'Photosynthesis',
        body: 'Chlorophyll, sunlight, stomata',
        speech:
          'Plants make their own food through photosynthesis. Inside the leaf, chlorophyll captures the energy of sunlight. ' +
          'Water travels up from the roots, and carbon dioxide enters through small pores called stomata.'
      },
      {
        title: 'The Calvin Cycle',
        body: 'Oxygen and glucose',
        speech: 'The light reactions split water and release oxygen. Then the Calvin cycle uses that energy to build glucose from carbon dioxide.'
      }
    ]
  },
  {
    name: 'plate tectonics',
    slides: [
      {
        title: 'Plate Tectonics',
        body: 'Crust, mantle, magma',
        speech:
          "The Earth's crust is broken into large plates that float on the hot mantle. " +
          'Where two plates pull apart, magma rises and forms new ocean floor.'
      },
      {
        title: 'Earthquakes and Volcanoes',
        body: 'Faults and plates',
        speech: 'Where plates collide, one plate sinks beneath the other and volcanoes appear. Earthquakes happen when the plates suddenly slip along a fault.'
      }
    ]
  }
]

const FLITE: Voice[] = ['kal16', 'awb', 'rms', 'slt'].map((name) => ({ engine: 'flite', name }))
const ESPEAK: Voice = { engine: 'espeak-ng', name: 'en-us' }
const voiceName = (v: Voice) => `${v.engine} ${v.name}`

const norm = (s: string) => s.toLowerCase().replace(/[^a-z0-9' ]+/g, ' ').split(/\s+/).filter(Boolean)
const stem = (w: string) => w.replace(/'s$/, '').replace(/(?<=[a-z]{3})(es|s)$/, '')

/** Share of topics whose every word occurs in the narration (plurals folded); null without topics. */
export function topicPrecision(topics: string[], narration: string): number | null {
  if (topics.length === 0) return null
  const said = new Set(norm(narration).map(stem))
  const hits = topics.filter((t) => norm(t).every((w) => said.has(stem(w))))
  return hits.length / topics.length
}

/** Quiz questions whose quoted sentence is a segment the analyzer marked low-confidence. */
export function questionsFromLowConfidence(a: Analysis): number {
  const segments = a.transcript?.segments ?? []
  return a.quiz.filter((q) => {
    const quoted = /says: "(.*)"$/.exec(q.explanation)?.[1]
    if (!quoted) return false
    const seg = segments.find((s) => s.text === quoted || s.text.includes(quoted) || quoted.includes(s.text))
    return seg?.low === true || (seg?.words ?? []).some((w) => w.low && quoted.includes(w.text) && q.answer.toLowerCase().includes(w.text.toLowerCase()))
  }).length
}

interface Sample {
  voice: string
  flite: boolean
  slides: boolean
  text: string
  wer: number
  precision: number | null
  topics: string[]
  lowQuestions: number
  questions: number
  confidence: number | null
  seconds: number
  ms: number
}

async function analyse(analyzer: Analyzer, file: string, dataDir: string): Promise<{ result: Analysis; ms: number }> {
  const artifactsDir = path.join(dataDir, 'artifacts', path.basename(file))
  await mkdir(artifactsDir, { recursive: true })
  const t0 = performance.now()
  const result = await analyzer.analyze(
    { kind: 'file', path: file, sizeBytes: 0, temporary: false },
    { videoId: 'bench', title: null, signal: AbortSignal.timeout(600_000), setStatus: async () => {}, onProgress: () => {}, stage: () => {}, log: () => {}, artifactsDir }
  )
  return { result, ms: performance.now() - t0 }
}

const pct = (x: number) => Math.round(x * 1000) / 10
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)

export async function benchLocalQuality(opts: BenchOptions): Promise<BenchRow[]> {
  for (const [name, pkg] of [['ffmpeg', 'ffmpeg'], ['flite', 'flite'], ['pocketsphinx_continuous', 'pocketsphinx pocketsphinx-en-us']] as const) {
    if (!(await tool(name))) return [notRun('local analyzer quality', `${name} not installed (apt-get install ${pkg})`, 'lower')]
  }
  const voices = (await tool('espeak-ng')) ? [...FLITE, ESPEAK] : FLITE
  const texts = opts.quick ? TEXTS.slice(0, 1) : TEXTS
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vp-bench-quality-'))
  const samples: Sample[] = []
  const files: string[] = []
  // One analyzer for the run, as the worker keeps one for all its jobs: the first analysis pays
  // its start-up (finding ffmpeg's filters, loading the NLP model), the others do not.
  const analyzer = createLocalAnalyzer({ dataDir })
  try {
    for (const text of texts) {
      const narration = text.slides.map((s) => s.speech).join(' ')
      for (const voice of voices) {
        for (const slides of [false, true]) {
          const dir = path.join(WORK, `${text.name}-${voice.engine}-${voice.name}-${slides ? 'slides' : 'plain'}`.replace(/[^a-z0-9.-]+/gi, '_'))
          const file = path.join(dir, 'narration.mp4')
          if (!existsSync(file)) {
            await rm(dir, { recursive: true, force: true })
            await mkdir(dir, { recursive: true })
            await makeSlideLecture(dir, 'narration.mp4', text.slides, { voice, blank: !slides })
          }
          opts.log(`local quality: ${text.name}, ${voiceName(voice)}, ${slides ? 'slides' : 'plain background'}`)
          files.push(file)
          const { result, ms } = await analyse(analyzer, file, dataDir)
          samples.push({
            voice: voiceName(voice),
            flite: voice.engine === 'flite',
            slides,
            text: text.name,
            wer: wordErrorRate(narration, result.transcript?.text ?? ''),
            precision: topicPrecision(result.topics, narration),
            topics: result.topics,
            lowQuestions: questionsFromLowConfidence(result),
            questions: result.quiz.length,
            confidence: result.transcript?.confidence ?? null,
            seconds: result.metadata?.durationSeconds ?? 0,
            ms
          })
          const last = samples.at(-1) as Sample
          opts.log(
            `  WER ${pct(last.wer)} %, confidence ${last.confidence ?? '-'}, topic precision ${last.precision === null ? 'no topics' : `${pct(last.precision)} %`} ` +
              `[${last.topics.join('; ')}], ${last.questions} questions (${last.lowQuestions} from low confidence), ${(last.seconds / (last.ms / 1000)).toFixed(1)}× real time`
          )
        }
      }
    }
    // The same clips again as a worker with the local analyzer takes them from a queue: as many at
    // once as its default concurrency (one per core), so one job's single-core stages overlap another's.
    const slots = defaultConcurrency('local')
    opts.log(`local quality: the ${files.length} clips again, ${slots} at a time`)
    const limit = pLimit(slots)
    const t0 = performance.now()
    const runs = await Promise.all(files.map((file, i) => limit(() => analyse(analyzer, file, path.join(dataDir, `as-worker-${i}`)))))
    const asWorker = { slots, audio: runs.reduce((a, r) => a + (r.result.metadata?.durationSeconds ?? 0), 0), wall: (performance.now() - t0) / 1000 }
    return [...qualityRows(samples, texts.length), asWorkerRow(asWorker, texts.length, files.length)]
  } finally {
    await analyzer.close?.()
    await rm(dataDir, { recursive: true, force: true })
  }
}

function asWorkerRow(run: { slots: number; audio: number; wall: number }, textCount: number, clips: number): BenchRow {
  return {
    measure: `local analyzer quality runs, ${narrations(textCount)}: throughput as the worker runs them`,
    ours: { value: Math.round((run.audio / run.wall) * 10) / 10, unit: '× real time' },
    peer: 'none',
    peerFigure: null,
    better: 'higher',
    note: `the same ${clips} analyses, ${run.slots} at a time (the worker's default concurrency with the local analyzer on ${os.availableParallelism()} cores), one analyzer: ${Math.round(run.audio)} s of media in ${Math.round(run.wall)} s`
  }
}

/** How the rows name the clips: "2 science narrations of ~22 s". */
const narrations = (textCount: number) => `${textCount} science narration${textCount > 1 ? 's' : ''} of ~22 s`

function qualityRows(samples: Sample[], textCount: number): BenchRow[] {
  const size = narrations(textCount)
  const rows: BenchRow[] = []
  const perVoice = (xs: Sample[], f: (s: Sample[]) => string) =>
    [...new Set(xs.map((s) => s.voice))].map((v) => `${v} ${f(xs.filter((s) => s.voice === v))}`).join(', ')
  for (const slides of [false, true]) {
    const where = slides ? 'with slides' : 'plain background'
    const set = samples.filter((s) => s.slides === slides)
    const flite = set.filter((s) => s.flite)
    rows.push({
      measure: `local analyzer quality, ${size}, ${where}: mean word error rate, flite voices`,
      ours: { value: pct(mean(flite.map((s) => s.wer))), unit: '%' },
      peer: 'goal',
      peerFigure: { value: 30, unit: '%' },
      better: 'lower',
      note: `per voice: ${perVoice(set, (xs) => `${pct(mean(xs.map((s) => s.wer)))} %`)}; transcript confidence ${perVoice(set, (xs) => xs.map((s) => s.confidence ?? '-').join('/'))}`
    })
    const precisions = set.map((s) => s.precision)
    const known = precisions.filter((p): p is number => p !== null)
    rows.push({
      measure: `local analyzer quality, ${size}, ${where}: topic precision, worst voice`,
      ours: known.length ? { value: pct(Math.min(...known)), unit: '%' } : null,
      peer: 'goal',
      peerFigure: { value: 80, unit: '%' },
      better: 'higher',
      note:
        `share of reported topics whose words all occur in the narration; per voice: ` +
        perVoice(set, (xs) => xs.map((s) => (s.precision === null ? 'no topics' : `${pct(s.precision)} % of ${s.topics.length}`)).join('/'))
    })
  }
  const questions = samples.reduce((a, s) => a + s.questions, 0)
  rows.push({
    measure: `local analyzer quality, ${size}, all voices and variants: quiz questions quoting a low-confidence segment`,
    ours: { value: samples.reduce((a, s) => a + s.lowQuestions, 0), unit: 'questions' },
    peer: 'goal',
    peerFigure: { value: 0, unit: 'questions' },
    better: 'lower',
    note: `${questions} questions in ${samples.length} analyses`
  })
  const audio = samples.reduce((a, s) => a + s.seconds, 0)
  const wall = samples.reduce((a, s) => a + s.ms, 0) / 1000
  rows.push({
    measure: `local analyzer quality runs, ${size}: speed`,
    ours: { value: Math.round((audio / wall) * 10) / 10, unit: '× real time' },
    peer: 'goal',
    peerFigure: { value: 10, unit: '× real time' },
    better: 'higher',
    note: `${samples.length} analyses, ${Math.round(audio)} s of media in ${Math.round(wall)} s on ${os.availableParallelism()} cores (load average ${os.loadavg()[0]?.toFixed(1)} at end); one analyzer for all, as a worker keeps one; each clip pays a job's fixed costs (probe, OCR, recogniser start-ups)`
  })
  return rows
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchLocalQuality({ quick: process.argv.includes('--quick'), log: (m) => console.error(m) })
  for (const r of rows) {
    const ours = r.ours ? `${r.ours.value} ${r.ours.unit}` : '-'
    const peer = r.peerFigure ? `${r.peerFigure.value} ${r.peerFigure.unit}` : '-'
    console.log(`${r.measure}\n  ours ${ours} | ${r.peer} ${peer}${r.note ? `\n  ${r.note}` : ''}`)
  }
}
