/**
 * Streaming S3 download: our S3 source (GetObject → job directory, progress, size check,
 * resume on a broken stream) against a plain GetObject piped to /dev/null, on s3rver running
 * in a child process. Each variant runs in a fresh process of its own (`--expose-gc`), so
 * neither warms up the other and the server's memory never counts. Figures: MB/s and peak
 * RSS growth while downloading; the file's sha256 is checked against the seeded object.
 * Standalone: `npx tsx bench/s3-download.ts [--quick]`.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
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
import { measureRss, MiB } from './support/rss'
import { benchChildMain } from './support/child-main'
import type { BenchOptions, BenchRow } from './support/types'

const SELF = fileURLToPath(import.meta.url)
const BUCKET = 'bench'
const KEY = 'bench/object.bin'
const GOAL_RSS_MB = 64

type Variant = 'ours' | 'plain'
interface Target {
  aws: AwsClientOptions
  dir: string
}
interface Measured {
  seconds: number
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
  if (variant === 'ours') {
    const source = createS3Source({ aws: t.aws })
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
  const label = opts.quick ? '64 MiB' : '1 GiB'
  const server = await startS3Process(BUCKET)
  const dir = await mkdtemp(join(tmpdir(), 'bench-s3-'))
  try {
    opts.log(`seeding a ${label} object in s3rver (child process)…`)
    const { sha256 } = await server.seed(KEY, bytes)
    opts.log('ours: S3 source → file (fresh process)…')
    const ours = await runVariant('ours', { aws: server.aws, dir: join(dir, 'job') })
    await rm(join(dir, 'job'), { recursive: true, force: true })
    opts.log('peer: plain GetObject → /dev/null (fresh process)…')
    const plain = await runVariant('plain', { aws: server.aws, dir })

    const mbps = (seconds: number) => bytes / 1e6 / seconds
    const oursGrowth = ours.growthBytes / MiB
    return [
      {
        measure: `S3 download ${label}, throughput`,
        ours: { value: mbps(ours.seconds), unit: 'MB/s' },
        peer: 'plain GetObject → /dev/null',
        peerFigure: { value: mbps(plain.seconds), unit: 'MB/s' },
        better: 'higher',
        note: `ours writes the file to disk and checks its size; sha256 ${ours.sha256 === sha256 ? 'verified' : 'MISMATCH'}; s3rver in a child process`
      },
      {
        measure: `S3 download ${label}, peak RSS growth`,
        ours: { value: oursGrowth, unit: 'MB' },
        peer: 'plain GetObject → /dev/null',
        peerFigure: { value: plain.growthBytes / MiB, unit: 'MB' },
        better: 'lower',
        note: `goal < ${GOAL_RSS_MB} MB: ${oursGrowth < GOAL_RSS_MB ? 'met' : 'NOT met'}; each variant in a fresh process; MB = MiB`
      }
    ]
  } finally {
    await server.stop()
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) await benchChildMain<Variant, Target>(process.argv.slice(2), measure, benchS3Download)
