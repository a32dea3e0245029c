import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { _electron as electron, type ElectronApplication, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/media'

// Page functions below run in the renderer; this file is type-checked without DOM types.
// The desktop console through Playwright's _electron. Runs where the Electron binary exists
// (node_modules/electron/dist, or ELECTRON_EXEC_PATH); skipped, saying why, where it does not.
const ROOT = fileURLToPath(new URL('../..', import.meta.url))

function electronBinary(): { path?: string; reason?: string } {
  const override = process.env['ELECTRON_EXEC_PATH']
  if (override) return existsSync(override) ? { path: override } : { reason: `ELECTRON_EXEC_PATH=${override} does not exist` }
  const pathFile = path.join(ROOT, 'node_modules/electron/path.txt')
  if (!existsSync(pathFile)) return { reason: 'the Electron binary was never downloaded (node_modules/electron/path.txt is missing; this network cannot reach GitHub)' }
  const binary = path.join(ROOT, 'node_modules/electron/dist', readFileSync(pathFile, 'utf8').trim())
  return existsSync(binary) ? { path: binary } : { reason: `${binary} is missing` }
}

const binary = electronBinary()
const display = process.platform !== 'linux' || Boolean(process.env['DISPLAY'] || process.env['WAYLAND_DISPLAY'])
const skipReason = binary.reason ?? (display ? (existsSync(path.join(ROOT, 'out/main/index.js')) ? null : 'out/ is not built: npm run build') : 'no display (run under xvfb-run)')
if (skipReason) console.warn(`electron e2e skipped: ${skipReason}`)

describe.skipIf(skipReason !== null)('desktop console (Electron)', () => {
  let app: ElectronApplication
  let page: Page
  let cleanup: () => Promise<void>

  beforeAll(async () => {
    const temp = await tempDir('vp-electron-e2e-')
    cleanup = temp.cleanup
    app = await electron.launch({
      executablePath: binary.path,
      args: [ROOT, ...(process.getuid?.() === 0 ? ['--no-sandbox'] : [])],
      env: { ...process.env, DATA_DIR: path.join(temp.dir, 'data'), POLL_WAIT_SECONDS: '1' } as Record<string, string>
    })
    page = await app.firstWindow()
    await page.locator('[data-ready=true]').waitFor({ timeout: 60_000 })
  })
  afterAll(async () => {
    await app?.close()
    await cleanup?.()
  })

  it('runs the console on app:// with the preload API and no Node in the page', async () => {
    expect(new URL(page.url()).protocol).toBe('app:')
    const surface = await page.evaluate(() => ({
      api: Object.keys((globalThis as unknown as { api: object }).api).sort(),
      require: typeof (globalThis as unknown as { require?: unknown }).require,
      process: typeof (globalThis as unknown as { process?: unknown }).process
    }))
    expect(surface).toEqual({ api: ['call', 'onEvent', 'onShutdown', 'pathForFile'], require: 'undefined', process: 'undefined' })
    await expect.poll(() => page.getByTestId('worker-state').getAttribute('data-state')).toBe('running')
  })

  it('answers calls over IPC and refuses bad input', async () => {
    const results = await page.evaluate(async () => {
      const api = (globalThis as unknown as { api: { call(n: string, i?: unknown): Promise<unknown> } }).api
      return [await api.call('worker.status'), await api.call('videos.get', { id: 'nope' })]
    })
    expect(results[0]).toMatchObject({ ok: true, result: { state: 'running' } })
    expect(results[1]).toMatchObject({ ok: false, error: { code: 'bad-request' } })
  })

  it('blocks new windows and navigation away from the console', async () => {
    const opened = await page.evaluate(() => (globalThis as unknown as { open(url: string): unknown }).open('https://example.com') === null)
    expect(opened).toBe(true)
    await page.evaluate(() => {
      ;(globalThis as unknown as { location: { href: string } }).location.href = 'https://example.com/'
    })
    await expect.poll(() => new URL(page.url()).protocol).toBe('app:')
    expect(app.windows()).toHaveLength(1)
  })

  it('sends the CSP as a header', async () => {
    const csp = await page.evaluate(async () => (await fetch('app://console/index.html')).headers.get('content-security-policy'))
    expect(csp).toContain("script-src 'self'")
  })
})
