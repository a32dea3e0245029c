/**
 * The Source port's contract, run against every adapter that reads a file (local file,
 * http, S3). Each backend stores bytes at a location of its own and names a location
 * that does not exist; the suite fetches them with the same expectations.
 */
import { createHash, randomBytes } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve, sep } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { JobError } from '../../src/core/errors'
import type { FetchContext, FetchedVideo, Source } from '../../src/core/ports'
import type { VideoSource } from '../../src/shared/video-source'

export interface SourceHarness {
  source: Source
  /**
   * Stores `bytes` under `name` and returns the source naming it. `name` may hold `..` and
   * odd characters: a backend whose locations can carry them (URL path, S3 key) uses it as is.
   */
  put(name: string, bytes: Buffer): Promise<VideoSource>
  /** A source for a location that does not exist, and the text that names it in errors. */
  missing(name: string): { source: VideoSource; location: string }
  cleanup(): Promise<void>
}

export interface SourceConformanceOptions {
  /** Whether the source downloads into ctx.dir (temporary copy) or hands over the original (local file). */
  downloads: boolean
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
async function fileSha(path: string): Promise<string> {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}

export function sourceConformance(name: string, makeSource: () => Promise<SourceHarness>, opts: SourceConformanceOptions): void {
  describe(`Source conformance: ${name}`, () => {
    let harness: SourceHarness
    let root: string
    let jobs = 0
    beforeAll(async () => {
      harness = await makeSource()
      root = await mkdtemp(join(tmpdir(), 'vp-source-conf-'))
    })
    afterAll(async () => {
      await harness?.cleanup()
      if (root) await rm(root, { recursive: true, force: true })
    })

    /** A job directory two levels below its own empty root, so writes outside it are seen. */
    async function job(signal = new AbortController().signal, onProgress?: (bytes: number, total: number | null) => void) {
      const jobRoot = join(root, `job-${++jobs}`)
      const dir = join(jobRoot, 'downloads', 'video-1')
      await mkdir(dir, { recursive: true })
      const progress: [number, number | null][] = []
      const ctx: FetchContext = {
        videoId: '00000000-0000-4000-8000-000000000001',
        dir,
        signal,
        onProgress: (b, t) => {
          progress.push([b, t])
          onProgress?.(b, t)
        },
        log: () => undefined
      }
      return { ctx, dir, jobRoot, progress }
    }

    /** Everything under `dir`, relative, files and directories. */
    async function tree(dir: string): Promise<string[]> {
      const entries = await readdir(dir, { recursive: true })
      return entries.map((e) => e.split(sep).join('/')).sort()
    }

    it('fetches an existing video with the right bytes, progress ending at the full size, and the right temporary flag', async () => {
      const bytes = randomBytes(3 * 1024 * 1024 + 17)
      const source = await harness.put('clip.mp4', bytes)
      const { ctx, dir, progress } = await job()
      const got = await harness.source.fetch(source, ctx, { preferUrl: false })
      expect(got.kind).toBe('file')
      const file = got as Extract<FetchedVideo, { kind: 'file' }>
      expect(file.sizeBytes).toBe(bytes.length)
      expect((await stat(file.path)).size).toBe(bytes.length)
      expect(await fileSha(file.path)).toBe(sha(bytes))
      expect(progress.length).toBeGreaterThan(0)
      expect(progress.at(-1)).toEqual([bytes.length, bytes.length])
      for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0])
      if (opts.downloads) {
        expect(file.temporary).toBe(true)
        expect(resolve(file.path).startsWith(resolve(dir) + sep)).toBe(true)
      } else {
        // The operator's own file: used where it is and never deleted by the worker.
        expect(file.temporary).toBe(false)
        expect(await readdir(dir)).toEqual([])
      }
    })

    it('fails a missing video at once: source-missing, not retryable, naming the location', async () => {
      const { source, location } = harness.missing('nowhere/absent.mp4')
      const { ctx, dir } = await job()
      const error = await harness.source.fetch(source, ctx, { preferUrl: false }).then(
        () => null,
        (e: unknown) => e
      )
      expect(error).toBeInstanceOf(JobError)
      expect((error as JobError).failureCause).toBe('source-missing')
      expect((error as JobError).retryable).toBe(false)
      expect((error as JobError).message).toContain(location)
      expect(await readdir(dir)).toEqual([])
    })

    it('writes nothing outside the job directory, whatever the name holds', async () => {
      const bytes = randomBytes(4096)
      const source = await harness.put('../../../escape/../x y;$(id).mp4', bytes)
      const { ctx, dir, jobRoot } = await job()
      const got = await harness.source.fetch(source, ctx, { preferUrl: false })
      expect(got.kind).toBe('file')
      const file = got as Extract<FetchedVideo, { kind: 'file' }>
      expect(await fileSha(file.path)).toBe(sha(bytes))
      const inside = (await tree(dir)).map((e) => `downloads/video-1/${e}`)
      expect(await tree(jobRoot)).toEqual(['downloads', 'downloads/video-1', ...inside].sort())
      if (opts.downloads) expect(resolve(file.path).startsWith(resolve(dir) + sep)).toBe(true)
      expect(await tree(root)).not.toContain('x y;$(id).mp4')
    })

    it('does not start a fetch whose signal is already aborted', async () => {
      const source = await harness.put('aborted.mp4', randomBytes(1024))
      const controller = new AbortController()
      controller.abort(new Error('stop'))
      const { ctx, dir, progress } = await job(controller.signal)
      await expect(harness.source.fetch(source, ctx, { preferUrl: false })).rejects.toThrow()
      expect(await readdir(dir)).toEqual([])
      expect(progress).toEqual([])
    })

    if (opts.downloads) {
      it('stops a running download when its signal aborts', async () => {
        const size = 16 * 1024 * 1024
        const source = await harness.put('large.mp4', randomBytes(size))
        const controller = new AbortController()
        let abortedAt: number | null = null
        const { ctx, dir, progress } = await job(controller.signal, (bytes) => {
          if (abortedAt === null && bytes > 0 && bytes < size) {
            abortedAt = bytes
            controller.abort(new Error('operator cancelled'))
          }
        })
        await expect(harness.source.fetch(source, ctx, { preferUrl: false })).rejects.toThrow()
        expect(abortedAt).not.toBeNull()
        // Nothing moved on after the abort: no progress beyond it, no whole file on disk.
        expect(Math.max(...progress.map(([b]) => b))).toBe(abortedAt)
        for (const f of await readdir(dir)) expect((await stat(join(dir, f))).size).toBeLessThan(size)
      })
    }
  })
}
