/**
 * SQS and S3 on loopback for tests: fauxqs 1.x in this process (port 0, 127.0.0.1 only),
 * s3rver for plain S3, a TCP proxy that can refuse connections, and SDK middleware that
 * answers like a throttling or failing AWS (the servers never do on their own).
 */
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import type { AddressInfo, Server, Socket } from 'node:net'
import { createConnection, createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3'
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs'
import { buildApp } from 'fauxqs'
import { z } from 'zod'
import type { AwsClientOptions } from '../../src/adapters/aws-clients'

export const TEST_CREDENTIALS = { accessKeyId: 'test', secretAccessKey: 'test' }
export const TEST_REGION = 'us-east-1'

export interface AwsLocal {
  endpoint: string
  port: number
  /** Options for the adapters' client factories, pointing at this server. */
  aws: AwsClientOptions
  sqs: SQSClient
  s3: S3Client
  createQueue(name: string, attributes?: Record<string, string>): Promise<{ url: string; arn: string }>
  createBucket(name: string): Promise<void>
  /** Visible / in flight counts from GetQueueAttributes. */
  counts(url: string): Promise<{ visible: number; inFlight: number; delayed: number }>
  /**
   * The queue's messages in flight as fauxqs holds them (its inspection endpoint, which changes
   * nothing): each body, how often it was received and in how many seconds it is visible again.
   */
  inFlight(url: string): Promise<{ body: string; receives: number; visibleInSeconds: number }[]>
  stop(): Promise<void>
}

/** What fauxqs's inspection endpoint says of a queue (the parts read here). */
const InspectedQueue = z.object({
  messages: z.object({
    inflight: z.array(z.object({ message: z.object({ body: z.string(), approximateReceiveCount: z.number() }), visibilityDeadline: z.number() }))
  })
})

/** fauxqs (SQS + S3) on 127.0.0.1, port chosen by the OS. */
export async function startAwsLocal(): Promise<AwsLocal> {
  const app = buildApp({ logger: false })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const port = (app.server.address() as AddressInfo).port
  const endpoint = `http://127.0.0.1:${port}`
  const aws: AwsClientOptions = { region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint }
  const sqs = new SQSClient({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint })
  const s3 = new S3Client({ region: TEST_REGION, credentials: TEST_CREDENTIALS, endpoint, forcePathStyle: true })
  return {
    endpoint,
    port,
    aws,
    sqs,
    s3,
    async createQueue(name, attributes = {}) {
      const out = await sqs.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))
      const url = out.QueueUrl!
      const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }))
      return { url, arn: attrs.Attributes!.QueueArn! }
    },
    async createBucket(name) {
      await s3.send(new CreateBucketCommand({ Bucket: name }))
    },
    async counts(url) {
      const out = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: url,
          AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible', 'ApproximateNumberOfMessagesDelayed']
        })
      )
      const a = out.Attributes ?? {}
      return {
        visible: Number(a.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(a.ApproximateNumberOfMessagesNotVisible ?? 0),
        delayed: Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
      }
    },
    async inFlight(url) {
      const name = url.slice(url.lastIndexOf('/') + 1)
      const response = await fetch(`${endpoint}/_fauxqs/queues/${encodeURIComponent(name)}`)
      if (!response.ok) throw new Error(`fauxqs inspection of ${name}: HTTP ${response.status}`)
      const shown = InspectedQueue.parse(await response.json())
      return shown.messages.inflight.map((m) => ({
        body: m.message.body,
        receives: m.message.approximateReceiveCount,
        visibleInSeconds: Math.round((m.visibilityDeadline - Date.now()) / 100) / 10
      }))
    },
    async stop() {
      sqs.destroy()
      s3.destroy()
      await app.close()
    }
  }
}

interface S3rverInstance {
  run(): Promise<AddressInfo>
  close(): Promise<void>
}
type S3rverCtor = new (opts: Record<string, unknown>) => S3rverInstance

// s3rver accepts its fixed key pair, wants path-style URLs and no checksums it cannot compute.
const s3rverClientOptions = (endpoint: string): AwsClientOptions => ({
  region: TEST_REGION,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  endpoint,
  forcePathStyle: true,
  requestChecksumCalculation: 'WHEN_REQUIRED'
})

