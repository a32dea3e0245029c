import { join } from 'node:path'
import { app, dialog, ipcMain, protocol, safeStorage, session, shell } from 'electron'
import { loadConfig } from '../app/load-config'
import { openApp } from '../app/open-app'
import { createLocalMediaGuard } from '../app/local-media-guard'
import { serveOwnerConsole } from '../server/owner-console'
import { registerAppProtocol } from './app-protocol'
import { registerIpcBridge, relayEvents } from './ipc-bridge'
import { createSafeStorageBox } from './safe-storage-box'
import { APP_SCHEME, APP_URL, hardenContents, hardenSession, isTrustedSender } from './security'
import { createMainWindow } from './window'

// Before `ready`: every renderer sandboxed, and app:// a secure standard scheme (fetch, media streaming).
app.enableSandbox()
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } }
])

const devUrl = !app.isPackaged ? process.env['ELECTRON_RENDERER_URL'] : undefined
const devOrigin = devUrl ? new URL(devUrl).origin : undefined

// A second launch only focuses the first window (which owns DATA_DIR); it starts nothing itself.
const primary = app.requestSingleInstanceLock()
if (!primary) app.quit()

async function main(): Promise<void> {
  // The window process owns DATA_DIR and runs the worker, exactly like `serve` does.
  const box = createSafeStorageBox(safeStorage)
  const settings = box ? { secretBox: box } : {}
  const config = loadConfig(settings)
  // Backends down at start: the window shows why and the app keeps retrying them, as `serve` does.
  const opened = await openApp(config, { settings, waitForBackends: { retryEverySeconds: 15 } })
  const { core } = opened
  registerAppProtocol(protocol, join(import.meta.dirname, '../renderer'), core.api, config.dataDir, createLocalMediaGuard(config))
  hardenSession(session.defaultSession, devOrigin)
  app.on('web-contents-created', (_event, contents) => hardenContents(contents, (url) => shell.openExternal(url), devOrigin))

  const win = createMainWindow(join(import.meta.dirname, '../preload/index.cjs'))
  const unregister = registerIpcBridge({
    ipcMain,
    api: core.api,
    isTrustedSender: (event) => !win.isDestroyed() && isTrustedSender(event, win.webContents, devOrigin),
    readOnly: config.readOnly,
    onInternalError: (error, name) => console.error(`console: ${name} failed:`, error)
  })
  relayEvents(core.events, win.webContents)
  app.on('second-instance', () => {
    if (win.isMinimized()) win.restore()
    win.focus()
  })
  await win.loadURL(devUrl ?? APP_URL)
  // Like `serve`, the owner answers `enqueue` and `status` from other shells on loopback.
  const owner = await serveOwnerConsole(opened)
  try {
    await opened.check()
    await core.start()
  } catch (error) {
    // The history stays browsable; the worker waits until the cause is fixed and Start is pressed.
    const message = error instanceof Error ? error.message : String(error)
    console.error(`video-processor: the analyzer cannot work: ${message}`)
    void dialog.showMessageBox(win, { type: 'warning', title: 'Worker not started', message: 'The analyzer cannot work, so the worker was not started.', detail: message })
  }

  let quitting = false
  app.on('before-quit', (event) => {
    if (quitting) return
    quitting = true
    event.preventDefault()
    unregister()
    // Graceful: jobs in flight finish or go back to the queue before the database closes.
    owner
      .close()
      .then(() => opened.close())
      .catch((error: unknown) => console.error('console: shutdown failed:', error))
      .finally(() => app.exit(0))
  })
}

app.on('window-all-closed', () => app.quit())
app
  .whenReady()
  .then(() => (primary ? main() : undefined))
  .catch((error: unknown) => {
    // One clear line (a bad setting, DATA_DIR owned by a running `serve`…), in a dialog too:
    // a desktop user may have no terminal to read it in.
    const message = error instanceof Error ? error.message : String(error)
    console.error(`video-processor: ${message}`)
    dialog.showErrorBox('Video processor cannot start', message)
    app.exit(1)
  })

