import { randomUUID } from 'node:crypto'
import { writeFile } from 'node:fs/promises'
import { createServer } from 'node:net'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openApp, type App } from '../../src/app/open-app'
import { loadConfig } from '../../src/app/load-config'
import { readWorkerIntent } from '../../src/app/worker-intent'
import { ConsoleApiError } from '../../src/shared/console-api'
import { tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'

// The console's debugging procedures on the real core (embedded queue and store, local analyzer),
// with failures made by real inputs: an empty file, and a URL nobody answers.
let dir: string
let cleanup: () => Promise<void>
let app: App
let closedPort: number
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

async function freePort(): Promise<number> {
  const probe = createServer()
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve))
  const port = (probe.address() as { port: number }).port
  await new Promise((resolve) => probe.close(resolve))
  return port
}

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-debugging-'))
  closedPort = await freePort()
  const config = loadConfig({ cwd: dir, envFileName: null, env: { DATA_DIR: path.join(dir, 'data'), POLL_WAIT_SECONDS: '1', MAX_RECEIVE_COUNT: '3', PATH: process.env['PATH'] ?? '' } })
  // Retries come back after 1 s instead of 5, so a pending retry can be seen arriving.
  app = await openApp(config, { logger: quiet, core: { backoffSeconds: () => 1 } })
})

afterAll(async () => {
  await app?.close()
  await cleanup?.()
})

const api = () => app.core.api

describe('console debugging API on the real core', () => {
  it('refuses at enqueue what this configuration cannot process, naming the fix', async () => {
    const refuse = (source: Parameters<ReturnType<typeof api>['videos.enqueue']>[0]['source']) =>
      api()['videos.enqueue']({ source }).then(
        () => null,
        (e: unknown) => e
      )
    expect(await refuse({ kind: 'file', path: path.join(dir, 'nope.mp4') })).toMatchObject({ code: 'bad-request', message: expect.stringContaining('no such file') })
    expect(await refuse({ kind: 'youtube', url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ' })).toMatchObject({ message: expect.stringContaining('GEMINI_API_KEY') })
    expect(await refuse({ kind: 's3', bucket: 'b', key: 'k.mp4' })).toMatchObject({ message: expect.stringContaining('AWS_S3_BUCKET') })
    expect(await refuse({ kind: 'file', path: 'relative.mp4' })).toBeInstanceOf(ConsoleApiError)
    const caps = await api()['sources.capabilities'](undefined)
    expect(Object.fromEntries(caps.map((c) => [c.kind, c.available]))).toEqual({ file: true, http: true, s3: false, youtube: false })
    expect((await api()['videos.list']({})).total).toBe(0) // nothing was queued
  })

  it('counts what a bulk retry would skip and why, and cancels a pending retry so its message is skipped', async () => {
    const empty = path.join(dir, 'empty.mp4')
    await writeFile(empty, '')
    // Enqueue refuses an empty file: a producer's raw message gets past that.
    await expect(api()['videos.enqueue']({ source: { kind: 'file', path: empty }, title: 'Empty' })).rejects.toThrow(/is empty \(0 bytes\)/)
    const broken = { id: randomUUID() }
    await api()['queue.send']({ body: JSON.stringify({ video_id: broken.id, source_type: 'file', file_path: empty, title: 'Empty' }) })
    const offline = await api()['videos.enqueue']({ source: { kind: 'http', url: `http://127.0.0.1:${closedPort}/talk.mp4` }, title: 'Offline' })
    await api()['worker.start'](undefined)
    const detail = (id: string) => api()['videos.get']({ id }).then((d) => d!.video)
    await waitUntil('the empty file to fail', async () => (await api()['videos.get']({ id: broken.id }))?.video.errorCause === 'unreadable-media')
    await waitUntil('the download to fail', async () => (await detail(offline.id)).errorCause === 'network')
    expect((await detail(offline.id)).completedAt).toBeNull() // the queue will deliver it again
    await waitUntil('both jobs to end', async () => (await api()['stats.get'](undefined)).inFlight === 0)

    const preview = await api()['videos.retryMany']({ dryRun: true })
    expect(preview).toMatchObject({ matched: 2, done: 0 })
    expect(Object.fromEntries(preview.skipped.map((s) => [s.reason, s.count]))).toEqual({ 'permanent cause': 1, 'retry already pending': 1 })

    const dry = await api()['videos.cancelRetries']({ dryRun: true })
    expect(dry).toMatchObject({ matched: 1, done: 1 })
    expect((await detail(offline.id)).errorCause).toBe('network') // a dry run changes nothing
    await api()['worker.stop']({ mode: 'drain' })
    await waitUntil('the worker to stop', async () => (await api()['worker.status'](undefined)).state === 'stopped')
    expect(await api()['videos.cancelRetries']({})).toMatchObject({ matched: 1, done: 1 })
    expect(await detail(offline.id)).toMatchObject({ processingStatus: 'failed', errorCause: 'cancelled' })
    const stats = await api()['stats.get'](undefined)

    // The message still comes back after its backoff: the worker skips it, the row stays cancelled.
    await api()['worker.start'](undefined)
    await waitUntil('the message to come back', async () => (await api()['stats.get'](undefined)).received > stats.received)
    await waitUntil('the worker to skip it', async () => (await api()['videos.get']({ id: offline.id }))!.journal.some((e) => /without running the video: the video was cancelled/.test(e.message)))
    expect(await detail(offline.id)).toMatchObject({ processingStatus: 'failed', errorCause: 'cancelled', attempts: 1 })

    const included = await api()['videos.retryMany']({ includeUnlikely: true, ids: [broken.id], dryRun: true })
    expect(included).toMatchObject({ matched: 1, done: 1, skipped: [] })
  })

  it('keeps an operator\'s stop in DATA_DIR, and each run\'s evidence in the journal', async () => {
    await api()['worker.stop']({ mode: 'now' })
    expect(await readWorkerIntent(path.join(dir, 'data'))).toMatchObject({ state: 'stopped' })
    const offline = (await api()['videos.list']({ search: 'Offline' })).items[0]!
    const journal = (await api()['videos.get']({ id: offline.id }))!.journal
    const evidence = journal.find((e) => e.message === 'error detail')
    expect(evidence?.data?.['error']).toEqual(expect.arrayContaining([expect.objectContaining({ code: 'ECONNREFUSED' })]))
    const media = await api()['videos.inspect']({ id: offline.id })
    expect(media).toMatchObject({ present: false, path: null, note: expect.stringContaining('removed when the attempt ends') })
  })
})