/** s3rver (file-backed S3) on 127.0.0.1; clients need `requestChecksumCalculation: 'WHEN_REQUIRED'`. */
export async function startS3rver(buckets: string[]): Promise<{ aws: AwsClientOptions; endpoint: string; stop(): Promise<void> }> {
  const S3rver = createRequire(import.meta.url)('s3rver') as S3rverCtor
  const directory = mkdtempSync(join(tmpdir(), 's3rver-'))
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name }))
  })
  const address = await server.run()
  const endpoint = `http://127.0.0.1:${address.port}`
  return {
    endpoint,
    aws: s3rverClientOptions(endpoint),
    async stop() {
      await server.close()
      rmSync(directory, { recursive: true, force: true })
    }
  }
}

/**
 * s3rver in a child process, so a download measured in this process carries none of the
 * server's memory. `seed` makes the child write a random object (multipart, 8 MiB parts)
 * and return its sha256: the bytes never pass through this process either.
 */
export interface S3Process {
  endpoint: string
  aws: AwsClientOptions
  seed(key: string, bytes: number): Promise<{ sha256: string }>
  stop(): Promise<void>
}

const S3_CHILD = `
import { createRequire } from 'node:module'
import { createHash, randomBytes } from 'node:crypto'
import { Readable } from 'node:stream'
import { fileURLToPath } from 'node:url'
import { S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
const { directory, buckets } = JSON.parse(process.argv[1])
const S3rver = createRequire(process.cwd() + '/package.json')('s3rver')
const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) })
const { port } = await server.run()
const client = new S3Client({ region: 'us-east-1', endpoint: 'http://127.0.0.1:' + port, forcePathStyle: true,
  credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' })
process.on('message', async (m) => {
  if (m.type === 'stop') { await server.close(); process.disconnect(); return }
  const hash = createHash('sha256')
  async function* random() {
    for (let left = m.bytes; left > 0; ) { const chunk = randomBytes(Math.min(left, 1 << 20)); hash.update(chunk); left -= chunk.length; yield chunk }
  }
  await new Upload({ client, params: { Bucket: m.bucket, Key: m.key, Body: Readable.from(random()) }, partSize: 8 << 20, queueSize: 2 }).done()
  process.send({ type: 'seeded', sha256: hash.digest('hex') })
})
process.send({ type: 'ready', port })
`

export async function startS3Process(bucket: string): Promise<S3Process> {
  const directory = mkdtempSync(join(tmpdir(), 's3rver-proc-'))
  const child = spawn(process.execPath, ['--input-type=module', '-e', S3_CHILD, JSON.stringify({ directory, buckets: [bucket] })], {
    cwd: fileURLToPath(new URL('../..', import.meta.url)),
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const next = <T>(type: string) =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (m: { type: string } & T) => {
        if (m.type !== type) return
        child.off('exit', onExit)
        child.off('message', onMessage)
        resolve(m)
      }
      const onExit = (code: number | null) => reject(new Error(`s3rver child exited (${code}) before ${type}`))
      child.on('message', onMessage)
      child.once('exit', onExit)
    })
  const { port } = await next<{ port: number }>('ready')
  const endpoint = `http://127.0.0.1:${port}`
  return {
    endpoint,
    aws: s3rverClientOptions(endpoint),
    async seed(key, bytes) {
      const done = next<{ sha256: string }>('seeded')
      child.send({ type: 'seed', bucket, key, bytes })
      return { sha256: (await done).sha256 }
    },
    async stop() {
      if (child.exitCode === null && child.connected) {
        const exited = new Promise((resolve) => child.once('exit', resolve))
        child.send({ type: 'stop' })
        await Promise.race([exited, sleepMs(5000)])
      }
      if (child.exitCode === null) child.kill()
      rmSync(directory, { recursive: true, force: true })
    }
  }
}

function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

/** A TCP proxy to `targetPort` that can be taken down (connections refused) and brought back on the same port. */
export interface ToggleProxy {
  endpoint: string
  /** The next connection forwards at most `bytes` from the server, then closes: a body torn mid-way. */
  cutNextAfter(bytes: number): void
  down(): Promise<void>
  up(): Promise<void>
  stop(): Promise<void>
}

