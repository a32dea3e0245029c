// A fake of the Electron main-process API, as far as src/main uses it, for running the built
// bundle under Node. It behaves as Electron documents: app.quit() emits before-quit and
// will-quit (both preventable), app.exit() ends at once without them, a destroyed window or
// webContents throws "Object has been destroyed" on use. The test drives it over the fork IPC
// channel ({ op, id, ... } in, { id, ... } replies and { ev, ... } reports out).
import { fork } from 'node:child_process'
import { EventEmitter } from 'node:events'
import { monitorEventLoopDelay } from 'node:perf_hooks'

const report = (message) => {
  if (process.connected) process.send(message)
}

class FakeEvent {
  defaultPrevented = false
  preventDefault() {
    this.defaultPrevented = true
  }
}

/** Electron throws this on any use of a destroyed window or webContents. */
function alive(target) {
  if (target.destroyed) throw new TypeError('Object has been destroyed')
}

const windows = new Set()
let quitting = false
let nextId = 1

class WebContents extends EventEmitter {
  id = nextId++
  destroyed = false
  mainFrame = { url: '', routingId: 1 }
  send(channel, payload) {
    alive(this)
    report({ ev: 'send', channel, payload })
  }
  isDestroyed() {
    return this.destroyed
  }
  setWindowOpenHandler(handler) {
    alive(this)
    this.windowOpenHandler = handler
  }
}

export class BrowserWindow extends EventEmitter {
  destroyed = false
  constructor(options = {}) {
    super()
    this.options = options
    this.webContents = new WebContents()
    windows.add(this)
    report({ ev: 'window', webPreferences: options.webPreferences ?? {} })
    app.emit('web-contents-created', new FakeEvent(), this.webContents)
  }
  async loadURL(url) {
    alive(this)
    this.webContents.mainFrame.url = url
    report({ ev: 'load', url })
    setImmediate(() => !this.destroyed && this.emit('ready-to-show'))
  }
  isDestroyed() {
    return this.destroyed
  }
  isMinimized() {
    alive(this)
    return false
  }
  restore() {
    alive(this)
  }
  focus() {
    alive(this)
    report({ ev: 'focus' })
  }
  show() {
    alive(this)
  }
  close() {
    if (this.destroyed) return
    const event = new FakeEvent()
    this.emit('close', event)
    if (!event.defaultPrevented) this.destroy()
  }
  destroy() {
    if (this.destroyed) return
    this.destroyed = true
    this.webContents.destroyed = true
    windows.delete(this)
    this.emit('closed')
    this.webContents.emit('destroyed')
    if (windows.size === 0 && !quitting) app.emit('window-all-closed')
  }
  static getAllWindows() {
    return [...windows]
  }
}

class App extends EventEmitter {
  isPackaged = process.env.STUB_PACKAGED === '1'
  #ready = new Promise((resolve) =>
    setTimeout(() => {
      this.emit('ready')
      resolve()
    }, 5)
  )
  whenReady() {
    return this.#ready
  }
  enableSandbox() {}
  requestSingleInstanceLock() {
    return process.env.STUB_SECOND_INSTANCE !== '1'
  }
  quit() {
    const before = new FakeEvent()
    this.emit('before-quit', before)
    if (before.defaultPrevented) return
    quitting = true
    for (const win of [...windows]) win.close()
    const will = new FakeEvent()
    this.emit('will-quit', will)
    if (will.defaultPrevented) {
      quitting = false
      return
    }
    this.emit('quit', new FakeEvent(), 0)
    this.exit(0)
  }
  exit(code = 0) {
    report({ ev: 'exit', code })
    process.exit(code)
  }
  getPath(name) {
    return process.env[`STUB_PATH_${name.toUpperCase()}`] ?? process.cwd()
  }
}

export const app = new App()

