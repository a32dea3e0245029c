import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { stat } from 'node:fs/promises'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createHttpSource } from '../../src/adapters/source/http'
import { JobError } from '../../src/core/errors'
import type { FetchContext } from '../../src/core/ports'
import { tempDir } from '../support/media'

let dir: string
let cleanup: () => Promise<void>
let server: Server
let base: string

const CHUNK = 30 * 1024 // 30 KiB every 100 ms: about 300 KB/s
const CHUNKS = 25 // 2.5 s in all, longer than the header timeout below

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-http-timeouts-'))
  server = createServer((req, res) => {
    if (req.url === '/slow.mp4') {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(CHUNK * CHUNKS) })
      let sent = 0
      const tick = setInterval(() => {
        res.write(Buffer.alloc(CHUNK, 1))
        if (++sent === CHUNKS) {
          clearInterval(tick)
          res.end()
        }
      }, 100)
      res.on('close', () => clearInterval(tick))
    } else if (req.url === '/stalls.mp4') {
      res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': String(CHUNK * CHUNKS) })
      res.write(Buffer.alloc(CHUNK, 1)) // then nothing, the connection left open
    } else if (req.url === '/no-headers.mp4') {
      // Accepts the request and never answers.
    }
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise((r) => server.close(r))
  await cleanup()
})

function ctx(): FetchContext {
  return { videoId: 'v', dir, signal: new AbortController().signal, onProgress: () => undefined, log: () => undefined }
}

const source = createHttpSource({ connectTimeoutMs: 1000, stallTimeoutMs: 1000 })

describe('http source timeouts', () => {
  it('lets a slow but steady download run longer than the header timeout', async () => {
    const got = await source.fetch({ kind: 'http', url: `${base}/slow.mp4` }, ctx(), { preferUrl: false })
    expect(got.kind).toBe('file')
    if (got.kind === 'file') expect((await stat(got.path)).size).toBe(CHUNK * CHUNKS)
  })

  it('cuts a download that stalls, with the timeout cause', async () => {
    const error = await source.fetch({ kind: 'http', url: `${base}/stalls.mp4` }, ctx(), { preferUrl: false }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(JobError)
    expect((error as JobError).failureCause).toBe('timeout')
    expect((error as JobError).retryable).toBe(true)
    expect((error as Error).message).toMatch(/stalled: no data for 1 s after \d+ bytes/)
  })

  it('gives up on a server that never sends headers, with the timeout cause', async () => {
    const error = await source.fetch({ kind: 'http', url: `${base}/no-headers.mp4` }, ctx(), { preferUrl: false }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(JobError)
    expect((error as JobError).failureCause).toBe('timeout')
    expect((error as Error).message).toMatch(/no response within 1 s/)
  })
})
