import { join } from 'node:path'
import { app, dialog, ipcMain, Menu, powerMonitor, protocol, safeStorage, session, shell, utilityProcess, type BrowserWindow } from 'electron'
import { readConfigLayers } from '../app/load-config'
import { createLocalMediaGuard } from '../app/local-media-guard'
import { IPC_EVENT_CHANNEL } from '../shared/console-api'
import { registerAppProtocol } from './app-protocol'
import { startCoreClient } from './core-client'
import { registerIpcBridge } from './ipc-bridge'
import { keychainKey } from './keychain-key'
import { loginShellPath } from './login-shell-path'
import { applicationMenu } from './menu'
import { APP_SCHEME, APP_URL, hardenContents, hardenSession, isTrustedSender } from './security'
import { SHUTDOWN_CHANNEL, createShutdown, type ShutdownNotice } from './shutdown'
import { createMainWindow } from './window'
import { errorText } from '../shared/error-text'

// Before `ready`: every renderer sandboxed, and app:// a secure standard scheme (fetch, media streaming).
app.enableSandbox()
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }
])

const devUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined
const devOrigin = devUrl ? new URL(devUrl).origin : undefined

// A second launch only focuses the first window (which owns DATA_DIR); it starts nothing itself.
const primary = app.requestSingleInstanceLock()

let win: BrowserWindow | null = null
let deadlineMs = 30_000
const liveWindow = (): BrowserWindow | null => (win && !win.isDestroyed() ? win : null)

// Registered before any work starts: a quit at any moment (even during start-up) stops the
// worker, closes the database and exits, within the deadline plus a grace period.
const shutdown = createShutdown({
  deadlineMs: () => deadlineMs,
  exit: (code) => app.exit(code),
  notify: (notice: ShutdownNotice) => {
    const target = liveWindow()?.webContents
    if (target && !target.isDestroyed()) target.send(SHUTDOWN_CHANNEL, notice)
  },
  log: (line) => console.error(`video-processor: ${line}`)
})
app.on('before-quit', (event) => {
  event.preventDefault()
  shutdown.request('quit')
})
// `app.exit` skips this; anything else that would end the app first goes through the shutdown.
app.on('will-quit', (event) => {
  event.preventDefault()
  shutdown.request('quit')
})
app.on('window-all-closed', () => shutdown.request('window closed'))
// Safe at any moment: during start-up there is no window yet, during shutdown nothing to show.
app.on('second-instance', () => {
  const target = liveWindow()
  if (!target || shutdown.started) return
  if (target.isMinimized()) target.restore()
  target.focus()
})

if (!primary) {
  shutdown.attach(null)
  app.quit()
}

/** Logout and system shutdown: `before-quit` is not emitted then (Windows: session-end on the window). */
function watchSessionEnd(target: BrowserWindow): void {
  target.on('query-session-end', (event) => {
    event.preventDefault()
    shutdown.request('session ending')
  })
  target.on('session-end', () => shutdown.request('session ending'))
}

async function main(): Promise<void> {
  // macOS apps started from the Dock or Finder get launchd's PATH, without Homebrew's ffmpeg.
  if (process.platform === 'darwin') process.env['PATH'] = await loginShellPath(process.env)
  // The keychain is the main process's; the core's process gets the key that seals secrets.json.
  const secretsKey = keychainKey(readConfigLayers().dataDir, safeStorage)
  // The core (database, worker, analyzers, owner console) runs in its own process, so its work
  // never blocks this one, which paints the window and answers its input.
  const core = startCoreClient({
    fork: () => utilityProcess.fork(join(import.meta.dirname, 'core-host.js'), [], { serviceName: 'video-processor core', stdio: 'inherit' }),
    secretsKey,
    onEvent: (event) => {
      const target = liveWindow()?.webContents
      if (target && !target.isDestroyed()) target.send(IPC_EVENT_CHANNEL, event)
    },
    onNotStarted: (message) => {
      console.error(`video-processor: the analyzer cannot work: ${message}`)
      const target = liveWindow()
      if (target && !shutdown.started) void dialog.showMessageBox(target, { type: 'warning', title: 'Worker not started', message: 'The analyzer cannot work, so the worker was not started.', detail: message })
    },
    onGiveUp: (code) => {
      const message = `The worker process stopped again and again (exit code ${code}); see the terminal or the log for why.`
      console.error(`video-processor: ${message}`)
      if (!shutdown.started) dialog.showErrorBox('Video processor stopped working', message)
      shutdown.request('worker process failed', 1)
    },
    log: (line) => console.error(`video-processor: ${line}`)
  })
  let unregister: () => void = () => undefined
  shutdown.attach({
    inFlight: async () => (await core.api['stats.get'](undefined)).inFlight,
    // The shutdown keeps its own deadline (to count what it hands back); the worker's is later.
    stopWorker: (mode) => core.stop(mode, deadlineMs + 5000),
    close: async () => {
      unregister()
      await core.close()
    },
    closeDatabase: async () => {
      await core.closeDatabase().finally(() => core.kill())
    }
  })
  const opened = await core.opened
  deadlineMs = opened.deadlineSeconds * 1000
  if (shutdown.started) return

  registerAppProtocol(protocol, join(import.meta.dirname, '../renderer'), core.api, opened.dataDir, createLocalMediaGuard(opened.media))
  hardenSession(session.defaultSession, devOrigin)
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, (url) => shell.openExternal(url), devOrigin))
  if (app.isPackaged) Menu.setApplicationMenu(Menu.buildFromTemplate(applicationMenu(process.platform)))

  const window = createMainWindow(join(import.meta.dirname, '../preload/index.cjs'), { devTools: !app.isPackaged })
  win = window
  watchSessionEnd(window)
  unregister = registerIpcBridge({
    ipcMain,
    forward: core.callJson,
    isTrustedSender: (event) => !window.isDestroyed() && isTrustedSender(event, window.webContents, devOrigin)
  })
  await window.loadURL(devUrl ?? APP_URL)
}

app
  .whenReady()
  .then(() => {
    if (!primary) return
    // Linux and macOS: logout or power-off; the handler may delay it while the database closes.
    // Electron passes an event here although its typings declare none.
    powerMonitor.on('shutdown', (event?: { preventDefault(): void }) => {
      event?.preventDefault()
      shutdown.request('system shutdown')
    })
    return main()
  })
  .catch((error: unknown) => {
    // One clear line (a bad setting, DATA_DIR owned by a running `serve`…), in a dialog too:
    // a desktop user may have no terminal to read it in. Whatever was opened is closed first.
    const message = errorText(error)
    console.error(`video-processor: ${message}`)
    if (!shutdown.started) dialog.showErrorBox('Video processor cannot start', message)
    shutdown.request('start-up failed', 1)
  })
