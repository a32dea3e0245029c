import { ConsoleApiError, procedureNames, type ApiResult, type ConsoleApi } from '../shared/console-api'
import type { WorkerEvent } from '../shared/events'
import type { FromCore, MediaRulesInput, ToCore } from './core-channel'

/** A request to the core without its id (distributed over the union). */
type CoreRequest = ToCore extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never

/** The part of Electron's UtilityProcess the client uses (injected, so it is testable without Electron). */
export interface UtilityLike {
  readonly pid: number | undefined
  postMessage(message: ToCore): void
  on(event: 'message', listener: (message: FromCore) => void): unknown
  on(event: 'exit', listener: (code: number) => void): unknown
  kill(): boolean
}

export interface CoreOpened {
  dataDir: string
  readOnly: boolean
  deadlineSeconds: number
  /** What the local-file rules of `app://…/media` need (MEDIA_ROOTS, the ffmpeg tools). */
  media: MediaRulesInput
}

export interface CoreClientOptions {
  /** Starts the core's process (Electron: utilityProcess.fork of out/main/core-host.js). */
  fork(): UtilityLike
  secretsKey: string | null
  onEvent(event: WorkerEvent): void
  /** The analyzer cannot work: the worker was not started (a dialog says why). */
  onNotStarted(message: string): void
  /** The core's process ended on its own and will not be started again (too many crashes). */
  onGiveUp(code: number): void
  log(line: string): void
  /** Restarts allowed within a minute before giving up. */
  maxRestarts?: number
}

export interface CoreClient {
  /** Resolves once the database is open; rejects with the one-line reason start-up failed. */
  opened: Promise<CoreOpened>
  /** One ConsoleApi call, answered by the core's `dispatch` (errors come back as values). */
  call(name: unknown, input: unknown): Promise<ApiResult>
  /** The same, as the ApiResult's JSON text: what the window gets, unparsed here. */
  callJson(name: unknown, input: unknown): Promise<string>
  /** The same calls as a ConsoleApi (errors thrown as ConsoleApiError), for the app:// media handler. */
  api: ConsoleApi
  stop(mode: 'drain' | 'now', deadlineMs: number): Promise<void>
  /** Closes the owner console, the ports and the database; the process then ends. */
  close(): Promise<void>
  closeDatabase(): Promise<void>
  kill(): void
}

/**
 * The main process's side of the core's utility process: relays calls and events, and
 * supervises it: a crash restarts it (the window keeps its data; calls in flight fail with an
 * internal error), unless it crashes again and again.
 */
export function startCoreClient(options: CoreClientOptions): CoreClient {
  const maxRestarts = options.maxRestarts ?? 3
  const pending = new Map<number, { resolve(reply: FromCore & { type: 'reply' }): void }>()
  const restarts: number[] = []
  let nextId = 1
  let stopping = false
  let child: UtilityLike
  let settle: { resolve(opened: CoreOpened): void; reject(error: Error): void } | null = null
  const opened = new Promise<CoreOpened>((resolve, reject) => (settle = { resolve, reject }))

  const onMessage = (message: FromCore) => {
    switch (message.type) {
      case 'event':
        options.onEvent(message.event)
        return
      case 'opened':
        settle?.resolve({ dataDir: message.dataDir, readOnly: message.readOnly, deadlineSeconds: message.deadlineSeconds, media: message.media })
        return
      case 'fatal':
        stopping = true
        settle?.reject(new Error(message.message))
        return
      case 'not-started':
        options.onNotStarted(message.message)
        return
      case 'reply':
        pending.get(message.id)?.resolve(message)
        pending.delete(message.id)
        return
    }
  }
  const onExit = (code: number) => {
    for (const { resolve } of pending.values()) resolve({ type: 'reply', id: 0, error: `the worker process ended (exit code ${code})` })
    pending.clear()
    if (stopping) return
    const now = Date.now()
    restarts.push(now)
    while (restarts.length && restarts[0]! < now - 60_000) restarts.shift()
    if (restarts.length > maxRestarts) {
      stopping = true
      settle?.reject(new Error(`the worker process ended at start (exit code ${code})`))
      options.onGiveUp(code)
      return
    }
    options.log(`the worker process ended (exit code ${code}); starting it again`)
    launch()
  }
  function launch() {
    child = options.fork()
    child.on('message', onMessage)
    child.on('exit', onExit)
    child.postMessage({ type: 'init', secretsKey: options.secretsKey })
  }
  launch()

  async function request(message: CoreRequest): Promise<FromCore & { type: 'reply' }> {
    const id = nextId++
    const reply = new Promise<FromCore & { type: 'reply' }>((resolve) => pending.set(id, { resolve }))
    child.postMessage({ ...message, id } as ToCore)
    return reply
  }
  const callJson = async (name: unknown, input: unknown): Promise<string> => {
    const failure = (code: 'bad-request' | 'internal', message: string) => JSON.stringify({ ok: false, error: { code, message } } satisfies ApiResult)
    if (typeof name !== 'string') return failure('bad-request', 'procedure name must be a string')
    const reply = await request({ type: 'call', name, input })
    return reply.json ?? failure('internal', reply.error ?? 'no answer')
  }
  const call = async (name: unknown, input: unknown): Promise<ApiResult> => JSON.parse(await callJson(name, input)) as ApiResult
  const api = Object.fromEntries(
    procedureNames.map((name) => [
      name,
      async (input: unknown) => {
        const result = await call(name, input)
        if (!result.ok) throw new ConsoleApiError(result.error.code, result.error.message)
        return result.result
      }
    ])
  ) as ConsoleApi
  const expectDone = async (message: CoreRequest) => {
    const reply = await request(message)
    if (reply.error !== undefined) throw new Error(reply.error)
  }
  return {
    opened,
    call,
    callJson,
    api,
    stop: (mode, deadlineMs) => expectDone({ type: 'stop', mode, deadlineMs }),
    async close() {
      stopping = true
      await expectDone({ type: 'close' })
    },
    async closeDatabase() {
      stopping = true
      await expectDone({ type: 'close-db' })
    },
    kill() {
      stopping = true
      child.kill()
    }
  }
}