let callHandler = new Map()
export const ipcMain = {
  handle(channel, listener) {
    if (callHandler.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`)
    callHandler.set(channel, listener)
  },
  removeHandler(channel) {
    callHandler.delete(channel)
  }
}

const schemes = new Map()
export const protocol = {
  registerSchemesAsPrivileged(list) {
    report({ ev: 'schemes', list })
  },
  handle(scheme, handler) {
    schemes.set(scheme, handler)
  }
}

let permissionRequest = null
let permissionCheck = null
export const session = {
  defaultSession: {
    setPermissionRequestHandler: (fn) => (permissionRequest = fn),
    setPermissionCheckHandler: (fn) => (permissionCheck = fn),
    webRequest: { onHeadersReceived: () => undefined }
  }
}

export const dialog = {
  async showMessageBox(_window, options) {
    report({ ev: 'dialog', title: options.title, message: options.message, detail: options.detail })
    return { response: 0, checkboxChecked: false }
  },
  showErrorBox(title, content) {
    report({ ev: 'dialog', title, detail: content })
  }
}

export const powerMonitor = new EventEmitter()
export const safeStorage = { isEncryptionAvailable: () => false, encryptString: () => Buffer.alloc(0), decryptString: () => '' }
export const shell = { openExternal: async (url) => report({ ev: 'open-external', url }) }
export const nativeTheme = { shouldUseDarkColors: false }
export const Menu = {
  buildFromTemplate: (template) => ({ template }),
  setApplicationMenu: (menu) => report({ ev: 'menu', template: menu?.template ?? null })
}

/**
 * utilityProcess.fork as a real Node child process: `postMessage` and the 'message' event map to
 * the child's IPC channel, which the child sees as `process.parentPort` (see utility-child.mjs).
 */
class UtilityProcess extends EventEmitter {
  constructor(modulePath, args, options) {
    super()
    this.child = fork(modulePath, args, {
      env: { ...(options.env ?? process.env), STUB_UTILITY: '1' },
      execArgv: ['--import', new URL('./utility-child.mjs', import.meta.url).href],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      serialization: 'advanced'
    })
    this.pid = undefined
    this.child.on('spawn', () => {
      this.pid = this.child.pid
      report({ ev: 'utility', pid: this.pid })
      this.emit('spawn')
    })
    this.child.on('message', (data) => this.emit('message', data))
    this.child.on('exit', (code, signal) => this.emit('exit', code ?? (signal ? 1 : 0)))
  }
  postMessage(message) {
    if (this.child.connected) this.child.send(message)
  }
  kill() {
    return this.child.kill()
  }
}
export const utilityProcess = { fork: (modulePath, args = [], options = {}) => new UtilityProcess(modulePath, args, options) }

export default { app, BrowserWindow, ipcMain, protocol, session, dialog, powerMonitor, safeStorage, shell, nativeTheme, Menu, utilityProcess }

// ---- the test's side of the channel ----

const mainWindow = () => [...windows][0]
let loopDelay = null

async function serve(request) {
  switch (request.op) {
    case 'invoke': {
      const handler = callHandler.get(request.channel)
      if (!handler) return { error: `no handler for ${request.channel}` }
      const win = mainWindow()
      const sender = win?.webContents
      const result = await handler({ sender, senderFrame: sender?.mainFrame }, ...request.args)
      // `discard`: the renderer's share (receiving the answer) is not this process's work; only its size comes back.
      if (request.discard) return { size: typeof result === 'string' ? result.length : JSON.stringify(result).length }
      return { result }
    }
    case 'fetch': {
      const handler = schemes.get(new URL(request.url).protocol.slice(0, -1))
      if (!handler) return { error: `no handler for ${request.url}` }
      const response = await handler(new Request(request.url, { method: request.method ?? 'GET', headers: request.headers ?? {} }))
      const body = Buffer.from(await response.arrayBuffer())
      return { status: response.status, headers: Object.fromEntries(response.headers), body: body.toString('base64') }
    }
    case 'permission': {
      if (!permissionRequest || !permissionCheck) return { error: 'no permission handlers' }
      const requested = await new Promise((resolve) => permissionRequest(mainWindow()?.webContents, request.permission, resolve, { requestingUrl: request.url }))
      const checked = permissionCheck(mainWindow()?.webContents, request.permission, new URL(request.url).origin === 'null' ? request.url : new URL(request.url).origin)
      return { requested, checked }
    }
    case 'loop-delay-start':
      // The main process's own event loop (this module runs on its thread).
      loopDelay?.disable()
      loopDelay = monitorEventLoopDelay({ resolution: 10 })
      loopDelay.enable()
      return {}
    case 'loop-delay-stop': {
      if (!loopDelay) return { error: 'loop-delay-start first' }
      loopDelay.disable()
      const ms = (ns) => ns / 1e6
      return { p50: ms(loopDelay.percentile(50)), p99: ms(loopDelay.percentile(99)), max: ms(loopDelay.max), samples: loopDelay.count }
    }
    default:
      return { error: `unknown op ${request.op}` }
  }
}

/** Electron's own events: an exception in the app's handler is uncaught, as in Electron, where it ends the main process. */
const events = {
  quit: () => app.quit(),
  'close-window': () => mainWindow()?.close(),
  'second-instance': () => app.emit('second-instance', new FakeEvent(), ['video-processor'], process.cwd(), {}),
  'power-shutdown': () => powerMonitor.emit('shutdown', new FakeEvent()),
  'session-end': () => mainWindow()?.emit('session-end', new FakeEvent())
}

process.on('message', (request) => {
  if (!request || typeof request.op !== 'string') return
  setImmediate(() => {
    const event = events[request.op]
    if (event) {
      event()
      report({ id: request.id })
      return
    }
    serve(request).then(
      (reply) => report({ id: request.id, ...reply }),
      (error) => report({ id: request.id, error: String(error?.stack ?? error) })
    )
  })
})
