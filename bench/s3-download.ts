/**
 * Streaming S3 download: our S3 source (ranged parts side by side → job directory, progress,
 * size check, resume on a broken stream) against the two ceilings it cannot beat: a plain
 * GetObject piped to /dev/null (the server and the network), and the disk's sequential write
 * speed in the same folder (the same bytes written in 1 MiB writes). s3rver runs in a child
 * process. Each variant runs in a fresh process of its own (`--expose-gc`), so neither warms up
 * the other and the server's memory never counts; every variant runs 3 times, the order
 * rotating, and the median counts. Also run: ours reading each object as one stream, to show
 * whether the parts win. Figures: MB/s and peak RSS growth; the file's sha256 is checked.
 * Standalone: `npx tsx bench/s3-download.ts [--quick]`.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, open, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path, { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { fileURLToPath } from 'node:url'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import type { AwsClientOptions } from '../src/adapters/aws-clients'
import { createS3Client } from '../src/adapters/aws-clients'
import { createS3Source } from '../src/adapters/source/s3'
import { startS3Process } from '../tests/support/aws-local'
import { rotation } from './support/race'
import { measureRss, MiB } from './support/rss'
import { median } from './support/stats'
import { formatNumber } from './support/table'
import { benchChildMain } from './support/child-main'
import type { BenchOptions, BenchRow } from './support/types'

const SELF = fileURLToPath(import.meta.url)
const BUCKET = 'bench'
const KEY = 'bench/object.bin'
const GOAL_RSS_MB = 64

type Variant = 'ours' | 'ours-one-stream' | 'plain' | 'disk'
const VARIANTS: Variant[] = ['ours', 'plain', 'disk', 'ours-one-stream']
interface Target {
  aws: AwsClientOptions
  dir: string
  bytes: number
}
interface Measured {
  seconds: number
  /** Disk variant: the same writes followed by fsync (what the device itself took). */
  syncedSeconds?: number
  growthBytes: number
  sha256: string | null
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(file), hash)
  return hash.digest('hex')
}

async function measure(variant: Variant, t: Target): Promise<Measured> {
  const started = performance.now()
  if (variant === 'ours' || variant === 'ours-one-stream') {
    const source = createS3Source({ aws: t.aws, ...(variant === 'ours-one-stream' ? { parallelParts: 1 } : {}) })
    await mkdir(t.dir, { recursive: true })
    const { result, rss } = await measureRss(() =>
      source.fetch(
        { kind: 's3', bucket: BUCKET, key: KEY },
        { videoId: 'bench', dir: t.dir, signal: new AbortController().signal, onProgress: () => {}, log: () => {} },
        { preferUrl: false }
      )
    )
    const seconds = (performance.now() - started) / 1000
    source.close()
    const sha256 = result.kind === 'file' ? await sha256File(result.path) : null
    return { seconds, growthBytes: rss.growthBytes, sha256 }
  }
  if (variant === 'disk') {
    await mkdir(t.dir, { recursive: true })
    const chunk = randomBytes(MiB)
    const file = await open(join(t.dir, 'disk-speed.bin'), 'w')
    try {
      let seconds = 0
      const { rss } = await measureRss(async () => {
        for (let at = 0; at < t.bytes; at += MiB) await file.write(chunk, 0, Math.min(MiB, t.bytes - at), at)
        seconds = (performance.now() - started) / 1000
        await file.sync()
      })
      return { seconds, syncedSeconds: (performance.now() - started) / 1000, growthBytes: rss.growthBytes, sha256: null }
    } finally {
      await file.close()
    }
  }
  const client = createS3Client(t.aws)
  const { rss } = await measureRss(async () => {
    const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: KEY }))
    await pipeline(out.Body as Readable, createWriteStream('/dev/null'))
  })
  const seconds = (performance.now() - started) / 1000
  client.destroy()
  return { seconds, growthBytes: rss.growthBytes, sha256: null }
}