export async function startToggleProxy(targetPort: number): Promise<ToggleProxy> {
  const sockets = new Set<Socket>()
  let server: Server | null = null
  let port = 0
  let cutNext: number | null = null
  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = createServer((client) => {
        const upstream = createConnection({ host: '127.0.0.1', port: targetPort })
        for (const sock of [client, upstream]) {
          sockets.add(sock)
          sock.on('close', () => sockets.delete(sock))
          sock.on('error', () => {
            client.destroy()
            upstream.destroy()
          })
        }
        const limit = cutNext
        cutNext = null
        client.pipe(upstream)
        if (limit === null) upstream.pipe(client)
        else {
          let sent = 0
          upstream.on('data', (chunk: Buffer) => {
            const part = chunk.subarray(0, Math.max(0, limit - sent))
            sent += part.length
            if (part.length > 0) client.write(part)
            if (sent >= limit) {
              upstream.destroy()
              client.end()
            }
          })
        }
      })
      s.once('error', reject)
      s.listen(port, '127.0.0.1', () => {
        port = (s.address() as AddressInfo).port
        server = s
        resolve()
      })
    })
  const close = () =>
    new Promise<void>((resolve) => {
      const s = server
      server = null
      for (const sock of sockets) sock.destroy()
      if (!s) return resolve()
      s.close(() => resolve())
    })
  await listen()
  return {
    endpoint: `http://127.0.0.1:${port}`,
    cutNextAfter: (bytes) => void (cutNext = bytes),
    down: close,
    up: listen,
    stop: close
  }
}

export type FaultKind = 'throttle' | 'unavailable'

interface FakeResponse {
  statusCode: number
  /** JSON (SQS's protocol) unless a string is given, which is sent as is (S3's XML). */
  body: unknown
  headers?: Record<string, string>
}

/**
 * Answers a client's next `times` calls of `command` (e.g. 'ReceiveMessageCommand') with a made-up
 * HTTP response, below the SDK's deserializer: its error parsing and retry logic see what AWS
 * would send. `make` gets the command input (to echo batch entry ids). Returns a counter.
 */
export function interceptResponse(
  client: SQSClient | S3Client,
  command: string,
  times: number,
  make: (input: Record<string, unknown>) => FakeResponse
): { count: () => number; remove: () => void } {
  let count = 0
  const name = `intercept-${command}-${Math.random()}`
  // The stack's generic types differ per client; the middleware itself is client-agnostic.
  const stack = client.middlewareStack as unknown as {
    add(mw: (next: (args: { input: Record<string, unknown> }) => Promise<unknown>, ctx: { commandName?: string }) => (args: { input: Record<string, unknown> }) => Promise<unknown>, opts: object): void
    remove(name: string): boolean
  }
  stack.add(
    (next, context) => async (args) => {
      if (context.commandName !== command || count >= times) return next(args)
      count++
      const { statusCode, body, headers } = make(args.input)
      const type = typeof body === 'object' && body !== null && '__type' in body ? String((body as { __type: unknown }).__type) : ''
      const raw = typeof body === 'string'
      return {
        response: {
          statusCode,
          reason: String(statusCode),
          headers: headers ?? (raw ? { 'content-type': 'application/xml' } : { 'content-type': 'application/x-amz-json-1.0', ...(type ? { 'x-amzn-query-error': `${type};Sender` } : {}) }),
          body: Readable.from([Buffer.from(raw ? body : JSON.stringify(body))])
        },
        output: undefined
      }
    },
    { step: 'deserialize', priority: 'low', name }
  )
  return { count: () => count, remove: () => void stack.remove(name) }
}

/** Throttling (HTTP 400 ThrottlingException) or an outage (HTTP 503) on the next `times` calls of `command`. */
export function injectFault(client: SQSClient, command: string, kind: FaultKind, times: number): { count: () => number; remove: () => void } {
  return interceptResponse(client, command, times, () =>
    kind === 'throttle'
      ? { statusCode: 400, body: { __type: 'ThrottlingException', message: 'Rate exceeded' } }
      : { statusCode: 503, body: { __type: 'ServiceUnavailable', message: 'Service is unavailable' } }
  )
}
