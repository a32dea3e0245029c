/**
 * What the console's end-to-end files share: the built renderer, `video-processor serve` as a
 * child process on the embedded defaults, Debian's Chromium, and the API as the page's own client
 * sees it (to check the page against the truth, never to make the failures under test).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'

export const ROOT = fileURLToPath(new URL('../..', import.meta.url))
export const BIN = path.join(ROOT, 'bin/video-processor.js')
export const ARTIFACTS = path.join(ROOT, 'tests/artifacts')
export const CHROMIUM = '/usr/bin/chromium'
export const skipReason = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: apt-get install -y chromium`

/** The environment of a test's child processes: nothing of the developer's own settings leaks in. */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AWS_|GEMINI_|GOOGLE_|NEXT_PUBLIC_SUPABASE|SUPABASE_|WORKER_|POLL_|DOWNLOAD_DIR|DATA_DIR|READ_ONLY|CONSOLE_TOKEN|HOST|PORT|MAX_RECEIVE)/.test(k))
  )
  return { ...clean, POLL_WAIT_SECONDS: '1', ...extra }
}

export class Serve {
  process: ChildProcess | null = null
  output = ''
  url = ''

  constructor(
    readonly cwd: string,
    readonly env: NodeJS.ProcessEnv,
    readonly token: string
  ) {}

  async start(port = '0'): Promise<string> {
    this.output = ''
    const child = spawn(process.execPath, [BIN, 'serve', '--port', port], { cwd: this.cwd, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] })
    this.process = child
    child.stdout!.on('data', (d: Buffer) => (this.output += d.toString()))
    child.stderr!.on('data', (d: Buffer) => (this.output += d.toString()))
    const until = Date.now() + 90_000
    for (;;) {
      const match = /Console on (http:\/\/127\.0\.0\.1:\d+)/.exec(this.output)
      if (match?.[1]) return (this.url = match[1])
      if (child.exitCode !== null || Date.now() > until) throw new Error(`serve did not start:\n${this.output}`)
      await new Promise((r) => setTimeout(r, 100))
    }
  }

  /** A graceful stop (SIGINT), or a kill (SIGKILL: the process vanishes as in a crash). */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
    const child = this.process
    if (!child || child.exitCode !== null || child.signalCode !== null) return
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill(signal)
    await exited
  }

  async rpc<T>(name: string, input?: unknown): Promise<T> {
    const res = await fetch(`${this.url}/api/rpc/${name}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
      body: input === undefined ? '' : JSON.stringify(input)
    })
    const body = (await res.json()) as { ok: boolean; result: T; error?: { message: string } }
    if (!body.ok) throw new Error(`${name}: ${body.error?.message}`)
    return body.result
  }
}

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']
  })
}

/** Opens the console with its token once (the page keeps it in a cookie) and waits for it to be ready. */
export async function openConsole(page: Page, serve: Serve, hash = ''): Promise<void> {
  await page.goto(`${serve.url}/?token=${serve.token}${hash}`)
  await page.locator('[data-ready=true]').waitFor()
}

export interface Box {
  x: number
  y: number
  width: number
  height: number
}

/** Whether two boxes share any area (touching edges do not count). */
export function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width - 0.5 && b.x < a.x + a.width - 0.5 && a.y < b.y + b.height - 0.5 && b.y < a.y + a.height - 0.5
}
