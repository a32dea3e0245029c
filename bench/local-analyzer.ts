/**
 * Local analyzer speed and memory: seconds of processing per minute of video for a generated
 * ~5-minute 720p narrated slide lecture, once with an embedded subtitle track (no speech
 * recognition) and once without (pocketsphinx). Peak RSS counts this process and every child
 * (ffmpeg, pocketsphinx) sampled together; the speech row also gives the word error rate against
 * the narrated text. Run alone: `npx tsx bench/local-analyzer.ts [--quick]`.
 */
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, mkdtemp, readdir, readFile, rename, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { createLocalAnalyzer } from '../src/adapters/analyzer/local'
import type { Analysis } from '../src/shared/analysis'
import { makeSlideLecture, tool, wordErrorRate, type Slide } from '../tests/support/media-generate'
import type { BenchOptions, BenchRow } from './support/types'
import { notRun } from './support/types'

const ROOT = path.join(path.dirname(fileURLToPath(import.meta.url)), '..')
const WORK = path.join(ROOT, 'bench', '.tmp', 'local-analyzer')
const MiB = 2 ** 20

const TOPICS: [string, string, string, string][] = [
  ['Packets and Headers', 'packet', 'header', 'address'],
  ['Routing Tables', 'router', 'route', 'table'],
  ['Congestion Control', 'sender', 'window', 'queue'],
  ['Domain Name System', 'name', 'server', 'record'],
  ['Transport Security', 'certificate', 'key', 'handshake'],
  ['Content Delivery', 'cache', 'edge', 'origin'],
  ['Wireless Links', 'signal', 'channel', 'antenna'],
  ['Load Balancing', 'request', 'backend', 'pool'],
  ['Network Monitoring', 'metric', 'alert', 'dashboard'],
  ['Video Streaming', 'segment', 'bitrate', 'player'],
  ['Email Delivery', 'message', 'mailbox', 'relay'],
  ['Firewalls and Filters', 'rule', 'port', 'policy'],
  ['Peer to Peer Sharing', 'peer', 'piece', 'tracker'],
  ['Time Synchronisation', 'clock', 'offset', 'source'],
  ['Software Updates', 'update', 'mirror', 'signature']
]

function slidesFor(count: number): Slide[] {
  return TOPICS.slice(0, count).map(([title, a, b, c]) => ({
    title,
    body: `${a}s, ${b}s and ${c}s`,
    speech: [
      `This part of the lecture is about ${title.toLowerCase()}.`,
      `Every ${a} depends on a ${b} that works well.`,
      `When the ${b} changes, the ${c} has to follow quickly.`,
      `Engineers measure each ${c} to find problems early.`,
      `A slow ${b} makes every ${a} wait longer than it should.`,
      `In short, good ${title.toLowerCase()} keeps the network fast and reliable.`
    ].join(' ')
  }))
}

/** RSS of a process plus all its descendants, from /proc (Linux). */
async function treeRss(pid: number): Promise<number> {
  let total = 0
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8')
    total += Number(/VmRSS:\s+(\d+) kB/.exec(status)?.[1] ?? 0) * 1024
    for (const tid of await readdir(`/proc/${pid}/task`)) {
      const kids = (await readFile(`/proc/${pid}/task/${tid}/children`, 'utf8').catch(() => '')).trim()
      for (const kid of kids ? kids.split(/\s+/) : []) total += await treeRss(Number(kid))
    }
  } catch {
    // the process ended while we looked
  }
  return total
}

/** CPU seconds of this process (all threads) plus its reaped children (cutime + cstime). */
async function cpuSeconds(): Promise<number> {
  const own = process.cpuUsage()
  const stat = await readFile('/proc/self/stat', 'utf8').catch(() => '')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  // After the command name, fields 16/17 of the full line (cutime, cstime) are indexes 13/14; ticks are 1/100 s.
  const children = (Number(fields[13] ?? 0) + Number(fields[14] ?? 0)) / 100
  return (own.user + own.system) / 1e6 + children
}

interface ChildReport {
  ms: number
  cpu: number
  result: Analysis
}

/** Runs in the child: one analysis, its wall and CPU time, the Analysis as JSON on stdout. */
async function childMain(file: string, dataDir: string): Promise<void> {
  const artifactsDir = path.join(dataDir, 'artifacts', path.basename(file))
  const t0 = performance.now()
  const c0 = await cpuSeconds()
  const result = await createLocalAnalyzer({ dataDir }).analyze(
    { kind: 'file', path: file, sizeBytes: 0, temporary: false },
    { videoId: 'bench', title: null, signal: AbortSignal.timeout(900_000), setStatus: async () => {}, onProgress: () => {}, stage: () => {}, log: () => {}, artifactsDir }
  )
  const report: ChildReport = { ms: performance.now() - t0, cpu: (await cpuSeconds()) - c0, result }
  process.stdout.write(JSON.stringify(report))
}

/**
 * The analysis runs in a fresh Node process (as in a worker), so the peak RSS is the
 * analyzer's own and not whatever the bench runner holds.
 */
