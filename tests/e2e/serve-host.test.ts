import { spawn, type ChildProcess } from 'node:child_process'
import { networkInterfaces } from 'node:os'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/media'
import { CLI_BIN, envWithoutSettings } from '../support/worker-process'

const children = new Set<ChildProcess>()
let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-serve-host-'))
})
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  await cleanup()
})

/** Runs `serve` until it exits or prints its banner (then stops it with SIGINT). */
async function serve(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; out: string; listened: boolean }> {
  const proc = spawn(process.execPath, [CLI_BIN, 'serve', '--no-worker', '--port', '0', ...args], {
    env: { ...envWithoutSettings(), DATA_DIR: path.join(dir, 'data'), DOWNLOAD_DIR: path.join(dir, 'dl'), ...env },
    cwd: dir,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  children.add(proc)
  let out = ''
  let listened = false
  const onData = (d: Buffer) => {
    out += d.toString()
    if (!listened && /Worker not started/.test(out)) {
      listened = true
      proc.kill('SIGINT')
    }
  }
  proc.stdout!.on('data', onData)
  proc.stderr!.on('data', onData)
  const code = await new Promise<number | null>((resolve) => proc.on('exit', (c) => (children.delete(proc), resolve(c))))
  return { code, out, listened }
}

const REFUSAL = /Refusing to serve the console on 0\.0\.0\.0 without a token of at least 16 characters/

describe('serve on a non-loopback address', () => {
  it('is refused without an explicit token, in one line, exit code 2', async () => {
    const r = await serve(['--host', '0.0.0.0'])
    expect(r.listened, r.out).toBe(false)
    expect(r.code).toBe(2)
    expect(r.out).toMatch(REFUSAL)
  })

  it('is refused with a short token, from --token and CONSOLE_TOKEN alike', async () => {
    const flag = await serve(['--host', '0.0.0.0', '--token', 'abcdefghij'])
    expect([flag.listened, flag.code], flag.out).toEqual([false, 2])
    expect(flag.out).toMatch(REFUSAL)
    const env = await serve(['--host', '0.0.0.0'], { CONSOLE_TOKEN: 'abcdefghij' })
    expect([env.listened, env.code], env.out).toEqual([false, 2])
    expect(env.out).toMatch(REFUSAL)
  })

  it('serves with a long enough token and prints every address it listens on', async () => {
    const r = await serve(['--host', '0.0.0.0', '--token', 'a-long-enough-token-1234'])
    expect(r.listened, r.out).toBe(true)
    const port = /http:\/\/127\.0\.0\.1:(\d+)/.exec(r.out)?.[1]
    expect(port).toBeDefined()
    const v4 = Object.values(networkInterfaces()).flatMap((list) => (list ?? []).filter((nic) => nic.family === 'IPv4').map((nic) => nic.address))
    for (const address of v4) expect(r.out).toContain(`http://${address}:${port}`)
    expect(v4.some((a) => a !== '127.0.0.1') ? /also listening on/.test(r.out) : true).toBe(true)
  })

  it('still serves loopback without a token of its own', async () => {
    const r = await serve([])
    expect(r.listened, r.out).toBe(true)
  })
})
