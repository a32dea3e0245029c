import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { LOCK_FILE } from '../../src/app/owner-lock'
import { tempDir } from '../support/media'
import { CLI_BIN, envWithoutSettings, startWorkerProcess } from '../support/worker-process'

// The repository, so `--import tsx` resolves from the children.
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const LOCK_CHILD = fileURLToPath(new URL('../support/lock-child.ts', import.meta.url))
const children = new Set<ChildProcess>()
let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-race-'))
})
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  await cleanup()
})

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  const proc = spawn(process.execPath, args, { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(proc)
  let out = ''
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  return new Promise((resolve) => proc.on('exit', (code) => (children.delete(proc), resolve({ code, out }))))
}

/** A pid that surely belongs to no process: one that has just exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', ''])
  await new Promise((resolve) => child.on('exit', resolve))
  return child.pid!
}

describe('one owner per DATA_DIR, with processes racing', () => {
  it('a stale lock taken over by eight processes at once has one holder at a time', async () => {
    const dataDir = path.join(dir, 'stale')
    await mkdir(dataDir, { recursive: true })
    await writeFile(path.join(dataDir, LOCK_FILE), `${await deadPid()}\n`)
    const startAt = Date.now() + 4000
    const results = await Promise.all(Array.from({ length: 8 }, () => run(['--import', 'tsx', LOCK_CHILD, dataDir, String(startAt), '1500'], process.env)))
    const holds = results.flatMap((r) => {
      const got = /got (\d+)/.exec(r.out)
      const released = /released (\d+)/.exec(r.out)
      return got && released ? [{ from: Number(got[1]), to: Number(released[1]) }] : []
    })
    expect(results.every((r) => /^(got|refused)/.test(r.out)), results.map((r) => r.out).join('')).toBe(true)
    expect(holds.length).toBeGreaterThanOrEqual(1)
    // No two holds overlap in time.
    const sorted = holds.sort((a, b) => a.from - b.from)
    for (let i = 1; i < sorted.length; i++) expect(sorted[i]!.from).toBeGreaterThanOrEqual(sorted[i - 1]!.to)
    for (const r of results) if (/refused/.test(r.out)) expect(r.out).toMatch(/is in use by process \d+/)
  })

  it('processes taking and releasing the lock over and over never hold it at the same time', async () => {
    const dataDir = path.join(dir, 'churn')
    await mkdir(dataDir, { recursive: true })
    const child = fileURLToPath(new URL('../support/lock-churn-child.ts', import.meta.url))
    const startAt = Date.now() + 4000
    const results = await Promise.all(Array.from({ length: 6 }, () => run(['--import', 'tsx', child, dataDir, String(startAt), '4000'], process.env)))
    const total = (word: string) => results.reduce((sum, r) => sum + Number(new RegExp(`${word} (\\d+)`).exec(r.out)?.[1] ?? NaN), 0)
    expect(Number.isNaN(total('held')), results.map((r) => r.out).join('')).toBe(false)
    expect(total('held')).toBeGreaterThan(10)
    expect(total('overlap')).toBe(0)
  })

  it('a worker that starts while a short command holds the folder waits for it instead of exiting', async () => {
    const dataDir = path.join(dir, 'visited')
    const env = { ...envWithoutSettings(), DATA_DIR: dataDir, DOWNLOAD_DIR: path.join(dir, 'downloads') }
    await mkdir(dataDir, { recursive: true })
    const visitor = run(['--import', 'tsx', LOCK_CHILD, dataDir, '0', '4000', 'visitor'], process.env)
    const lockFile = path.join(dataDir, LOCK_FILE)
    for (let i = 0; i < 300 && !(await readFile(lockFile, 'utf8').catch(() => '')); i++) await new Promise((r) => setTimeout(r, 50))
    const worker = startWorkerProcess(env, dir, children)
    await worker.waitFor(/Waiting for messages/, 90_000)
    expect((await visitor).out).toMatch(/^got/)
    expect(worker.output()).not.toMatch(/in use by process/)
    worker.proc.kill('SIGINT')
    expect(await worker.exited).toBe(0)
  })

  it('status commands run while a worker starts never make the worker exit', async () => {
    const dataDir = path.join(dir, 'busy')
    const env = { ...envWithoutSettings(), DATA_DIR: dataDir, DOWNLOAD_DIR: path.join(dir, 'downloads') }
    // Fresh database first (the slow initdb), so the race below is about the lock alone.
    expect((await run([CLI_BIN, 'status'], env)).code).toBe(0)
    const statuses: Promise<{ code: number | null; out: string }>[] = []
    for (let i = 0; i < 3; i++) statuses.push(run([CLI_BIN, 'status'], env))
    await new Promise((r) => setTimeout(r, 300))
    const worker = startWorkerProcess(env, dir, children)
    for (const delay of [100, 200, 300, 400, 600, 800]) {
      await new Promise((r) => setTimeout(r, delay))
      statuses.push(run([CLI_BIN, 'status'], env))
    }
    await worker.waitFor(/Waiting for messages/, 90_000)
    const done = await Promise.all(statuses)
    for (const s of done) expect(s.code, s.out).toBe(0)
    expect(worker.output()).not.toMatch(/in use by process/)
    worker.proc.kill('SIGINT')
    expect(await worker.exited).toBe(0)
  })
})
