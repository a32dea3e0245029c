/**
 * Streaming Gemini upload: a 500 MB file (64 MB with --quick) uploaded to the fake Gemini server
 * (tests/support/fake-gemini.ts, in its own process) through the real SDK. Each variant runs in a
 * fresh process so its RSS growth is its own: ours (the analyzer's own resumable uploader, sized by
 * fstat, 8 MiB chunks read into one reused buffer) against the SDK's documented path upload
 * (`files.upload({ file: path })`).
 * Standalone: `npx tsx bench/gemini-upload.ts [--quick]`.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { mkdtemp, open, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { GoogleGenAI } from '@google/genai'
import { createGeminiAnalyzer } from '../src/adapters/analyzer/gemini'
import type { AnalyzeContext } from '../src/core/ports'
import { startFakeGeminiChild } from '../tests/support/fake-gemini-child'
import { measureRss, MiB } from './support/rss'
import { benchChildMain } from './support/child-main'
import type { BenchOptions, BenchRow } from './support/types'
import { notRun } from './support/types'

const SELF = fileURLToPath(import.meta.url)
type Variant = 'ours' | 'sdk-path'
interface Measured { seconds: number; growthBytes: number; baselineBytes: number }
interface Target { url: string; apiKey: string; file: string; size: number }

function child(args: string[]): ChildProcess {
  return fork(SELF, args, { execArgv: ['--import', 'tsx', '--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] })
}

function firstMessage<T>(proc: ChildProcess): Promise<T> {
  return new Promise((resolve, reject) => {
    proc.once('message', (m) => resolve(m as T))
    proc.once('exit', (code) => reject(new Error(`child exited with ${code} before reporting`)))
  })
}

async function measure(variant: Variant, t: Target): Promise<Measured> {
  const ctx: AnalyzeContext = {
    videoId: 'bench', title: null, signal: new AbortController().signal, artifactsDir: os.tmpdir(),
    setStatus: async () => {}, onProgress: () => {}, stage: () => {}, log: () => {}
  }
  const started = performance.now()
  const { rss } = await measureRss(async () => {
    if (variant === 'ours') {
      const analyzer = createGeminiAnalyzer({ apiKey: t.apiKey, baseUrl: t.url, poll: { minIntervalMs: 10 } })
      await analyzer.analyze({ kind: 'file', path: t.file, sizeBytes: t.size, temporary: false }, ctx)
    } else {
      const ai = new GoogleGenAI({ apiKey: t.apiKey, vertexai: false, apiVersion: 'v1beta', httpOptions: { baseUrl: t.url } })
      const file = await ai.files.upload({ file: t.file, config: { mimeType: 'video/mp4' } })
      await ai.files.delete({ name: file.name ?? '' })
    }
  })
  // Ours also polls and generates (a few ms against the fake); both figures are dominated by the upload.
  return { seconds: (performance.now() - started) / 1000, growthBytes: rss.growthBytes, baselineBytes: rss.baselineBytes }
}

async function makeSparseVideo(file: string, size: number): Promise<void> {
  const handle = await open(file, 'w')
  try {
    await handle.truncate(size)
    await handle.write(randomBytes(MiB), 0, MiB, 0)
  } finally {
    await handle.close()
  }
}

async function runVariant(variant: Variant, target: Target): Promise<Measured> {
  const proc = child(['--measure', variant, JSON.stringify(target)])
  try {
    const reply = await firstMessage<Measured | { error: string }>(proc)
    if ('error' in reply) throw new Error(reply.error)
    return reply
  } finally {
    proc.kill()
  }
}

export async function benchGeminiUpload(opts: BenchOptions): Promise<BenchRow[]> {
  const size = (opts.quick ? 64 : 500) * MiB
  const label = `${size / MiB} MiB`
  const dir = await mkdtemp(path.join(os.tmpdir(), 'vp-bench-gemini-'))
  const server = await startFakeGeminiChild()
  try {
    const { url, apiKey } = server
    const file = path.join(dir, 'bench.mp4')
    await makeSparseVideo(file, size)
    const target: Target = { url, apiKey, file, size }
    opts.log(`gemini upload: ${label}, ours`)
    const ours = await runVariant('ours', target)
    opts.log(`gemini upload: ${label}, SDK path upload`)
    const peer = await runVariant('sdk-path', target)
    const peerName = '@google/genai 2.32 files.upload({ file: path })'
    return [
      {
        measure: `Gemini upload throughput, ${label} to the fake server on loopback (upload + wait + generate)`,
        ours: { value: size / MiB / ours.seconds, unit: 'MiB/s' },
        peer: peerName,
        peerFigure: { value: size / MiB / peer.seconds, unit: 'MiB/s' },
        better: 'higher',
        note: 'sparse file, fake in its own process; 8 MiB chunks either way; ours is our resumable uploader, not the SDK'
      },
      {
        measure: `Peak RSS growth while uploading ${label} to Gemini`,
        ours: { value: ours.growthBytes / MiB, unit: 'MiB' },
        peer: peerName,
        peerFigure: { value: peer.growthBytes / MiB, unit: 'MiB' },
        better: 'lower',
        note: `budget 128 MiB; baseline RSS ${Math.round(ours.baselineBytes / MiB)} MiB after GC; each variant in a fresh process`
      }
    ]
  } catch (error) {
    return [notRun('Gemini upload', (error as Error).message)]
  } finally {
    await server.close()
    await rm(dir, { recursive: true, force: true })
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === SELF) await benchChildMain<Variant, Target>(process.argv.slice(2), measure, benchGeminiUpload)