async function measure(file: string, dataDir: string): Promise<ChildReport & { peak: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', file, dataDir], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c))
  let peak = 0
  let running = true
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => {
    running = false
    resolve(code)
  }))
  while (running && child.pid) {
    peak = Math.max(peak, await treeRss(child.pid))
    await new Promise((r) => setTimeout(r, 50))
  }
  const code = await exited
  if (code !== 0) throw new Error(`the analysis process exited with ${code}`)
  return { ...(JSON.parse(out) as ChildReport), peak }
}

export async function benchLocalAnalyzer(opts: BenchOptions): Promise<BenchRow[]> {
  const measureName = (what: string, minutes: number) => `local analyzer, ${minutes.toFixed(1)}-min 720p narrated slide lecture, ${what}`
  for (const [name, pkg] of [['ffmpeg', 'ffmpeg'], ['flite', 'flite']] as const) {
    if (!(await tool(name))) return [notRun('local analyzer', `${name} not installed (apt-get install ${pkg})`, 'lower')]
  }
  const slideCount = opts.quick ? 4 : 15
  const dir = path.join(WORK, `slides-${slideCount}`)
  const withSubs = path.join(dir, 'lecture-subs.mp4')
  const plain = path.join(dir, 'lecture.mp4')
  if (!existsSync(withSubs) || !existsSync(plain)) {
    opts.log(`local analyzer: generating a ${slideCount}-slide 720p lecture with flite speech (cached in ${path.relative(ROOT, dir)})`)
    // Built aside and renamed into place, so a concurrent run never sees half a cache.
    const building = `${dir}.build-${process.pid}`
    await rm(building, { recursive: true, force: true })
    await mkdir(building, { recursive: true })
    const slides = slidesFor(slideCount)
    await makeSlideLecture(building, 'lecture-subs.mp4', slides, { width: 1280, height: 720, subtitles: true })
    await makeSlideLecture(building, 'lecture.mp4', slides, { width: 1280, height: 720 })
    if (existsSync(withSubs) && existsSync(plain)) await rm(building, { recursive: true, force: true })
    else {
      await rm(dir, { recursive: true, force: true })
      await rename(building, dir)
    }
  }
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'vp-bench-local-'))
  const rows: BenchRow[] = []
  try {
    for (const [what, file] of [['with a subtitle track', withSubs], ['speech recognition (no subtitles)', plain]] as const) {
      opts.log(`local analyzer: ${what}`)
      const load = os.loadavg()[0] ?? 0
      const { ms, cpu, peak, result } = await measure(file, dataDir)
      const minutes = (result.metadata?.durationSeconds ?? 0) / 60
      const perMinute = ms / 1000 / minutes
      const t = (result.signals?.timingsMs ?? {}) as Record<string, number>
      const spoken = slidesFor(slideCount).map((x) => x.speech).join(' ')
      const wer = result.provenance.transcriptSource === 'speech-recognition' ? `; word error rate ${round(wordErrorRate(spoken, result.transcript?.text ?? '') * 100)} %` : ''
      rows.push({
        measure: `${measureName(what, minutes)}: processing time per minute of video`,
        ours: { value: round(perMinute), unit: 's/min' },
        peer: 'real time',
        peerFigure: { value: 60, unit: 's/min' },
        better: 'lower',
        note:
          `${round(60 / perMinute)}× real time on ${os.availableParallelism()} cores (load average ${round(load)} at start, ${round(os.loadavg()[0] ?? 0)} at end); ` +
          `CPU ${round(cpu / minutes)} s/min (Node + children); transcript ${result.provenance.transcriptSource}; ` +
          `stages ms: ${Object.entries(t).map(([k, v]) => `${k} ${v}`).join(', ')}; ${result.chapters?.length ?? 0} chapters, ${result.quiz.length} questions${wer}`
      })
      rows.push({
        measure: `${measureName(what, minutes)}: peak RSS, Node + child processes`,
        ours: { value: round(peak / MiB), unit: 'MB' },
        peer: 'goal',
        peerFigure: { value: 300, unit: 'MB' },
        better: 'lower',
        note: 'the analysis runs in its own Node process; its RSS and its children\'s sampled together every 50 ms from /proc'
      })
    }
  } finally {
    await rm(dataDir, { recursive: true, force: true })
  }
  return rows
}

const round = (x: number) => Math.round(x * 10) / 10

const childAt = process.argv.indexOf('--child')
if (childAt > 0) {
  await childMain(process.argv[childAt + 1] ?? '', process.argv[childAt + 2] ?? '')
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const rows = await benchLocalAnalyzer({ quick: process.argv.includes('--quick'), log: (m) => console.error(m) })
  for (const r of rows) {
    const ours = r.ours ? `${r.ours.value} ${r.ours.unit}` : '-'
    const peer = r.peerFigure ? `${r.peerFigure.value} ${r.peerFigure.unit}` : '-'
    console.log(`${r.measure}\n  ours ${ours} | ${r.peer} ${peer}${r.note ? `\n  ${r.note}` : ''}`)
  }
}
