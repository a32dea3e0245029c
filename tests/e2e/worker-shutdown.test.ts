/**
 * One SIGTERM always ends the worker, also when SQS does not answer: after
 * SHUTDOWN_DEADLINE_SECONDS the receive is abandoned, the job in flight is handed back with a
 * short budget, and the process exits (a hard-exit timer guarantees it a few seconds later).
 * A second signal exits at once. SQS is fauxqs behind a TCP proxy that refuses or black-holes.
 */
import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { SendMessageCommand } from '@aws-sdk/client-sqs'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startAwsLocal, TEST_CREDENTIALS, TEST_REGION, type AwsLocal } from '../support/aws-local'
import { geminiSettings } from '../support/cloud-settings'
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini'
import { seedMediaBucket } from '../support/media-bucket'
import { tempDir } from '../support/media'
import { startTcpProxy, type ProxyMode, type TcpProxy } from '../support/tcp-proxy'
import { envWithoutSettings, startWorkerProcess, type WorkerProcess } from '../support/worker-process'

const DEADLINE_S = 2
const children = new Set<ChildProcess>()
let dir: string
let cleanup: () => Promise<void>
let aws: AwsLocal
let gemini: FakeGemini
const proxies: TcpProxy[] = []

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-shutdown-'))
  aws = await startAwsLocal()
  await seedMediaBucket(aws, dir)
  gemini = await startFakeGemini()
  gemini.nextFile = { processingPolls: 0, finalState: 'ACTIVE' }
})
afterEach(async () => {
  for (const c of children) c.kill('SIGKILL')
  for (const p of proxies.splice(0)) await p.close()
})
afterAll(async () => {
  await gemini?.close()
  await aws?.stop()
  await cleanup?.()
})

/** A worker whose SQS traffic (only) goes through a fresh proxy; S3 and Gemini stay reachable. */
async function workerBehindProxy(name: string): Promise<{ w: WorkerProcess; proxy: TcpProxy; url: string }> {
  const { url } = await aws.createQueue(`${name}-${randomUUID().slice(0, 8)}`, { VisibilityTimeout: '60' })
  const proxy = await startTcpProxy({ port: aws.port })
  proxies.push(proxy)
  const env: NodeJS.ProcessEnv = {
    ...envWithoutSettings(),
    DATA_DIR: path.join(dir, name),
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL: aws.endpoint,
    AWS_ENDPOINT_URL_SQS: proxy.url,
    AWS_SQS_URL: url,
    AWS_S3_BUCKET: 'media',
    ...geminiSettings(gemini),
    POLL_WAIT_SECONDS: '2',
    SHUTDOWN_DEADLINE_SECONDS: String(DEADLINE_S)
  }
  const w = startWorkerProcess(env, dir, children)
  await w.waitFor(/Waiting for messages/)
  return { w, proxy, url }
}

/** Sends the signal and resolves with the exit code and the seconds it took. */
async function signalAndTime(w: WorkerProcess, signal: NodeJS.Signals): Promise<{ code: number | null; seconds: number }> {
  const t = Date.now()
  w.proc.kill(signal)
  // Bounded by the hard-exit timer; the race only turns a hang into a readable failure.
  const code = await Promise.race([w.exited, new Promise<'hung'>((r) => setTimeout(() => r('hung'), (DEADLINE_S + 30) * 1000))])
  if (code === 'hung') throw new Error(`the worker did not exit after ${signal}:\n${w.output().slice(-3000)}`)
  return { code, seconds: (Date.now() - t) / 1000 }
}

async function jobInFlight(url: string, w: WorkerProcess): Promise<string> {
  const id = randomUUID()
  await aws.sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify({ video_id: id, source_type: 's3', s3_key: 'in/clip.mp4' }) }))
  await w.waitFor(new RegExp(`Video ${id}: (uploading|processing)`))
  return id
}

describe('bounded stop', () => {
  it.each<ProxyMode>(['refuse', 'blackhole'])('SQS %s while a job runs: one SIGTERM ends the process within the deadline and a few seconds', async (mode) => {
    gemini.fault('generate', { kind: 'delay', ms: 120_000 })
    const { w, proxy, url } = await workerBehindProxy(`down-${mode}`)
    await jobInFlight(url, w)
    await proxy.set(mode)
    // Let the receive loop run into the outage first.
    await new Promise((r) => setTimeout(r, 3000))
    const { seconds } = await signalAndTime(w, 'SIGTERM')
    console.log(`stop with SQS ${mode}: ${seconds.toFixed(1)} s (deadline ${DEADLINE_S} s)`)
    expect(w.output()).toMatch(/SIGTERM received: stopping gracefully/)
    expect(seconds).toBeLessThanOrEqual(DEADLINE_S + 5)
    gemini.reset()
  })

  it('a second SIGTERM exits at once, saying so', async () => {
    gemini.fault('generate', { kind: 'delay', ms: 120_000 })
    const { w, url } = await workerBehindProxy('second')
    await jobInFlight(url, w)
    w.proc.kill('SIGTERM')
    await w.waitFor(/stopping gracefully/)
    const { code } = await signalAndTime(w, 'SIGTERM')
    expect(w.output()).toMatch(/SIGTERM received again: handing jobs in flight back and exiting/)
    expect([0, 143]).toContain(code)
    gemini.reset()
  })
})

describe('a signal as soon as the console is up', () => {
  it('Ctrl+C right after the console URL is printed stops gracefully, not by the default kill', async () => {
    // The process stalls right after printing the URL: the signal lands before any later line runs.
    const pause = fileURLToPath(new URL('../support/pause-after-banner.mjs', import.meta.url))
    const w = startWorkerProcess({ ...envWithoutSettings(), DATA_DIR: path.join(dir, 'banner'), NODE_OPTIONS: `--import ${pause}` }, dir, children)
    await w.waitFor(/Console API on /)
    w.proc.kill('SIGINT')
    expect({ code: await w.exited, signal: w.proc.signalCode }, w.output()).toEqual({ code: 0, signal: null })
    expect(w.output()).toMatch(/SIGINT received: stopping gracefully/)
    expect(w.output()).toContain('Stopped.')
    // The stop came while the worker started: it must not then claim to be waiting for messages.
    expect(w.output().slice(w.output().indexOf('SIGINT received'))).not.toContain('Waiting for messages')
  })
})
