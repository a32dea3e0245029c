/**
 * The core's own process (an Electron utilityProcess started by the main process): the
 * embedded database, the worker, the analyzers and the owner console run here, so that none of
 * their work can freeze the window. It answers the main process's relayed calls with the same
 * `dispatch` as the HTTP bridge and streams every core event back.
 */
import { loadConfig } from '../app/load-config'
import { openApp, type App } from '../app/open-app'
import { serveOwnerConsole, type OwnerConsole } from '../server/owner-console'
import { dispatch } from '../bridge/dispatch'
import type { ApiResult } from '../shared/console-api'
import { errorText } from '../shared/error-text'
import type { FromCore, ToCore } from './core-channel'
import { keyBox } from './keychain-key'

const parent = process.parentPort
const send = (message: FromCore) => parent.postMessage(message)

let app: App | null = null
let owner: OwnerConsole | null = null
let opening: Promise<void> = Promise.resolve()
let closing = false

async function open(secretsKey: string | null): Promise<void> {
  const settings = secretsKey ? { secretBox: keyBox(secretsKey) } : {}
  const config = loadConfig(settings)
  try {
    // Backends down at start: the window shows why and the core keeps retrying them, as `serve` does.
    app = await openApp(config, { settings, waitForBackends: { retryEverySeconds: 15 } })
  } catch (error) {
    send({ type: 'fatal', message: errorText(error) })
    return
  }
  const opened = app
  opened.core.events.subscribe((event) => send({ type: 'event', event }))
  send({ type: 'opened', dataDir: config.dataDir, readOnly: config.readOnly, deadlineSeconds: config.worker.shutdownDeadlineSeconds, media: { mediaRoots: config.mediaRoots, dataDir: config.dataDir, ffmpegPath: config.ffmpegPath, ffprobePath: config.ffprobePath } })
  if (closing) return
  // Like `serve`, the owner answers `enqueue` and `status` from other shells on loopback.
  owner = await serveOwnerConsole(opened)
  if (closing) return
  try {
    await opened.check()
    if (!closing) await opened.core.start()
  } catch (error) {
    // The history stays browsable; the worker waits until the cause is fixed and Start is pressed.
    if (!closing) send({ type: 'not-started', message: errorText(error) })
  }
}

const unavailable: ApiResult = { ok: false, error: { code: 'internal', message: 'The worker process is not ready yet' } }

async function handle(message: ToCore): Promise<void> {
  switch (message.type) {
    case 'init':
      opening = open(message.secretsKey)
      return
    case 'call': {
      const result = app
        ? await dispatch(app.core.api, message.name, message.input, {
            readOnly: app.config.readOnly,
            onInternalError: (error, name) => console.error(`console: ${name} failed:`, error)
          })
        : unavailable
      send({ type: 'reply', id: message.id, json: JSON.stringify(result) })
      return
    }
    case 'stop':
      await app?.core.stop({ mode: message.mode, deadlineMs: message.deadlineMs })
      send({ type: 'reply', id: message.id })
      return
    case 'close':
      closing = true
      // A quit during start-up: what is being opened is closed once it is open.
      await opening.catch(() => undefined)
      await owner?.close().catch((error: unknown) => console.error(`video-processor: the owner console did not close: ${errorText(error)}`))
      await app?.close()
      send({ type: 'reply', id: message.id })
      return
    case 'close-db':
      await app?.db.close()
      send({ type: 'reply', id: message.id })
      return
  }
}

parent.on('message', (event: { data: ToCore }) => {
  handle(event.data).catch((error: unknown) => {
    const id = 'id' in event.data ? event.data.id : undefined
    if (id !== undefined) send({ type: 'reply', id, error: errorText(error) })
    else console.error(`video-processor: ${errorText(error)}`)
  })
})
