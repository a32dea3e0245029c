/**
 * `npm start` (scripts/start.js) in a stand-in project: the real launcher next to fake
 * electron-vite, Electron (binary and install.js) and `serve`, so each way Electron can fail is
 * played for real: a download that cannot reach GitHub, a Chromium sandbox abort at start, a kill.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { chmod, copyFile, mkdir, readFile, utimes, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ROOT } from '../support/electron-main'
import { tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'

const PAUSE_AFTER_BANNER = path.join(ROOT, 'tests/support/pause-after-banner.mjs')
const FAKE_SERVE = `
import { writeFileSync } from 'node:fs'
writeFileSync(new URL('../serve.pid', import.meta.url), String(process.pid))
// Like the real serve: ready for Ctrl+C before it says where the console is.
process.on('SIGINT', () => { console.log('Stopped.'); process.exit(0) })
console.log('Console on http://127.0.0.1:45678/')
setInterval(() => {}, 1000)
`
const FAKE_INSTALL = `
const { appendFileSync } = require('node:fs')
appendFileSync(require('node:path').join(__dirname, '../../install-runs'), 'x')
console.error('HTTPError: Response code 403 (Forbidden) for https://github.com/electron/electron/releases/download/v40.10.2/electron-v40.10.2-linux-x64.zip')
process.exit(1)
`
// Behaviour picked by FAKE_ELECTRON: Chromium's SUID sandbox abort, a run until killed, a quick quit.
const FAKE_ELECTRON = `#!/bin/sh
echo $$ > "$(dirname "$0")/../../../electron.pid"
case "$FAKE_ELECTRON" in
  suid) echo "[4711:1202/101010.123456:FATAL:setuid_sandbox_host.cc(163)] The SUID sandbox helper binary was found, but is not configured correctly." >&2; kill -TRAP $$ ;;
  run) exec sleep 60 ;;
  *) exit 0 ;;
esac
`

async function project(opts: { buildFails?: boolean; electronInstalled?: boolean } = {}): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const temp = await tempDir('vp-start-')
  const file = async (relative: string, text: string, mode = 0o644) => {
    const full = path.join(temp.dir, relative)
    await mkdir(path.dirname(full), { recursive: true })
    await writeFile(full, text)
    await chmod(full, mode)
  }
  await mkdir(path.join(temp.dir, 'scripts'), { recursive: true })
  for (const script of ['start.js', 'built-app.js']) await copyFile(path.join(ROOT, 'scripts', script), path.join(temp.dir, 'scripts', script))
  await file('package.json', '{ "type": "module" }\n')
  await file('src/main/index.ts', '// sources\n')
  for (const out of ['out/renderer/index.html', 'out/main/index.js', 'out/preload/index.cjs']) await file(out, 'built\n')
  if (opts.buildFails) {
    // The sources changed after the last build, and this build fails.
    const later = new Date(Date.now() + 60_000)
    await utimes(path.join(temp.dir, 'src/main/index.ts'), later, later)
  }
  await file('node_modules/electron-vite/bin/electron-vite.js', opts.buildFails ? "console.error('src/main/index.ts: error TS2304'); process.exit(1)\n" : 'process.exit(0)\n')
  await file('bin/video-processor.js', FAKE_SERVE)
  await file('node_modules/electron/package.json', '{ "version": "40.10.2" }\n')
  await file('node_modules/electron/install.js', FAKE_INSTALL)
  if (opts.electronInstalled !== false) {
    await file('node_modules/electron/path.txt', 'electron')
    await file('node_modules/electron/dist/electron', FAKE_ELECTRON, 0o755)
  }
  return temp
}

interface Run {
  child: ChildProcess
  output(): string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
}

const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
})

function start(dir: string, env: Record<string, string> = {}, args: string[] = []): Run {
  const child = spawn(process.execPath, [path.join(dir, 'scripts/start.js'), ...args], {
    cwd: dir,
    env: { PATH: process.env['PATH'] ?? '', HOME: dir, DISPLAY: ':99', VIDEO_PROCESSOR_NO_BROWSER: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  children.push(child)
  let text = ''
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()))
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })))
  return { child, output: () => text, exit }
}

const pidIn = async (file: string) => Number((await readFile(file, 'utf8')).trim())

describe('npm start', () => {
  it('stops on a failed build instead of starting a stale out/', async () => {
    const temp = await project({ buildFails: true })
    try {
      const run = start(temp.dir)
      expect(await run.exit).toEqual({ code: 1, signal: null })
      expect(run.output()).toContain('start: the build failed')
      expect(run.output()).toContain('error TS2304')
      expect(existsSync(path.join(temp.dir, 'electron.pid'))).toBe(false)
      expect(existsSync(path.join(temp.dir, 'serve.pid'))).toBe(false)
    } finally {
      await temp.cleanup()
    }
  })

  it('falls back to the browser console with one line when Electron aborts at start (SUID sandbox)', async () => {
    const temp = await project()
    try {
      // serve stalls right after printing its URL, as on a loaded machine: the Ctrl+C below lands then.
      const run = start(temp.dir, { FAKE_ELECTRON: 'suid', NODE_OPTIONS: `--import ${PAUSE_AFTER_BANNER}` })
      await waitUntil('the headless console', () => run.output().includes('open the console at http://127.0.0.1:45678/?token='))
      const reasons = run.output().split('\n').filter((line) => line.startsWith('start: Electron cannot start'))
      expect(reasons).toEqual([
        'start: Electron cannot start: it stopped at start (killed by SIGTRAP: The SUID sandbox helper binary was found, but is not configured correctly.); starting the headless console instead.'
      ])
      run.child.kill('SIGINT')
      expect(await run.exit).toEqual({ code: 0, signal: null })
    } finally {
      await temp.cleanup()
    }
  })

  it('tries the Electron download once, then remembers that it failed', async () => {
    const temp = await project({ electronInstalled: false })
    try {
      for (const attempt of [1, 2]) {
        const run = start(temp.dir)
        await waitUntil('the headless console', () => run.output().includes('open the console at'))
        expect(run.output()).toMatch(/start: Electron cannot start: its download failed .*HTTPError: Response code 403/)
        if (attempt === 2) expect(run.output()).toContain('npm start -- --retry-electron tries again')
        run.child.kill('SIGINT')
        expect((await run.exit).code).toBe(0)
      }
      expect(await readFile(path.join(temp.dir, 'install-runs'), 'utf8')).toBe('x')
      const retry = start(temp.dir, {}, ['--retry-electron'])
      await waitUntil('the headless console', () => retry.output().includes('open the console at'))
      retry.child.kill('SIGINT')
      await retry.exit
      expect(await readFile(path.join(temp.dir, 'install-runs'), 'utf8')).toBe('xx')
    } finally {
      await temp.cleanup()
    }
  })

  it('reports a killed Electron as 128 + the signal, not as success', async () => {
    const temp = await project()
    try {
      // Past its start window at once: a kill is then not a start failure.
      const run = start(temp.dir, { FAKE_ELECTRON: 'run', VIDEO_PROCESSOR_ELECTRON_START_MS: '1' })
      await waitUntil('Electron to run', () => existsSync(path.join(temp.dir, 'electron.pid')))
      process.kill(await pidIn(path.join(temp.dir, 'electron.pid')), 'SIGKILL')
      expect(await run.exit).toEqual({ code: 137, signal: null })
      expect(run.output()).not.toContain('headless console instead')
    } finally {
      await temp.cleanup()
    }
  })

  it('reports a killed headless console as 128 + the signal', async () => {
    const temp = await project()
    try {
      const run = start(temp.dir, {}, ['--headless'])
      await waitUntil('serve to run', () => existsSync(path.join(temp.dir, 'serve.pid')) && run.output().includes('open the console at'))
      process.kill(await pidIn(path.join(temp.dir, 'serve.pid')), 'SIGKILL')
      expect(await run.exit).toEqual({ code: 137, signal: null })
    } finally {
      await temp.cleanup()
    }
  })

  it('a quick, clean quit of Electron is not a failure', async () => {
    const temp = await project()
    try {
      const run = start(temp.dir, { FAKE_ELECTRON: 'quit' })
      expect(await run.exit).toEqual({ code: 0, signal: null })
      expect(run.output()).not.toContain('headless console instead')
    } finally {
      await temp.cleanup()
    }
  })
})
