#!/usr/bin/env node
// `npm start`: the desktop console when Electron can run here, else the same console headless.
//
//   1. build out/ (electron-vite, no Electron binary needed) when missing or older than src/;
//      a failed build stops here (never a stale out/)
//   2. Electron binary present (or fetched by Electron's own install.js: tried once, a failure
//      is remembered in node_modules/.cache/video-processor/) and a display: run it; the main
//      process owns DATA_DIR and runs the worker
//   3. otherwise, or when Electron fails in its first seconds (a sandbox it cannot use, a
//      missing library…), one line saying why, then `video-processor serve` on 127.0.0.1,
//      opened in a Chromium --app window when one is installed and a display exists, else its
//      URL printed
// The exit code is the child's own; killed by a signal, 128 + its number.
//
// `npm start -- --headless` (or VIDEO_PROCESSOR_HEADLESS=1) skips Electron; `--no-browser` (or
// VIDEO_PROCESSOR_NO_BROWSER=1) prints the URL instead of opening Chromium; `--retry-electron`
// tries the Electron download again.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { constants, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { buildApp, builtAppState } from './built-app.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const say = (line) => process.stdout.write(`start: ${line}\n`)
const args = process.argv.slice(2)
const DOWNLOAD_MARKER = join(root, 'node_modules', '.cache', 'video-processor', 'electron-download.json')
// Electron failing sooner than this after its start is a start failure: the browser console takes over.
const START_WINDOW_MS = Number(process.env.VIDEO_PROCESSOR_ELECTRON_START_MS) || 8000

/** The exit code to report for a child: its own, or 128 + the signal's number when killed. */
function exitCodeOf(code, signal) {
  if (code !== null && code !== undefined) return code
  return 128 + (constants.signals[signal] ?? 1)
}

// One signal handler for the whole run: before a child exists it just exits; after, it
// forwards to the child (which lives in its own process group, so it hears each signal once).
let onSignal = () => process.exit(130)
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, (s) => onSignal(s))

/** Builds out/ when missing or older than its sources; false when the build failed. */
function buildIfStale() {
  const state = builtAppState(root)
  if (state === 'fresh') return true
  say(state === 'missing' ? 'building the console (first start)…' : 'sources changed: rebuilding the console…')
  const result = buildApp(root, { stdio: ['ignore', 'ignore', 'inherit'] })
  if (result.status !== 0) {
    say(`the build failed (${result.error?.message ?? `exit code ${exitCodeOf(result.status, result.signal)}`}, see above): fix it and start again`)
    return false
  }
  return true
}

function electronBinary() {
  if (process.env.ELECTRON_EXEC_PATH && existsSync(process.env.ELECTRON_EXEC_PATH)) return process.env.ELECTRON_EXEC_PATH
  const pkg = join(root, 'node_modules', 'electron')
  const pathFile = join(pkg, 'path.txt')
  if (!existsSync(pathFile)) return undefined
  const relative = readFileSync(pathFile, 'utf8').trim()
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? join(pkg, 'dist')
  const binary = join(dist, relative)
  return existsSync(binary) ? binary : undefined
}

function electronVersion() {
  try {
    return JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')).version
  } catch {
    return undefined
  }
}

/** A download that failed for this Electron version, remembered so every start does not wait on it again. */
function rememberedFailure() {
  if (args.includes('--retry-electron')) {
    rmSync(DOWNLOAD_MARKER, { force: true })
    return undefined
  }
  try {
    const marker = JSON.parse(readFileSync(DOWNLOAD_MARKER, 'utf8'))
    return marker.version === electronVersion() ? marker : undefined
  } catch {
    return undefined
  }
}

/** Runs Electron's install.js (once per Electron version); returns the binary or the one-line reason it is not there. */
function fetchElectron() {
  const install = join(root, 'node_modules', 'electron', 'install.js')
  if (!existsSync(install)) return { reason: 'the electron package is not installed' }
  const failed = rememberedFailure()
  if (failed) return { reason: `its download failed at ${failed.at} (${failed.reason}); npm start -- --retry-electron tries again` }
  say('fetching the Electron binary (once)…')
  const result = spawnSync(process.execPath, [install], { cwd: join(root, 'node_modules', 'electron'), encoding: 'utf8', timeout: 120_000 })
  const binary = electronBinary()
  if (binary) return { binary }
  const firstLine = `${result.stderr ?? ''}${result.stdout ?? ''}`.split('\n').find((line) => line.trim()) ?? `exit code ${exitCodeOf(result.status, result.signal)}`
  const reason = (result.error?.message ?? firstLine).trim().slice(0, 160)
  mkdirSync(dirname(DOWNLOAD_MARKER), { recursive: true })
  writeFileSync(DOWNLOAD_MARKER, `${JSON.stringify({ version: electronVersion(), at: new Date().toISOString(), reason })}\n`)
  return { reason: `its download failed (${reason})` }
}

