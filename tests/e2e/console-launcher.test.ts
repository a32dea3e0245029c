import { spawn } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/media'

// `npm start` where Electron cannot open a window (no display here, or --headless): one line
// says why, the headless console starts on embedded defaults, and its URL (with the token it
// chose) serves the console. Ctrl-C stops it gracefully.
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

describe('npm start without Electron', () => {
  let cleanup: (() => Promise<void>) | undefined
  afterAll(() => cleanup?.())

  it('falls back to the headless console, prints why in one line and a working URL, and stops on SIGINT', async () => {
    const temp = await tempDir('vp-launcher-')
    cleanup = temp.cleanup
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([k]) => !/^(AWS_|GEMINI_|GOOGLE_|NEXT_PUBLIC_SUPABASE|SUPABASE_)|^(DATA_DIR|DOWNLOAD_DIR|CONSOLE_TOKEN|PORT|HOST|READ_ONLY|DISPLAY|WAYLAND_DISPLAY)$/.test(k))
    )
    const child = spawn(process.execPath, [path.join(ROOT, 'scripts/start.js'), '--headless'], {
      cwd: ROOT,
      env: { ...env, DATA_DIR: path.join(temp.dir, 'data'), PORT: '0', POLL_WAIT_SECONDS: '1' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (out += d.toString()))
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve))
    const until = Date.now() + 150_000
    let url: string | undefined
    while (!url) {
      url = /start: open the console at (\S+)/.exec(out)?.[1]
      if (child.exitCode !== null || Date.now() > until) throw new Error(`no console URL:\n${out}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    const reasons = out.split('\n').filter((line) => line.startsWith('start: Electron cannot start:'))
    expect(reasons).toEqual(['start: Electron cannot start: the headless console was asked for (--headless); starting the headless console instead.'])
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/\?token=[\w-]+$/)
    const page = await fetch(url)
    expect(page.status).toBe(200)
    expect(await page.text()).toContain('<div id="root">')
    expect((await fetch(url.replace(/\?token=.*/, 'api/events'))).status).toBe(401)

    child.kill('SIGINT')
    expect(await exited).toBe(0)
    expect(out).toContain('Stopped.')
    expect(out).not.toContain('handing jobs in flight back') // one SIGINT reached serve, not two
  })
})
