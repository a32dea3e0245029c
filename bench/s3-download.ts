/**
 * Streaming S3 download: our S3 source (GetObject → job directory, progress, size check,
 * resume on a broken stream) against a plain GetObject piped to /dev/null, on s3rver running
 * in a child process (the server's memory never counts). Figures: MB/s and peak RSS growth
 * of this process while downloading; the file's sha256 is checked against the seeded object.
 */
import { createHash } from 'node:crypto'
import { createReadStream, createWriteStream } from 'node:fs'
import { mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { createS3Client } from '../src/adapters/aws-clients'
import { createS3Source } from '../src/adapters/source/s3'
import { startS3Process } from '../tests/support/aws-local'
import { measureRss, MiB } from './support/rss'
import type { BenchOptions, BenchRow } from './support/types'

const BUCKET = 'bench'
const GOAL_RSS_MB = 64

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}

export async function benchS3Download(opts: BenchOptions): Promise<BenchRow[]> {
  const bytes = opts.quick ? 64 * MiB : 1024 * MiB
  const label = opts.quick ? '64 MiB' : '1 GiB'
  const server = await startS3Process(BUCKET)
  const dir = await mkdtemp(join(tmpdir(), 'bench-s3-'))
  try {
    opts.log(`seeding a ${label} object in s3rver (child process)…`)
    const { sha256 } = await server.seed('bench/object.bin', bytes)

    opts.log('ours: S3 source → file…')
    const source = createS3Source({ aws: server.aws })
    const jobDir = join(dir, 'job')
    await mkdir(jobDir)
    const t0 = performance.now()
    const ours = await measureRss(() =>
      source.fetch(
        { kind: 's3', bucket: BUCKET, key: 'bench/object.bin' },
        { videoId: 'bench', dir: jobDir, signal: new AbortController().signal, onProgress: () => {}, log: () => {} },
        { preferUrl: false }
      )
    )
    const oursSeconds = (performance.now() - t0) / 1000
    source.close()
    const path = ours.result.kind === 'file' ? ours.result.path : ''
    const intact = (await sha256File(path)) === sha256
    await rm(jobDir, { recursive: true, force: true })

    opts.log('peer: plain GetObject → /dev/null…')
    const client = createS3Client(server.aws)
    const t1 = performance.now()
    const peer = await measureRss(async () => {
      const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'bench/object.bin' }))
      await pipeline(out.Body as Readable, createWriteStream('/dev/null'))
    })
    const peerSeconds = (performance.now() - t1) / 1000
    client.destroy()

    const mbps = (seconds: number) => bytes / 1e6 / seconds
    const growth = (b: number) => b / MiB
    const oursGrowth = growth(ours.rss.growthBytes)
    return [
      {
        measure: `S3 download ${label}, throughput`,
        ours: { value: mbps(oursSeconds), unit: 'MB/s' },
        peer: 'plain GetObject → /dev/null',
        peerFigure: { value: mbps(peerSeconds), unit: 'MB/s' },
        better: 'higher',
        note: `ours writes the file to disk and checks size; sha256 ${intact ? 'verified' : 'MISMATCH'}; s3rver in a child process`
      },
      {
        measure: `S3 download ${label}, peak RSS growth`,
        ours: { value: oursGrowth, unit: 'MB' },
        peer: 'plain GetObject → /dev/null',
        peerFigure: { value: growth(peer.rss.growthBytes), unit: 'MB' },
        better: 'lower',
        note: `goal < ${GOAL_RSS_MB} MB: ${oursGrowth < GOAL_RSS_MB ? 'met' : 'NOT met'}; ours ran first (no warm-up in its favour); MB = MiB`
      }
    ]
  } finally {
    await server.stop()
    await rm(dir, { recursive: true, force: true })
  }
}
