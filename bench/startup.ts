import { spawn, type ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { median, sleep } from './support/stats'
import { makeUncachedCopy } from './support/uncached-copy'
import { formatNumber } from './support/table'
import type { BenchOptions, BenchRow } from './support/types'
import { notRun } from './support/types'

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..')
const BIN = join(ROOT, 'bin', 'video-processor.js')
const STATUS_PATH = '/api/rpc/worker.status'
const TIMEOUT_MS = 60_000
/** The console always wants a token; giving it one (CONSOLE_TOKEN) saves reading DATA_DIR/console.json. */
const TOKEN = `bench-${randomUUID()}`

/** A free loopback port (the server under test is told to use it). */
async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))))
    })
  })
}

/** The environment minus anything that would select a cloud backend: start-up on embedded defaults. */
function embeddedEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(AWS_|GEMINI_|GOOGLE_|SUPABASE_|NEXT_PUBLIC_SUPABASE|CONSOLE_TOKEN|DATA_DIR|DOWNLOAD_DIR|PORT|HOST)/.test(key)) continue
    env[key] = value
  }
  return { ...env, ...extra }
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(timer)
}

/**
 * Spawns `command`, then asks `POST <path>` every 5 ms until it answers `{ ok: true }` (or
 * any 200 for the bare peer); returns the time from spawn to that answer.
 */
async function timeToFirstResponse(args: string[], env: NodeJS.ProcessEnv, port: number, expectOk: boolean, cwd = ROOT): Promise<number> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${TOKEN}` }
  const url = `http://127.0.0.1:${port}${STATUS_PATH}`
  let output = ''
  const t0 = performance.now()
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)))
  child.stderr?.on('data', (d: Buffer) => (output = (output + d.toString()).slice(-2000)))
  try {
    while (performance.now() - t0 < TIMEOUT_MS) {
      if (child.exitCode !== null) throw new Error(`exited with code ${child.exitCode}: ${output.trim().split('\n').slice(-3).join(' / ')}`)
      try {
        const res = await fetch(url, { method: 'POST', headers, body: '{}' })
        const body = (await res.json().catch(() => null)) as { ok?: boolean } | null
        if (res.ok && (!expectOk || body?.ok === true)) return performance.now() - t0
      } catch {
        // not listening yet
      }
      await sleep(5)
    }
    throw new Error(`no successful answer within ${TIMEOUT_MS / 1000} s: ${output.trim().split('\n').slice(-3).join(' / ')}`)
  } finally {
    await stopChild(child)
  }
}

const BARE_SERVER =
  "require('http').createServer((q,s)=>{s.setHeader('content-type','application/json');s.end('{\"ok\":true}')}).listen(+process.env.PORT,'127.0.0.1')"

/**
 * `serve` to the first successful API answer: cold (a fresh install's first start, no cache of
 * any kind we control) and warm (the data directory that cold start made, caches in place).
 */
export async function benchStartup(opts: BenchOptions): Promise<BenchRow[]> {
  const trials = opts.quick ? 1 : 3
  const bare: number[] = []
  for (let i = 0; i < trials; i++) {
    const port = await freePort()
    bare.push(await timeToFirstResponse(['-e', BARE_SERVER], embeddedEnv({ PORT: String(port) }), port, true))
  }
  opts.log(`startup: bare node HTTP server ${bare.map((ms) => formatNumber(ms)).join(', ')} ms`)
  const peerFigure = { value: median(bare), unit: 'ms' }
  const peer = 'bare `node -e` http server (no app)'
  if (!existsSync(BIN)) {
    return [{ ...notRun('Start-up: `serve` → first API answer', 'bin/video-processor.js does not exist yet', 'lower'), peer, peerFigure }]
  }
  const cold: number[] = []
  const warm: number[] = []
  for (let i = 0; i < trials; i++) {
    const copy = await makeUncachedCopy(ROOT)
    const dataDir = await mkdtemp(join(tmpdir(), 'vp-bench-start-'))
    try {
      const env = async (extra: Record<string, string> = {}) => {
        const port = await freePort()
        return { port, env: embeddedEnv({ DATA_DIR: dataDir, DOWNLOAD_DIR: join(dataDir, 'downloads'), PORT: String(port), HOST: '127.0.0.1', CONSOLE_TOKEN: TOKEN, ...extra }) }
      }
      // tsx's transform cache off too: a packaged app does not transpile at all, so this errs against us.
      const a = await env({ TSX_DISABLE_CACHE: '1' })
      cold.push(await timeToFirstResponse([copy.bin, 'serve'], a.env, a.port, true, copy.root))
      const b = await env()
      warm.push(await timeToFirstResponse([BIN, 'serve'], b.env, b.port, true))
    } finally {
      await rm(dataDir, { recursive: true, force: true })
      await copy.remove()
    }
  }
  opts.log(`startup: cold ${cold.map((ms) => formatNumber(ms)).join(', ')} ms; warm ${warm.map((ms) => formatNumber(ms)).join(', ')} ms`)
  const how = `median of ${trials}; POST ${STATUS_PATH} every 5 ms from spawn; embedded defaults (local queue, PGlite)`
  const runs = (xs: number[]) => `runs ${xs.map((ms) => formatNumber(ms)).join(', ')} ms; bare node ${bare.map((ms) => formatNumber(ms)).join(', ')} ms`
  return [
    {
      measure: 'Start-up, cold: a fresh install\'s first `serve` → first API answer (empty data dir, no caches)',
      ours: { value: median(cold), unit: 'ms' },
      peer,
      peerFigure,
      better: 'lower',
      note: `${how}; the app copied to a new folder whose node_modules has no .cache, so the database is made from scratch (initdb + migrations), as on a packaged app's first start; tsx's transform cache off; the OS file cache cannot be dropped here; ${runs(cold)}`
    },
    {
      measure: 'Start-up, warm: `serve` → first API answer on the data dir the cold start made',
      ours: { value: median(warm), unit: 'ms' },
      peer,
      peerFigure,
      better: 'lower',
      note: `${how}; ${runs(warm)}`
    }
  ]
}