/** The line of Electron's output that says why it stopped (Chromium's FATAL lines first). */
function startFailureReason(output, code, signal) {
  const lines = output.split('\n').map((line) => line.trim()).filter(Boolean)
  const line = lines.find((l) => /FATAL|sandbox/i.test(l)) ?? lines.find((l) => /error/i.test(l)) ?? lines[0]
  const how = signal ? `killed by ${signal}` : `exit code ${code}`
  return `it stopped at start (${how}${line ? `: ${line.replace(/^\[[^\]]*\]\s*/, '').slice(0, 160)}` : ''})`
}

function hasDisplay() {
  if (process.platform !== 'linux') return true
  return Boolean(process.env.DISPLAY || process.env.WAYLAND_DISPLAY)
}

function findChromium() {
  const names = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable']
  if (process.platform === 'darwin') names.unshift('/Applications/Google Chrome.app/Contents/MacOS/Google Chrome', '/Applications/Chromium.app/Contents/MacOS/Chromium')
  return names.find((name) => existsSync(name))
}

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0

function runElectron(binary) {
  const electronArgs = ['.']
  if (isRoot && process.platform === 'linux') electronArgs.push('--no-sandbox') // Chromium refuses root otherwise
  const env = { ...process.env }
  delete env.ELECTRON_RUN_AS_NODE
  const started = Date.now()
  // Own process group: a Ctrl-C reaches it once, through us, not twice. Its stderr passes
  // through and is kept for the first seconds, to say why it could not start.
  const child = spawn(binary, electronArgs, { cwd: root, stdio: ['inherit', 'inherit', 'pipe'], env, detached: true })
  let early = ''
  child.stderr.on('data', (chunk) => {
    process.stderr.write(chunk)
    if (Date.now() - started < START_WINDOW_MS && early.length < 64_000) early += chunk.toString()
  })
  let interrupted = false
  onSignal = (signal) => {
    interrupted = true
    child.kill(signal)
  }
  child.on('error', (error) => {
    say(`Electron cannot start: ${error.message}; starting the headless console instead.`)
    runHeadless()
  })
  child.on('exit', (code, signal) => {
    const abnormal = code !== 0
    if (abnormal && !interrupted && Date.now() - started < START_WINDOW_MS) {
      say(`Electron cannot start: ${startFailureReason(early, code, signal)}; starting the headless console instead.`)
      runHeadless()
      return
    }
    process.exit(exitCodeOf(code, signal))
  })
}

function runHeadless() {
  // serve protects the console with a token; choosing it here lets us open the page with it.
  const token = process.env.CONSOLE_TOKEN || randomBytes(18).toString('base64url')
  const child = spawn(process.execPath, [join(root, 'bin', 'video-processor.js'), 'serve'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    env: { ...process.env, CONSOLE_TOKEN: token },
    // Own process group: a Ctrl-C reaches serve once, through us (a second one means "hurry").
    detached: true
  })
  let browser
  let opened = false
  child.stdout.on('data', (chunk) => {
    process.stdout.write(chunk)
    const match = /Console(?: API)? on (http:\/\/\S+?)\/?(?:\s|$)/.exec(chunk.toString())
    if (!match || opened) return
    opened = true
    const url = `${match[1].replace('0.0.0.0', '127.0.0.1')}/?token=${encodeURIComponent(token)}`
    const chromium = args.includes('--no-browser') || process.env.VIDEO_PROCESSOR_NO_BROWSER === '1' ? undefined : findChromium()
    if (chromium && hasDisplay()) {
      const profile = join(tmpdir(), 'video-processor-console-profile')
      mkdirSync(profile, { recursive: true })
      const flags = [`--app=${url}`, `--user-data-dir=${profile}`, '--no-first-run', '--no-default-browser-check', '--disable-sync']
      if (isRoot) flags.push('--no-sandbox')
      say(`opening the console in ${chromium} --app`)
      browser = spawn(chromium, flags, { stdio: 'ignore' })
      // Closing the window ends the session, like closing the desktop app.
      browser.on('exit', () => child.kill('SIGINT'))
    } else {
      say(`open the console at ${url}`)
    }
  })
  onSignal = (signal) => {
    browser?.kill()
    child.kill(signal)
  }
  child.on('exit', (code, signal) => {
    browser?.kill()
    process.exit(exitCodeOf(code, signal))
  })
}

if (!buildIfStale()) process.exit(1)
let binary
let reason
if (args.includes('--headless') || process.env.VIDEO_PROCESSOR_HEADLESS === '1') {
  reason = 'the headless console was asked for (--headless)'
} else if (!hasDisplay()) {
  // No window could open anyway: do not download anything.
  reason = 'there is no display (DISPLAY and WAYLAND_DISPLAY are unset)'
} else {
  binary = electronBinary()
  if (!binary) {
    const fetched = fetchElectron()
    binary = fetched.binary
    reason = fetched.reason
  }
}
if (binary) {
  say(`opening the desktop console (${binary})`)
  runElectron(binary)
} else {
  say(`Electron cannot start: ${reason}; starting the headless console instead.`)
  runHeadless()
}
