import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempDir } from '../support/media'
import { CLI_BIN, envWithoutSettings } from '../support/worker-process'

const PRELOAD = fileURLToPath(new URL('../support/reject-on-signal.ts', import.meta.url))
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const children = new Set<ChildProcess>()
let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-unhandled-'))
})
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  await cleanup()
})

describe('an unhandled rejection', () => {
  for (const command of [['worker'], ['serve', '--no-worker', '--port', '0']]) {
    it(`ends \`${command[0]}\` with a clear message and a non-zero exit code`, async () => {
      const env = { ...envWithoutSettings(), DATA_DIR: path.join(dir, command[0]!), DOWNLOAD_DIR: path.join(dir, `${command[0]}-dl`) }
      const proc = spawn(process.execPath, ['--import', 'tsx', '--import', PRELOAD, CLI_BIN, ...command], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] })
      children.add(proc)
      let out = ''
      let stderr = ''
      let signalled = false
      const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => (children.delete(proc), resolve(code))))
      proc.stdout!.on('data', (d: Buffer) => {
        out += d.toString()
        if (!signalled && /Waiting for messages|Worker not started/.test(out)) {
          signalled = true
          proc.kill('SIGUSR2')
          // Still running a while later would mean the rejection was only logged.
          setTimeout(() => proc.kill('SIGKILL'), 15_000).unref()
        }
      })
      proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
      const code = await exited
      expect(signalled, out + stderr).toBe(true)
      expect(code, out + stderr).toBe(70)
      expect(stderr).toMatch(/^video-processor crashed: an unexpected error nobody handled: Error: stray rejection from a library/m)
    })
  }
})
