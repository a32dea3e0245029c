/**
 * Runs the built main process (out/main/index.js) under Node with the fake `electron` of
 * tests/support/electron-stub, and drives it the way Electron and a user would: IPC calls from
 * the window, app:// requests, quit, a second launch, logout.
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { waitUntil } from './wait-until'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const REGISTER = new URL('./electron-stub/register.mjs', import.meta.url).href

/** What the fake reports: windows, loads, webContents.send, dialogs, menus. */
export type Report = { ev: string; [key: string]: unknown }

export interface FetchReply {
  status: number
  headers: Record<string, string>
  body: Buffer
}

export interface MainProcess {
  child: ChildProcess
  reports: Report[]
  /** stdout + stderr so far (start-up lines, shutdown lines). */
  output(): string
  /** The exit code and signal, once the process ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  hasExited(): boolean
  invoke(name: string, input?: unknown): Promise<unknown>
  /** An IPC call whose answer stays in the main process (its length comes back): main's work alone. */
  invokeSize(name: string, input?: unknown): Promise<number>
  fetch(url: string, headers?: Record<string, string>): Promise<FetchReply>
  permission(permission: string, url: string): Promise<{ requested: boolean; checked: boolean }>
  /** An Electron event: quit, close-window, second-instance, power-shutdown, session-end. */
  emit(op: 'quit' | 'close-window' | 'second-instance' | 'power-shutdown' | 'session-end'): Promise<void>
  /** The main thread's event-loop delay between start and stop (perf_hooks.monitorEventLoopDelay), in ms. */
  loopDelay(op: 'start'): Promise<void>
  loopDelay(op: 'stop'): Promise<{ p50: number; p99: number; max: number; samples: number }>
  waitFor(what: string, predicate: (report: Report) => boolean, ms?: number): Promise<Report>
  kill(): void
}

export function startMain(opts: { env: Record<string, string>; cwd: string; bundle?: string }): MainProcess {
  const child = fork(opts.bundle ?? `${ROOT}/out/main/index.js`, [], {
    cwd: opts.cwd,
    env: opts.env,
    execArgv: ['--import', REGISTER],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    // Structured clone, as Electron's IPC does (an `undefined` input stays undefined).
    serialization: 'advanced'
  })
  let text = ''
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()))
  const reports: Report[] = []
  const pending = new Map<number, (reply: Record<string, unknown>) => void>()
  let nextId = 1
  let done = false
  child.on('message', (message: Record<string, unknown>) => {
    if (typeof message['id'] === 'number') {
      pending.get(message['id'])?.(message)
      pending.delete(message['id'])
    } else if (typeof message['ev'] === 'string') reports.push(message as Report)
  })
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => {
      done = true
      for (const reject of pending.values()) reject({ error: `main process exited (${code ?? signal})` })
      pending.clear()
      resolve({ code, signal })
    })
  )
  const request = (message: Record<string, unknown>): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      if (done) return reject(new Error('main process has exited'))
      const id = nextId++
      pending.set(id, (reply) => (typeof reply['error'] === 'string' ? reject(new Error(reply['error'])) : resolve(reply)))
      child.send({ ...message, id })
    })
  return {
    child,
    reports,
    output: () => text,
    exited,
    hasExited: () => done,
    async invoke(name, input) {
      const reply = (await request({ op: 'invoke', channel: 'api:call', args: [name, input] }))['result']
      // As the preload does: the main process may answer with the ApiResult's JSON text.
      return typeof reply === 'string' ? (JSON.parse(reply) as unknown) : reply
    },
    invokeSize: async (name, input) => (await request({ op: 'invoke', channel: 'api:call', args: [name, input], discard: true }))['size'] as number,
    async fetch(url, headers) {
      const reply = await request({ op: 'fetch', url, headers })
      return { status: reply['status'] as number, headers: reply['headers'] as Record<string, string>, body: Buffer.from(reply['body'] as string, 'base64') }
    },
    async permission(permission, url) {
      const reply = await request({ op: 'permission', permission, url })
      return { requested: reply['requested'] as boolean, checked: reply['checked'] as boolean }
    },
    emit: async (op) => void (await request({ op })),
    loopDelay: (async (op: 'start' | 'stop') => {
      const reply = await request({ op: `loop-delay-${op}` })
      if (op === 'start') return undefined
      return { p50: reply['p50'] as number, p99: reply['p99'] as number, max: reply['max'] as number, samples: reply['samples'] as number }
    }) as MainProcess['loopDelay'],
    async waitFor(what, predicate, ms) {
      let found: Report | undefined
      await waitUntil(what, () => {
        if (done && !found) throw new Error(`main process exited while waiting for ${what}:\n${text}`)
        found = reports.find(predicate)
        return found !== undefined
      }, ms)
      return found as Report
    },
    kill: () => void child.kill('SIGKILL')
  }
}

/** A clean environment: nothing from the developer's shell (no real keys), DATA_DIR of the test. */
export function mainEnv(extra: Record<string, string>): Record<string, string> {
  return { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', POLL_WAIT_SECONDS: '1', ...extra }
}
