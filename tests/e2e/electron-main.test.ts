/**
 * The built main process (out/main/index.js) under Node with a fake `electron` (no Electron
 * binary here): start-up with the local analyzer and with a Gemini key, IPC, app:// with a Range
 * request, permissions, DevTools in packaged builds, and every way of quitting: during start-up,
 * during a job, twice, by closing the window with a second launch coming in, at logout.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/app/load-config'
import { openApp } from '../../src/app/open-app'
import { LOCK_FILE } from '../../src/app/owner-lock'
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini'
import { mainEnv, startMain, type MainProcess, type Report } from '../support/electron-main'
import { makeTestVideo, tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'

/** A video server that sends headers and a first chunk, then nothing: the job stays in "downloading". */
async function stallingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const held = new Set<ServerResponse>()
  const server: Server = createServer((_req, res) => {
    held.add(res)
    res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': String(50 * 1024 * 1024) })
    res.write(Buffer.alloc(64 * 1024))
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/stalled.mp4`,
    close: async () => {
      for (const res of held) res.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    }
  }
}

let temp: { dir: string; cleanup: () => Promise<void> }
let video: string
let stalled: Awaited<ReturnType<typeof stallingServer>>
const running: MainProcess[] = []
let n = 0

beforeAll(async () => {
  temp = await tempDir('vp-electron-main-')
  video = await makeTestVideo(temp.dir, 'clip.mp4', { seconds: 2 })
  stalled = await stallingServer()
}, 120_000)
afterEach(() => {
  for (const main of running.splice(0)) if (!main.hasExited()) main.kill()
})
afterAll(async () => {
  await stalled?.close()
  await temp?.cleanup()
})

/** A fresh DATA_DIR and working directory per launch (no .env.local of the developer). */
function launch(extra: Record<string, string> = {}, dataDir = path.join(temp.dir, `data-${++n}`)): { main: MainProcess; dataDir: string } {
  const main = startMain({ cwd: temp.dir, env: mainEnv({ DATA_DIR: dataDir, ...extra }) })
  running.push(main)
  return { main, dataDir }
}

const isShutdown = (phase: string) => (r: Report) => r.ev === 'send' && r.channel === 'app:shutdown' && (r.payload as { phase: string }).phase === phase
async function workerRunning(main: MainProcess): Promise<void> {
  await main.waitFor('the IPC bridge', (r) => r.ev === 'load', 60_000)
  try {
    await waitUntil('the worker to run', async () => {
      // "Worker not started" is the answer: no need to wait any longer.
      const dialog = main.reports.find((r) => r.ev === 'dialog')
      if (dialog) throw new Error(`a dialog instead: ${JSON.stringify(dialog)}`)
      return ((await main.invoke('worker.status')) as { ok: boolean; result?: { state: string } }).result?.state === 'running'
    }, 90_000)
  } catch (error) {
    throw new Error(`${(error as Error).message}; the main process said:\n${main.output()}`, { cause: error })
  }
}
const statusOf = (id: string) => (r: Report) =>
  r.ev === 'send' && r.channel === 'api:event' && (r.payload as { type: string; videoId?: string; status?: string }).videoId === id
const released = (dataDir: string) => !existsSync(path.join(dataDir, LOCK_FILE))

/** What a later start finds: the video's row in DATA_DIR (so the database was closed cleanly). */
async function storedStatus(dataDir: string, id: string): Promise<string | undefined> {
  const opened = await openApp(loadConfig({ env: { DATA_DIR: dataDir }, envFileName: null }))
  try {
    return (await opened.core.api['videos.get']({ id }))?.video.processingStatus
  } finally {
    await opened.close()
  }
}

async function enqueue(main: MainProcess, source: unknown): Promise<string> {
  const added = (await main.invoke('videos.enqueue', { source })) as { ok: boolean; result: { id: string } }
  expect(added.ok).toBe(true)
  return added.result.id
}

describe('the built main process', () => {
  it('starts with the local analyzer, answers IPC, serves app:// with ranges, and grants only the console its permissions', async () => {
    const { main } = launch()
    await main.waitFor('the window to load app://', (r) => r.ev === 'load' && r.url === 'app://console/index.html', 60_000)
    await workerRunning(main)
    const window = main.reports.find((r) => r.ev === 'window') as unknown as { webPreferences: Record<string, unknown> }
    expect(window.webPreferences).toMatchObject({ sandbox: true, contextIsolation: true, nodeIntegration: false, devTools: true })

    expect(await main.invoke('videos.get', { id: 'nope' })).toMatchObject({ ok: false, error: { code: 'bad-request' } })
    const page = await main.fetch('app://console/index.html')
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.body.toString()).toContain('<div id="root">')

    const id = await enqueue(main, { kind: 'file', path: video })
    const bytes = readFileSync(video)
    const ranged = await main.fetch(`app://console/media/${id}/video`, { Range: 'bytes=100-1123' })
    expect(ranged.status).toBe(206)
    expect(ranged.headers['content-range']).toBe(`bytes 100-1123/${bytes.length}`)
    expect(ranged.body.equals(bytes.subarray(100, 1124))).toBe(true)
    expect((await main.fetch(`app://console/media/${id}/video`, { Range: `bytes=${bytes.length + 10}-` })).status).toBe(416)
    expect((await main.fetch('app://elsewhere/index.html')).status).toBe(404)

    expect(await main.permission('fullscreen', 'app://console/index.html')).toEqual({ requested: true, checked: true })
    expect(await main.permission('clipboard-sanitized-write', 'app://console/index.html')).toEqual({ requested: true, checked: true })
    expect(await main.permission('clipboard-read', 'app://console/index.html')).toEqual({ requested: false, checked: false })
    expect(await main.permission('fullscreen', 'https://evil.example/')).toEqual({ requested: false, checked: false })

    await main.waitFor('the local analysis to complete', (r) => statusOf(id)(r) && (r.payload as { type: string }).type === 'video.completed', 120_000)
    await main.emit('quit')
    expect(await main.exited).toEqual({ code: 0, signal: null })
  }, 240_000)

  it('has no DevTools in a packaged build: devTools off and a menu without the developer entries', async () => {
    const { main } = launch({ STUB_PACKAGED: '1' })
    const window = (await main.waitFor('the window', (r) => r.ev === 'window', 60_000)) as unknown as { webPreferences: Record<string, unknown> }
    expect(window.webPreferences['devTools']).toBe(false)
    const menu = (await main.waitFor('the menu', (r) => r.ev === 'menu')) as unknown as { template: unknown }
    expect(menu.template).not.toBeNull()
    expect(JSON.stringify(menu.template)).not.toMatch(/toggleDevTools|reload/i)
    await main.emit('quit')
    expect((await main.exited).code).toBe(0)
  }, 120_000)

  it('starts the worker with a Gemini key against the fake Gemini and analyses a video', async () => {
    const gemini: FakeGemini = await startFakeGemini()
    try {
      const { main } = launch({ GEMINI_API_KEY: gemini.apiKey, GEMINI_BASE_URL: gemini.url })
      await workerRunning(main)
      expect(main.reports.filter((r) => r.ev === 'dialog')).toEqual([])
      const id = await enqueue(main, { kind: 'file', path: video })
      await main.waitFor('the Gemini analysis to complete', (r) => statusOf(id)(r) && (r.payload as { type: string }).type === 'video.completed', 120_000)
      await main.emit('quit')
      expect((await main.exited).code).toBe(0)
    } finally {
      await gemini.close()
    }
  }, 240_000)

  it('closes the database when quit during start-up', async () => {
    const { main, dataDir } = launch()
    await main.emit('quit')
    expect(await main.exited).toEqual({ code: 0, signal: null })
    expect(released(dataDir)).toBe(true)
    expect(main.reports.some((r) => r.ev === 'window')).toBe(false)
  }, 120_000)

  it('quit during a job: drains until the deadline, hands the job back, closes the database and exits', async () => {
    const { main, dataDir } = launch({ SHUTDOWN_DEADLINE_SECONDS: '2' })
    await workerRunning(main)
    const id = await enqueue(main, { kind: 'http', url: stalled.url })
    await main.waitFor('the download to begin', (r) => statusOf(id)(r) && (r.payload as { status?: string }).status === 'downloading', 60_000)
    await main.emit('quit')
    expect((await main.waitFor('the stopping notice', isShutdown('draining'))).payload).toEqual({ phase: 'draining', inFlight: 1, deadlineSeconds: 2 })
    expect((await main.waitFor('the hand-back notice', isShutdown('handing-back'))).payload).toEqual({ phase: 'handing-back', handedBack: 1 })
    expect(await main.exited).toEqual({ code: 0, signal: null })
    expect(released(dataDir)).toBe(true)
    expect(await storedStatus(dataDir, id)).toBe('queued')
  }, 180_000)

  it('a second quit hands the job back at once and still closes the database', async () => {
    const { main, dataDir } = launch({ SHUTDOWN_DEADLINE_SECONDS: '600' })
    await workerRunning(main)
    const id = await enqueue(main, { kind: 'http', url: stalled.url })
    await main.waitFor('the download to begin', (r) => statusOf(id)(r) && (r.payload as { status?: string }).status === 'downloading', 60_000)
    await main.emit('quit')
    await main.waitFor('the stopping notice', isShutdown('draining'))
    await main.emit('quit')
    expect((await main.waitFor('the hand-back notice', isShutdown('handing-back'))).payload).toEqual({ phase: 'handing-back', handedBack: 1 })
    expect(await main.exited).toEqual({ code: 0, signal: null })
    expect(released(dataDir)).toBe(true)
    expect(await storedStatus(dataDir, id)).toBe('queued')
  }, 180_000)

  it('a second launch while the closed window shuts the app down neither crashes it nor skips the close', async () => {
    const { main, dataDir } = launch({ SHUTDOWN_DEADLINE_SECONDS: '2' })
    await workerRunning(main)
    await main.emit('second-instance')
    await main.waitFor('the window to be focused', (r) => r.ev === 'focus')
    const id = await enqueue(main, { kind: 'http', url: stalled.url })
    await main.waitFor('the download to begin', (r) => statusOf(id)(r) && (r.payload as { status?: string }).status === 'downloading', 60_000)
    await main.emit('close-window')
    await main.emit('second-instance')
    expect(await main.exited).toEqual({ code: 0, signal: null })
    expect(released(dataDir)).toBe(true)
    expect(main.output()).not.toMatch(/Object has been destroyed/)
  }, 180_000)

  it('runs the core in a utility process and starts it again after a crash, the window still answering', async () => {
    const { main, dataDir } = launch()
    await workerRunning(main)
    const first = (await main.waitFor('the core process', (r) => r.ev === 'utility')) as unknown as { pid: number }
    expect(first.pid).not.toBe(main.child.pid)
    process.kill(first.pid, 'SIGKILL')
    await main.waitFor('a new core process', (r) => r.ev === 'utility' && (r as unknown as { pid: number }).pid !== first.pid, 60_000)
    await workerRunning(main)
    expect(await main.invoke('videos.list', { limit: 5 })).toMatchObject({ ok: true })
    await main.emit('quit')
    expect(await main.exited).toEqual({ code: 0, signal: null })
    expect(released(dataDir)).toBe(true)
  }, 180_000)

  it('ends at deadline + 10 s even when the core process is frozen, exit code 1', async () => {
    const { main } = launch({ SHUTDOWN_DEADLINE_SECONDS: '1' })
    await workerRunning(main)
    const core = (await main.waitFor('the core process', (r) => r.ev === 'utility')) as unknown as { pid: number }
    // A core that answers nothing any more (a hung native call, a debugger pause…).
    process.kill(core.pid, 'SIGSTOP')
    try {
      await main.emit('quit')
      expect(await main.exited).toEqual({ code: 1, signal: null })
      expect(main.output()).toContain('the graceful stop did not end in time')
    } finally {
      try {
        process.kill(core.pid, 'SIGKILL')
      } catch {
        // Already ended with the main process.
      }
    }
  }, 120_000)

  it('stops gracefully at logout: system shutdown (Linux, macOS) and session end (Windows)', async () => {
    for (const op of ['power-shutdown', 'session-end'] as const) {
      const { main, dataDir } = launch()
      await workerRunning(main)
      await main.emit(op)
      expect(await main.exited).toEqual({ code: 0, signal: null })
      expect(released(dataDir)).toBe(true)
    }
  }, 240_000)
})
