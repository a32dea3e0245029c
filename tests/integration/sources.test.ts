import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { readFile, stat } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createFileSource } from '../../src/adapters/source/file'
import { createHttpSource } from '../../src/adapters/source/http'
import { createYoutubeSource } from '../../src/adapters/source/youtube'
import { JobError } from '../../src/core/errors'
import type { FetchContext } from '../../src/core/ports'
import { makeTestVideo, tempDir } from '../support/media'

let dir: string
let cleanup: () => Promise<void>
let video: string
let server: Server
let base: string

function ctx(jobDir: string, progress: [number, number | null][] = []): FetchContext {
  return { videoId: '00000000-0000-4000-8000-000000000000', dir: jobDir, signal: new AbortController().signal, onProgress: (b, t) => progress.push([b, t]), log: () => undefined }
}

async function rejection(p: Promise<unknown>): Promise<JobError> {
  const error = await p.then(() => null, (e: unknown) => e)
  expect(error).toBeInstanceOf(JobError)
  return error as JobError
}

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-sources-'))
  video = await makeTestVideo(dir)
  const bytes = await readFile(video)
  server = createServer((req, res) => {
    const url = req.url ?? '/'
    if (url.startsWith('/clip.mp4')) {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': bytes.length })
      res.end(bytes)
    } else if (url === '/private.mp4') {
      const ok = req.headers.authorization === `Basic ${Buffer.from('operator:pa55:w0rd').toString('base64')}`
      if (!ok) return void res.writeHead(401, { 'www-authenticate': 'Basic' }).end('no')
      res.writeHead(200, { 'content-length': bytes.length }).end(bytes)
    } else if (url === '/gone') {
      res.writeHead(404).end('no')
    } else if (url === '/secret') {
      res.writeHead(403).end('no')
    } else if (url === '/broken') {
      res.writeHead(503).end('busy')
    } else if (url === '/short') {
      // Announces more than it sends, then drops the connection.
      res.writeHead(200, { 'content-length': bytes.length + 1000 })
      res.write(bytes.subarray(0, 1000))
      setTimeout(() => res.destroy(), 20)
    } else {
      res.writeHead(400).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  await new Promise((resolve) => server.close(resolve))
  await cleanup()
})

describe('file source', () => {
  it('uses the file in place and never marks it temporary', async () => {
    const got = await createFileSource().fetch({ kind: 'file', path: video }, ctx(dir), { preferUrl: false })
    expect(got).toEqual({ kind: 'file', path: video, sizeBytes: (await stat(video)).size, temporary: false })
  })

  it('fails for good, naming the path, when the file is missing', async () => {
    const missing = path.join(dir, 'nope.mp4')
    const error = await rejection(createFileSource().fetch({ kind: 'file', path: missing }, ctx(dir), { preferUrl: false }))
    expect(error.message).toContain(missing)
    expect(error.failureCause).toBe('source-missing')
    expect(error.retryable).toBe(false)
  })

  it('refuses a directory', async () => {
    const error = await rejection(createFileSource().fetch({ kind: 'file', path: dir }, ctx(dir), { preferUrl: false }))
    expect(error.message).toMatch(/not a regular file/)
  })
})

describe('http source', () => {
  it('streams the body into the job directory with progress and checks the size', async () => {
    const { dir: jobDir, cleanup: done } = await tempDir('vp-job-')
    const progress: [number, number | null][] = []
    const got = await createHttpSource().fetch({ kind: 'http', url: `${base}/clip.mp4?sig=secret` }, ctx(jobDir, progress), { preferUrl: false })
    const size = (await stat(video)).size
    expect(got).toEqual({ kind: 'file', path: path.join(jobDir, 'clip.mp4'), sizeBytes: size, temporary: true })
    expect(await readFile(path.join(jobDir, 'clip.mp4'))).toEqual(await readFile(video))
    expect(progress.at(-1)).toEqual([size, size])
    await done()
  })

  it('sends user:password from the URL as Basic auth and never shows the password', async () => {
    const { dir: jobDir, cleanup: done } = await tempDir('vp-job-')
    const logs: string[] = []
    const withLog = { ...ctx(jobDir), log: (m: string) => void logs.push(m) }
    const host = base.replace('http://', '')
    const got = await createHttpSource().fetch({ kind: 'http', url: `http://operator:pa55%3Aw0rd@${host}/private.mp4` }, withLog, { preferUrl: false })
    expect(await readFile(got.kind === 'file' ? got.path : '')).toEqual(await readFile(video))
    const denied = await rejection(createHttpSource().fetch({ kind: 'http', url: `http://operator:wrong-pass@${host}/private.mp4` }, withLog, { preferUrl: false }))
    expect([denied.failureCause, denied.retryable]).toEqual(['source-missing', false])
    const refused = await rejection(createHttpSource().fetch({ kind: 'http', url: 'http://operator:wrong-pass@127.0.0.1:1/x.mp4' }, withLog, { preferUrl: false }))
    expect(refused.retryable).toBe(true)
    const shown = [denied.message, refused.message, ...logs].join('\n')
    expect(shown).toContain('HTTP 401')
    expect(shown).not.toMatch(/pa55|wrong-pass/)
    await done()
  })

  it('maps 404 and 403 to source-missing (final) and 503 to a retryable error', async () => {
    const source = createHttpSource()
    const gone = await rejection(source.fetch({ kind: 'http', url: `${base}/gone` }, ctx(dir), { preferUrl: false }))
    expect([gone.failureCause, gone.retryable]).toEqual(['source-missing', false])
    expect(gone.message).toContain('HTTP 404')
    const secret = await rejection(source.fetch({ kind: 'http', url: `${base}/secret` }, ctx(dir), { preferUrl: false }))
    expect([secret.failureCause, secret.retryable]).toEqual(['source-missing', false])
    const busy = await rejection(source.fetch({ kind: 'http', url: `${base}/broken` }, ctx(dir), { preferUrl: false }))
    expect([busy.failureCause, busy.retryable]).toEqual(['network', true])
  })

  it('treats a truncated download as retryable and a refused connection as retryable', async () => {
    const { dir: jobDir, cleanup: done } = await tempDir('vp-job-')
    const short = await rejection(createHttpSource().fetch({ kind: 'http', url: `${base}/short` }, ctx(jobDir), { preferUrl: false }))
    expect(short.retryable).toBe(true)
    const refused = await rejection(createHttpSource().fetch({ kind: 'http', url: 'http://127.0.0.1:1/x.mp4' }, ctx(jobDir), { preferUrl: false }))
    expect(refused.retryable).toBe(true)
    expect(refused.message).toContain('127.0.0.1:1/x.mp4')
    await done()
  })
})

describe('youtube source', () => {
  const yt = { kind: 'youtube' as const, url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ' }
  it('hands the URL over when the analyzer takes URLs', async () => {
    expect(await createYoutubeSource().fetch(yt, ctx(dir), { preferUrl: true })).toEqual({ kind: 'url', url: yt.url })
  })
  it('fails for good with a clear reason otherwise', async () => {
    const error = await rejection(createYoutubeSource().fetch(yt, ctx(dir), { preferUrl: false }))
    expect(error.retryable).toBe(false)
    expect(error.message).toMatch(/Gemini/)
  })
})