async function runVariant(variant: Variant, target: Target): Promise<Measured> {
  const proc: ChildProcess = fork(SELF, ['--measure', variant, JSON.stringify(target)], {
    execArgv: ['--import', 'tsx', '--expose-gc'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  try {
    const reply = await new Promise<Measured | { error: string }>((resolve, reject) => {
      proc.once('message', (m) => resolve(m as Measured | { error: string }))
      proc.once('exit', (code) => reject(new Error(`${variant} child exited with ${code} before reporting`)))
    })
    if ('error' in reply) throw new Error(reply.error)
    return reply
  } finally {
    proc.kill()
  }
}

export async function benchS3Download(opts: BenchOptions): Promise<BenchRow[]> {
  const bytes = opts.quick ? 64 * MiB : 1024 * MiB
  const repeats = opts.quick ? 1 : 3
  const label = opts.quick ? '64 MiB' : '1 GiB'
  const server = await startS3Process(BUCKET)
  const dir = await mkdtemp(join(tmpdir(), 'bench-s3-'))
  try {
    opts.log(`seeding a ${label} object in s3rver (child process)…`)
    const { sha256 } = await server.seed(KEY, bytes)
    const runs = new Map<Variant, Measured[]>(VARIANTS.map((v) => [v, []]))
    for (let r = 0; r < repeats; r++) {
      for (const k of rotation(VARIANTS.length, r)) {
        const variant = VARIANTS[k]!
        opts.log(`s3 download: ${variant} (fresh process)…`)
        const m = await runVariant(variant, { aws: server.aws, dir: join(dir, 'job'), bytes })
        await rm(join(dir, 'job'), { recursive: true, force: true })
        runs.get(variant)?.push(m)
      }
    }
    const mbps = (seconds: number) => bytes / 1e6 / seconds
    const speeds = (v: Variant) => (runs.get(v) ?? []).map((m) => mbps(m.seconds))
    const mid = (v: Variant) => median(speeds(v))
    const list = (v: Variant) => speeds(v).map((x) => formatNumber(x)).join(', ')
    const [ours, one, plain, disk] = [mid('ours'), mid('ours-one-stream'), mid('plain'), mid('disk')]
    const synced = median((runs.get('disk') ?? []).map((m) => mbps(m.syncedSeconds ?? m.seconds)))
    const ceiling = Math.min(plain, disk)
    const checked = (runs.get('ours') ?? []).concat(runs.get('ours-one-stream') ?? []).every((m) => m.sha256 === sha256)
    const growth = Math.max(...(runs.get('ours') ?? []).map((m) => m.growthBytes)) / MiB
    const how = `median of ${repeats}, each run in a fresh process, order rotating; s3rver in a child process; sha256 ${checked ? 'verified' : 'MISMATCH'} on every run of ours`
    const goal = `goal ≥ 90 % of min(GetObject, disk) = ${formatNumber(0.9 * ceiling)} MB/s: ${ours >= 0.9 * ceiling ? 'met' : 'NOT met'}`
    return [
      {
        measure: `S3 download ${label} to a file, against a bare GetObject`,
        ours: { value: ours, unit: 'MB/s' },
        peer: 'plain GetObject → /dev/null (server and network ceiling)',
        peerFigure: { value: plain, unit: 'MB/s' },
        better: 'higher',
        note: `${goal}; ours: 16 MiB parts, 4 at once, written to disk; runs: ours ${list('ours')}, GetObject ${list('plain')} MB/s; ${how}`
      },
      {
        measure: `S3 download ${label} to a file, against the disk's sequential write speed`,
        ours: { value: ours, unit: 'MB/s' },
        peer: 'the same bytes written in 1 MiB writes to the same folder (disk ceiling)',
        peerFigure: { value: disk, unit: 'MB/s' },
        better: 'higher',
        note: `neither side syncs (both land in the OS cache alike); with fsync at the end the disk took ${formatNumber(synced)} MB/s; runs: disk ${list('disk')} MB/s`
      },
      {
        measure: `S3 download ${label}: ranged parts against one stream (ours, parallelParts 1)`,
        ours: { value: ours, unit: 'MB/s' },
        peer: 'ours reading the object as one stream',
        peerFigure: { value: one, unit: 'MB/s' },
        better: 'higher',
        note: `shows whether the parts win on this machine (loopback, one s3rver process); runs: one stream ${list('ours-one-stream')} MB/s`
      },
      {
        measure: `S3 download ${label}, peak RSS growth`,
        ours: { value: growth, unit: 'MB' },
        peer: 'plain GetObject → /dev/null',
        peerFigure: { value: Math.max(...(runs.get('plain') ?? []).map((m) => m.growthBytes)) / MiB, unit: 'MB' },
        better: 'lower',
        note: `goal < ${GOAL_RSS_MB} MB: ${growth < GOAL_RSS_MB ? 'met' : 'NOT met'}; the highest of the runs; MB = MiB`
      }
    ]
  } finally {
    await server.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) await benchChildMain<Variant, Target>(process.argv.slice(2), measure, benchS3Download)
