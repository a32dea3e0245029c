import { execFile, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startFakeGemini } from '../support/fake-gemini'
import { makeTestVideo, tempDir } from '../support/media'
import { CLI_BIN, envWithoutSettings, startWorkerProcess } from '../support/worker-process'

const children = new Set<ChildProcess>()
let dir: string
let cleanup: () => Promise<void>
let video: string

/** The environment of a fresh user: no cloud settings leak in from the machine running the tests. */
function env(dataDir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...envWithoutSettings(), DATA_DIR: dataDir, POLL_WAIT_SECONDS: '1', ...extra }
}

function cli(args: string[], e: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI_BIN, ...args], { env: e, cwd: dir, timeout: 60_000 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0
      resolve({ code, stdout, stderr })
    })
  })
}

const startWorker = (e: NodeJS.ProcessEnv) => startWorkerProcess(e, dir, children)

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-cli-'))
  video = await makeTestVideo(dir)
})
afterEach(() => {
  for (const c of children) c.kill('SIGKILL')
})
afterAll(() => cleanup())

describe('video-processor CLI', () => {
  it('rejects a malformed setting with one line naming it, exit code 2', async () => {
    const r = await cli(['worker'], env(path.join(dir, 'bad'), { WORKER_CONCURRENCY: 'abc' }))
    expect(r.code).toBe(2)
    expect(r.stderr.trim().split('\n')).toEqual(['WORKER_CONCURRENCY="abc" is not valid: expected a whole number from 1 to 64'])
    const blocked = path.join(dir, 'not-a-folder')
    await writeFile(blocked, 'a file where DATA_DIR should be a folder')
    const unusable = await cli(['status'], env(path.join(blocked, 'data')))
    expect([unusable.code, unusable.stderr.trim().split('\n')]).toEqual([2, [`DATA_DIR="${path.join(blocked, 'data')}" cannot be used (ENOTDIR): set DATA_DIR to a writable folder`]])
  })

  it('checks the Gemini model before working: a retired one is one line naming GEMINI_MODEL, exit code 1', async () => {
    const gemini = await startFakeGemini()
    try {
      const dataDir = path.join(dir, 'retired')
      const r = await cli(['worker'], env(dataDir, { GEMINI_API_KEY: gemini.apiKey, GEMINI_BASE_URL: gemini.url, GEMINI_MODEL: 'gemini-2.5-flash' }))
      expect(r.code).toBe(1)
      expect(r.stderr.trim().split('\n')).toEqual([
        "The analyzer cannot work: Gemini model 'gemini-2.5-flash' does not exist or has been retired (HTTP 404): set GEMINI_MODEL to a current model such as gemini-flash-latest"
      ])
      expect(r.stdout).toMatch(/analyzer\s+gemini \(gemini-2\.5-flash\)/)
      expect(r.stdout).not.toContain(gemini.apiKey)
      expect([gemini.count('models.get'), gemini.count('upload.start')]).toEqual([1, 0])
      expect(existsSync(path.join(dataDir, 'owner.lock'))).toBe(false)
    } finally {
      await gemini.close()
    }
  })

  it('runs a worker that enqueue and status reach from other processes, and stops gracefully on SIGINT', async () => {
    const dataDir = path.join(dir, 'run')
    const e = env(dataDir)
    const w = startWorker(e)
    await w.waitFor(/Waiting for messages/)
    expect(w.output()).toMatch(/Configuration:[\s\S]*DATA_DIR\s+.*run[\s\S]*queue\s+local/)

    const enq = await cli(['enqueue', path.relative(dir, video), '--title', 'First clip'], e)
    expect(enq.code).toBe(0)
    const id = enq.stdout.trim()
    expect(id).toMatch(/^[0-9a-f-]{36}$/)
    await w.waitFor(new RegExp(`Video ${id}: done`))
    expect(w.output()).toContain(`Message Received: `)

    const one = await cli(['status', id, '--json'], e)
    const detail = JSON.parse(one.stdout) as { video: { processingStatus: string; isProcessed: boolean; source: unknown }; analysis: { metadata: { width: number } } }
    expect(detail.video).toMatchObject({ processingStatus: 'completed', isProcessed: true, source: { kind: 'file', path: video } })
    expect(detail.analysis.metadata.width).toBe(160)
    const plain = await cli(['status', id], e)
    expect(plain.stdout).toMatch(new RegExp(`^Video\\s+${id}\\nTitle\\s+First clip\\n`))
    expect(plain.stdout).toMatch(/^Status\s+completed \(processed\)$/m)
    expect(plain.stdout).toMatch(/^Analysis\n\s+Summary\s+\S[\s\S]*^Events\n[\s\S]*video\.completed/m)
    const table = await cli(['status'], e)
    expect(table.stdout).toMatch(new RegExp(`Worker: process ${w.proc.pid} \\(running\\)`))
    expect(table.stdout).toMatch(new RegExp(`${id}\\s+completed`))

    const second = await cli(['worker'], e)
    expect(second.code).toBe(2)
    expect(second.stderr).toContain(`in use by process ${w.proc.pid}`)
    const missing = await cli(['enqueue', 'no-such.mp4'], e)
    expect([missing.code, missing.stderr.trim()]).toEqual([2, `no such file: ${path.join(dir, 'no-such.mp4')}`])

    w.proc.kill('SIGINT')
    expect(await w.exited).toBe(0)
    expect(w.output()).toMatch(/Statistics:[\s\S]*Videos processed: 1[\s\S]*Stopped\./)
    expect(await readdir(path.join(dataDir, 'downloads'))).toEqual([])
    expect(existsSync(path.join(dataDir, 'owner.lock'))).toBe(false)

    // Nobody owns DATA_DIR now: the commands open the database themselves.
    const offline = await cli(['status', '--json'], e)
    expect((JSON.parse(offline.stdout) as { total: number }).total).toBe(1)
  })

  it('completes a video exactly once after the worker is killed mid-job and restarted', async () => {
    const bytes = await readFile(video)
    let stall = true
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': bytes.length })
      if (!stall) return void res.end(bytes)
      res.write(bytes.subarray(0, 64)) // then hang, as a slow download would
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/lecture.mp4`
    const dataDir = path.join(dir, 'crash')
    const e = env(dataDir, { VISIBILITY_TIMEOUT_SECONDS: '2' })
    try {
      const first = startWorker(e)
      await first.waitFor(/Waiting for messages/)
      const id = (await cli(['enqueue', url], e)).stdout.trim()
      await first.waitFor(new RegExp(`Video ${id}: downloading`))
      first.proc.kill('SIGKILL')
      await first.exited
      expect(await readdir(path.join(dataDir, 'downloads'))).toEqual([`${id}-1`])

      stall = false
      const second = startWorker(e)
      await second.waitFor(new RegExp(`Video ${id}: done`))
      second.proc.kill('SIGINT')
      expect(await second.exited).toBe(0)

      const detail = JSON.parse((await cli(['status', id, '--json'], e)).stdout) as {
        video: { processingStatus: string; attempts: number }
        journal: { type: string }[]
      }
      expect(detail.video.processingStatus).toBe('completed')
      expect(detail.video.attempts).toBe(2)
      expect(detail.journal.filter((j) => j.type === 'video.completed')).toHaveLength(1)
      expect(await readdir(path.join(dataDir, 'downloads'))).toEqual([])
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })

  it('hands a running job back on a second SIGINT, or at the shutdown deadline, and leaves no downloaded files', async () => {
    const bytes = await readFile(video)
    const server: Server = createServer((_req, res) => {
      res.writeHead(200, { 'content-length': bytes.length })
      res.write(bytes.subarray(0, 64)) // and never the rest
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    const dataDir = path.join(dir, 'hurry')
    const e = env(dataDir)
    try {
      const w = startWorker(e)
      await w.waitFor(/Waiting for messages/)
      const id = (await cli(['enqueue', `http://127.0.0.1:${(server.address() as AddressInfo).port}/slow.mp4`], e)).stdout.trim()
      await w.waitFor(new RegExp(`Video ${id}: downloading`))
      w.proc.kill('SIGINT')
      await w.waitFor(/stopping gracefully/)
      expect(w.proc.exitCode).toBeNull()
      w.proc.kill('SIGINT')
      expect(await w.exited).toBe(0)
      expect(w.output()).toMatch(/handing jobs in flight back[\s\S]*Statistics:[\s\S]*In flight: 0/)
      expect(await readdir(path.join(dataDir, 'downloads'))).toEqual([])
      const detail = JSON.parse((await cli(['status', id, '--json'], e)).stdout) as { video: { processingStatus: string } }
      expect(detail.video.processingStatus).toBe('queued')

      // One SIGINT with a short SHUTDOWN_DEADLINE_SECONDS: the stuck job is handed back at the deadline.
      const patient = startWorker({ ...e, SHUTDOWN_DEADLINE_SECONDS: '1' })
      await patient.waitFor(new RegExp(`Video ${id}: downloading`))
      patient.proc.kill('SIGINT')
      expect(await patient.exited).toBe(0)
      expect(patient.output()).toMatch(/jobs in flight get 1 s[\s\S]*handed back to the queue[\s\S]*Statistics:[\s\S]*Messages received: 1[\s\S]*In flight: 0[\s\S]*Stopped\./)
      expect(patient.output()).not.toContain('received again')
      expect(await readdir(path.join(dataDir, 'downloads'))).toEqual([])
      const again = JSON.parse((await cli(['status', id, '--json'], e)).stdout) as { video: { processingStatus: string; attempts: number } }
      expect(again.video).toMatchObject({ processingStatus: 'queued', attempts: 2 })
    } finally {
      server.closeAllConnections()
      await new Promise((resolve) => server.close(resolve))
    }
  })
})
