import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdtemp, open, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createGeminiAnalyzer } from '../../src/adapters/analyzer/gemini'
import type { AnalyzeContext } from '../../src/core/ports'
import { startFakeGeminiChild, type FakeGeminiChild } from '../support/fake-gemini-child'

const MiB = 1024 * 1024
/** Past 4 GiB, where a Blob's size (modulo 2^32) would declare and send only 512 MiB. */
const SIZE = 4.5 * 1024 * MiB

let fake: FakeGeminiChild
let dir = ''
let file = ''

/** A sparse file with random blocks at a few offsets: cheap to make, and chunk mix-ups change its hash. */
async function makeVideo(target: string, size: number): Promise<void> {
  const handle = await open(target, 'w')
  try {
    await handle.truncate(size)
    for (const at of [0, 8 * MiB - 512, 37 * MiB, size - MiB]) await handle.write(randomBytes(MiB), 0, MiB, at)
  } finally {
    await handle.close()
  }
}

async function sha256(target: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(target)) hash.update(chunk as Buffer)
  return hash.digest('base64')
}

beforeAll(async () => {
  // In its own process, so only the uploader's memory is measured here.
  fake = await startFakeGeminiChild()
  dir = await mkdtemp(path.join(os.tmpdir(), 'vp-gemini-big-'))
  file = path.join(dir, 'big.mp4')
  await makeVideo(file, SIZE)
}, 120_000)
afterAll(async () => {
  await fake.close()
  await rm(dir, { recursive: true, force: true })
})

it('streams a 4.5 GiB upload from disk, declared and sent with its true size, RSS growth under 128 MB, bytes intact, file deleted', async () => {
  const analyzer = createGeminiAnalyzer({ apiKey: fake.apiKey, baseUrl: fake.url, poll: { minIntervalMs: 5 }, maxFileBytes: 10e9 })
  const progress: number[] = []
  const ctx: AnalyzeContext = {
    videoId: 'big', title: null, signal: new AbortController().signal, artifactsDir: dir,
    setStatus: async () => {}, onProgress: (bytes) => void progress.push(bytes), stage: () => {}, log: () => {}
  }
  const baseline = process.memoryUsage.rss()
  let peak = baseline
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10)
  try {
    await analyzer.analyze({ kind: 'file', path: file, sizeBytes: SIZE, temporary: false }, ctx)
  } finally {
    clearInterval(timer)
  }
  peak = Math.max(peak, process.memoryUsage.rss())
  const growthMiB = (peak - baseline) / MiB
  console.log(`[gemini-upload] ${(SIZE / 1024 / MiB).toFixed(1)} GiB upload: RSS growth ${growthMiB.toFixed(1)} MiB`)
  expect(growthMiB).toBeLessThan(128)
  const stats = await fake.stats()
  expect(stats.bytesReceived).toBe(SIZE)
  expect(stats.deleted).toHaveLength(1)
  expect(stats.deleted[0]?.sizeBytes).toBe(String(SIZE))
  expect(stats.deleted[0]?.sha256Hash).toBe(await sha256(file))
  expect(stats.stored).toEqual([])
  expect(progress).toHaveLength(Math.ceil(SIZE / (8 * MiB)) + 1)
  // 4.5 GiB crosses loopback and is hashed on both sides: a budget for the volume, not a speed claim.
}, 600_000)
