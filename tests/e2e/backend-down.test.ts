import { spawn, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAwsLocal, startToggleProxy } from '../support/aws-local'
import { awsSettings } from '../support/cloud-settings'
import { tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'
import { CLI_BIN, envWithoutSettings } from '../support/worker-process'

const children = new Set<ChildProcess>()
let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-backend-down-'))
})
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL')
  await cleanup()
})

/** A loopback port nobody listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const { port } = server.address() as { port: number }
  await new Promise((r) => server.close(r))
  return port
}

describe('a backend that is down at start', () => {
  it('makes the worker exit non-zero with one clear line naming the setting, never silently', async () => {
    const port = await closedPort()
    const env = {
      ...envWithoutSettings(),
      DATA_DIR: path.join(dir, 'data'),
      DOWNLOAD_DIR: path.join(dir, 'dl'),
      AWS_SQS_URL: `http://127.0.0.1:${port}/000000000000/videos`,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: 'test',
      AWS_SECRET_ACCESS_KEY: 'test'
    }
    const proc = spawn(process.execPath, [CLI_BIN, 'worker'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
    children.add(proc)
    let stderr = ''
    proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()))
    const code = await new Promise<number | null>((resolve) => proc.on('exit', (c) => (children.delete(proc), resolve(c))))
    expect(code, stderr).toBe(1)
    expect(stderr.trim().split('\n').at(-1)).toMatch(/^SQS queue http:\/\/127\.0\.0\.1:\d+\/000000000000\/videos cannot be used \(.+\): check AWS_SQS_URL/)
  })
})

describe('opening an SQS queue that is down', () => {
  it('keeps the process alive through its retries and ends in an error, not a silent exit', async () => {
    const port = await closedPort()
    const child = fileURLToPath(new URL('../support/sqs-start-child.ts', import.meta.url))
    const root = fileURLToPath(new URL('../..', import.meta.url))
    const proc = spawn(process.execPath, ['--import', 'tsx', child, `http://127.0.0.1:${port}/000000000000/videos`], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
    children.add(proc)
    let out = ''
    proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
    const code = await new Promise<number | null>((resolve) => proc.on('exit', (c) => (children.delete(proc), resolve(c))))
    // 13 is Node's "unfinished top-level await": the event loop emptied while the retries waited.
    expect(code, out).toBe(1)
    expect(out).toMatch(/^error: SQS queue .* cannot be used \(ECONNREFUSED/m)
  })
})

describe('serve with a backend that is down at start', () => {
  it('serves a console that says so, keeps retrying, and takes the backend up when it answers', async () => {
    const aws = await startAwsLocal()
    const proxy = await startToggleProxy(Number(new URL(aws.endpoint).port))
    try {
      const queue = await aws.createQueue('videos')
      await proxy.down()
      const env = {
        ...envWithoutSettings(),
        DATA_DIR: path.join(dir, 'serve-data'),
        DOWNLOAD_DIR: path.join(dir, 'serve-dl'),
        ...awsSettings(proxy.endpoint, queue.url),
        CONSOLE_TOKEN: 'a-test-token-of-enough-length'
      }
      const proc = spawn(process.execPath, [CLI_BIN, 'serve', '--port', '0'], { env, cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] })
      children.add(proc)
      let out = ''
      proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()))
      const exited = new Promise<number | null>((resolve) => proc.on('exit', (c) => (children.delete(proc), resolve(c))))
      await waitUntil('the console URL', () => /Console (API )?on http:\/\/127\.0\.0\.1:\d+/.test(out) || proc.exitCode !== null, 120_000)
      expect(out).toMatch(/Backends unavailable: SQS queue .* cannot be used \(ECONNREFUSED.*retrying every \d+ s/)
      const url = /Console (?:API )?on (http:\/\/127\.0\.0\.1:\d+)/.exec(out)![1]!
      const call = (name: string) =>
        fetch(`${url}/api/rpc/${name}`, { method: 'POST', headers: { authorization: 'Bearer a-test-token-of-enough-length', 'content-type': 'application/json' }, body: '{}' }).then(
          async (r) => ({ status: r.status, body: (await r.json()) as { ok: boolean; result?: { backends?: { queue: string } }; error?: { message: string } } })
        )
      const listed = await call('videos.list')
      expect(listed.body.ok).toBe(false)
      expect(listed.body.error?.message).toMatch(/backends cannot be opened: SQS queue .* cannot be used.*retrying/i)
      expect((await call('worker.status')).body.result?.backends?.queue).toBe('unavailable')

      await proxy.up()
      await waitUntil('the queue to be taken up', async () => /sqs/i.test((await call('worker.status')).body.result?.backends?.queue ?? ''), 120_000).catch((e: unknown) => {
        throw new Error(`${String(e)}\n${out}`)
      })
      expect((await call('videos.list')).body.ok).toBe(true)
      proc.kill('SIGINT')
      expect(await exited).toBe(0)
    } finally {
      await proxy.stop()
      await aws.stop()
    }
  })
})
