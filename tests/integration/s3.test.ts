import { createHash, randomBytes } from 'node:crypto'
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3'
import { Upload } from '@aws-sdk/lib-storage'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createS3Client } from '../../src/adapters/aws-clients'
import { createS3Source } from '../../src/adapters/source/s3'
import { safeFileName } from '../../src/adapters/source/s3-filename'
import { fileSourceToS3, uploadKey, uploadToS3 } from '../../src/adapters/source/s3-upload'
import { JobError } from '../../src/core/errors'
import { parseQueueMessage } from '../../src/core/parse-message'
import type { FetchContext } from '../../src/core/ports'
import type { AwsLocal } from '../support/aws-local'
import { interceptResponse, startAwsLocal, startS3Process, startS3rver, startToggleProxy } from '../support/aws-local'

const BUCKET = 'videos'
let aws: AwsLocal
let root: string

beforeAll(async () => {
  aws = await startAwsLocal()
  await aws.createBucket(BUCKET)
  root = mkdtempSync(join(tmpdir(), 's3-test-'))
})
afterAll(async () => {
  await aws.stop()
  rmSync(root, { recursive: true, force: true })
})

let jobs = 0
function context(onProgress?: (bytes: number, total: number | null) => void) {
  const dir = join(root, `job-${++jobs}`, 'dl')
  mkdirSync(dir, { recursive: true })
  const logs: string[] = []
  const progress: [number, number | null][] = []
  const ctx: FetchContext = {
    videoId: '00000000-0000-4000-8000-000000000000',
    dir,
    signal: new AbortController().signal,
    onProgress: (b, t) => {
      progress.push([b, t])
      onProgress?.(b, t)
    },
    log: (m) => void logs.push(m)
  }
  return { ctx, dir, logs, progress }
}

async function put(key: string, body: Buffer) {
  await aws.s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body }))
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')
async function fileSha(path: string) {
  const hash = createHash('sha256')
  await pipeline(createReadStream(path), hash)
  return hash.digest('hex')
}

describe('S3 source on fauxqs', () => {
  it('streams an object into the job directory with progress and a size check', async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17)
    await put('clips/a.mp4', body)
    const source = createS3Source({ aws: aws.aws, bucket: BUCKET })
    const { ctx, dir, progress } = context()
    const got = await source.fetch({ kind: 's3', key: 'clips/a.mp4' }, ctx, { preferUrl: true })
    expect(got).toEqual({ kind: 'file', path: join(dir, 'a.mp4'), sizeBytes: body.length, temporary: true })
    expect(sha(readFileSync(join(dir, 'a.mp4')))).toBe(sha(body))
    expect(progress[0]).toEqual([0, body.length])
    expect(progress.at(-1)).toEqual([body.length, body.length])
    expect(progress.length).toBeGreaterThan(2)
    source.close()
  })

  it('never writes outside the job directory, whatever the key', () => {
    const dir = resolve(root, 'names')
    for (const key of ['../x', '/etc/passwd', 'a/../../b.mp4', '..', '.', 'a\\..\\..\\evil.mp4', '....//x', 'clip .mp4', 'ü?*:|<>.mp4', '../.bashrc', 'ｘ／．．／y']) {
      const name = safeFileName(key)
      expect(name).toMatch(/^[\w.-]+$/)
      expect(name.startsWith('.')).toBe(false)
      expect(dirname(resolve(dir, name))).toBe(dir)
    }
    expect(safeFileName('videos/My Clip (1).mp4')).toBe('My_Clip__1_.mp4')
    expect(safeFileName('..')).toBe('video')
  })

  it('downloads objects with hostile or odd keys inside the directory', async () => {
    const source = createS3Source({ aws: aws.aws, bucket: BUCKET })
    for (const key of ['../escape.mp4', 'nested/../../up.mp4', 'spaces and ünïcode?.mp4', '/abs/etc/passwd']) {
      const body = randomBytes(1000)
      await put(key, body)
      const { ctx, dir } = context()
      const got = await source.fetch({ kind: 's3', key }, ctx, { preferUrl: false })
      expect(got.kind).toBe('file')
      const path = got.kind === 'file' ? got.path : ''
      expect(dirname(path)).toBe(dir)
      expect(readdirSync(dirname(dir))).toEqual(['dl'])
      expect(sha(readFileSync(path))).toBe(sha(body))
    }
    source.close()
  })

  it('works from an S3 event notification message (URL-encoded key)', async () => {
    const body = randomBytes(5000)
    await put('incoming/My Clip (1).mp4', body)
    const event = {
      Records: [{ eventSource: 'aws:s3', eventName: 'ObjectCreated:Put', s3: { bucket: { name: BUCKET }, object: { key: 'incoming/My+Clip+%281%29.mp4', size: 5000 } } }]
    }
    const parsed = parseQueueMessage(JSON.stringify(event))
    expect(parsed.kind).toBe('jobs')
    const job = parsed.kind === 'jobs' ? parsed.jobs[0]! : null
    const source = createS3Source({ aws: aws.aws })
    const { ctx } = context()
    const got = await source.fetch(job!.source, ctx, { preferUrl: false })
    expect(got.kind === 'file' && sha(readFileSync(got.path))).toBe(sha(body))
    source.close()
  })

  it('NoSuchKey, NoSuchBucket and AccessDenied fail at once, not retryable, with a clear message; SlowDown is retryable', async () => {
    const source = createS3Source({ aws: aws.aws, bucket: BUCKET })
    const missing = await source.fetch({ kind: 's3', key: 'nope.mp4' }, context().ctx, { preferUrl: false }).catch((e: unknown) => e)
    expect(missing).toBeInstanceOf(JobError)
    expect(missing).toMatchObject({ failureCause: 'source-missing', retryable: false })
    expect(String(missing)).toMatch(/s3:\/\/videos\/nope\.mp4 not found \(NoSuchKey\)/)

    const noBucket = await source.fetch({ kind: 's3', bucket: 'no-such-bucket', key: 'x.mp4' }, context().ctx, { preferUrl: false }).catch((e: unknown) => e)
    expect(noBucket).toMatchObject({ failureCause: 'source-missing', retryable: false })

    const client = createS3Client(aws.aws)
    interceptResponse(client, 'GetObjectCommand', 1, () => ({
      statusCode: 403,
      body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>'
    }))
    const denied = await createS3Source({ client, bucket: BUCKET })
      .fetch({ kind: 's3', key: 'clips/a.mp4' }, context().ctx, { preferUrl: false })
      .catch((e: unknown) => e)
    expect(denied).toMatchObject({ failureCause: 'source-missing', retryable: false })
    expect(String(denied)).toMatch(/access denied to S3 object s3:\/\/videos\/clips\/a\.mp4 \(AccessDenied\)/)

    const throttled = createS3Client({ ...aws.aws, maxAttempts: 1 })
    interceptResponse(throttled, 'GetObjectCommand', 1, () => ({
      statusCode: 503,
      body: '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message></Error>'
    }))
    const slow = await createS3Source({ client: throttled, bucket: BUCKET })
      .fetch({ kind: 's3', key: 'clips/a.mp4' }, context().ctx, { preferUrl: false })
      .catch((e: unknown) => e)
    expect(slow).toMatchObject({ failureCause: 'quota', retryable: true })
    throttled.destroy()

    const noneConfigured = await createS3Source({ aws: aws.aws }).fetch({ kind: 's3', key: 'x' }, context().ctx, { preferUrl: false }).catch((e: unknown) => e)
    expect(String(noneConfigured)).toMatch(/AWS_S3_BUCKET/)
    client.destroy()
    source.close()
  })

  it('resumes a broken stream with a Range request from the bytes on disk', async () => {
    const body = randomBytes(10 * 1024 * 1024)
    await put('big/resume.bin', body)
    const proxy = await startToggleProxy(aws.port)
    // The first connection carries 4 MiB of the answer, then closes mid-body.
    proxy.cutNextAfter(4 * 1024 * 1024)
    const source = createS3Source({ aws: { ...aws.aws, endpoint: proxy.endpoint }, bucket: BUCKET, resumeDelayMs: 50 })
    const { ctx, logs } = context()
    const got = await source.fetch({ kind: 's3', key: 'big/resume.bin' }, ctx, { preferUrl: false })
    const broke = logs.map((l) => /broke off at (\d+) of 10485760 bytes.*resuming with a Range request/.exec(l)).find((m) => m !== null)
    expect(Number(broke?.[1])).toBeGreaterThan(0)
    expect(Number(broke?.[1])).toBeLessThan(4 * 1024 * 1024)
    expect(got.kind === 'file' && got.sizeBytes).toBe(body.length)
    expect(got.kind === 'file' && (await fileSha(got.path))).toBe(sha(body))
    source.close()
    await proxy.stop()
  })

  it('uploadToS3 sends a local file in 8 MiB multipart parts (over the 11 MiB body cap) under uploads/<id>/', async () => {
    const file = join(root, 'local clip.mp4')
    const body = randomBytes(20 * 1024 * 1024 + 5)
    writeFileSync(file, body)
    const id = '11111111-1111-4111-8111-111111111111'
    const seen: number[] = []
    const up = await uploadToS3({ filePath: file, bucket: BUCKET, videoId: id, aws: aws.aws, onProgress: (loaded) => seen.push(loaded) })
    expect(up).toMatchObject({ bucket: BUCKET, key: `uploads/${id}/local_clip.mp4`, sizeBytes: body.length })
    expect(up.key).toBe(uploadKey(file, id))
    expect(seen.at(-1)).toBe(body.length)
    const source = createS3Source({ aws: aws.aws, bucket: BUCKET })
    const got = await source.fetch({ kind: 's3', key: up.key }, context().ctx, { preferUrl: false })
    expect(got.kind === 'file' && (await fileSha(got.path))).toBe(sha(body))

    // enqueue's path on a shared queue: a local file becomes an S3 source; others pass through.
    const moved = await fileSourceToS3({ kind: 'file', path: file }, { bucket: BUCKET, videoId: id, aws: aws.aws })
    expect(moved).toEqual({ kind: 's3', bucket: BUCKET, key: `uploads/${id}/local_clip.mp4` })
    const fresh = await fileSourceToS3({ kind: 'file', path: file }, { bucket: BUCKET, aws: aws.aws })
    expect(fresh).toMatchObject({ kind: 's3', bucket: BUCKET, key: expect.stringMatching(/^uploads\/[0-9a-f-]{36}\/local_clip\.mp4$/) })
    const url = { kind: 'http' as const, url: 'https://example.com/v.mp4' }
    expect(await fileSourceToS3(url, { bucket: BUCKET, videoId: id, aws: aws.aws })).toBe(url)
    source.close()
  })
})

/** The Range and If-Match of every GetObject the client sends. */
function recordGets(client: S3Client): { range: string | undefined; ifMatch: string | undefined }[] {
  const seen: { range: string | undefined; ifMatch: string | undefined }[] = []
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const headers = (args.request as { headers?: Record<string, string> }).headers ?? {}
      if (context.commandName === 'GetObjectCommand') seen.push({ range: headers['range'], ifMatch: headers['if-match'] })
      return next(args)
    },
    { step: 'finalizeRequest', name: `record-gets-${Math.random()}` }
  )
  return seen
}

/** Objects over fauxqs's 11 MiB single-request cap go up in 8 MiB parts. */
async function putLarge(key: string, body: Buffer) {
  await new Upload({ client: aws.s3, params: { Bucket: BUCKET, Key: key, Body: body }, partSize: 8 * 1024 * 1024 }).done()
}

describe('S3 source: an object larger than a part comes in ranged parts side by side', () => {
  const MiB = 1024 * 1024

  it('asks for the first part, learns the size, fetches the rest of the same version in parallel, intact', async () => {
    const body = randomBytes(5 * MiB + 123)
    await put('parts/whole.bin', body)
    const client = createS3Client(aws.aws)
    const gets = recordGets(client)
    const source = createS3Source({ client, bucket: BUCKET, partSizeBytes: MiB, parallelParts: 3 })
    const { ctx, progress, logs } = context()
    const got = await source.fetch({ kind: 's3', key: 'parts/whole.bin' }, ctx, { preferUrl: false })
    expect(got.kind === 'file' && got.sizeBytes).toBe(body.length)
    expect(got.kind === 'file' && (await fileSha(got.path))).toBe(sha(body))
    expect(gets[0]).toEqual({ range: `bytes=0-${MiB - 1}`, ifMatch: undefined })
    const rest = gets.slice(1)
    expect(rest.map((g) => g.range).sort()).toEqual(
      [1, 2, 3, 4, 5].map((i) => `bytes=${i * MiB}-${Math.min(body.length, (i + 1) * MiB) - 1}`).sort()
    )
    expect(new Set(rest.map((g) => g.ifMatch)).size).toBe(1)
    expect(rest[0]?.ifMatch).toMatch(/\w/)
    expect(progress[0]).toEqual([0, body.length])
    expect(progress.at(-1)).toEqual([body.length, body.length])
    expect(logs.join('\n')).toMatch(/6 parts, 3 at once/)
    client.destroy()
  })

  it('an object no larger than a part, and an empty one, come in one request', async () => {
    const small = randomBytes(1000)
    await put('parts/small.bin', small)
    await put('parts/empty.bin', Buffer.alloc(0))
    const client = createS3Client(aws.aws)
    const gets = recordGets(client)
    const source = createS3Source({ client, bucket: BUCKET, partSizeBytes: MiB })
    const got = await source.fetch({ kind: 's3', key: 'parts/small.bin' }, context().ctx, { preferUrl: false })
    expect(got.kind === 'file' && sha(readFileSync(got.path))).toBe(sha(small))
    expect(gets).toEqual([{ range: `bytes=0-${MiB - 1}`, ifMatch: undefined }])
    const { ctx, progress } = context()
    const empty = await source.fetch({ kind: 's3', key: 'parts/empty.bin' }, ctx, { preferUrl: false })
    expect(empty.kind === 'file' && empty.sizeBytes).toBe(0)
    expect(empty.kind === 'file' && readFileSync(empty.path).length).toBe(0)
    expect(progress.at(-1)).toEqual([0, 0])
    client.destroy()
  })

  it('a part torn mid-body resumes from its bytes on disk, asking for the rest of that part only', async () => {
    const body = randomBytes(4 * MiB)
    await put('parts/torn.bin', body)
    const proxy = await startToggleProxy(aws.port)
    // The first connection (the first part's) carries 300 KiB of its answer, then closes mid-body.
    proxy.cutNextAfter(300 * 1024)
    const client = createS3Client({ ...aws.aws, endpoint: proxy.endpoint })
    const gets = recordGets(client)
    const source = createS3Source({ client, bucket: BUCKET, partSizeBytes: MiB, parallelParts: 2, resumeDelayMs: 50 })
    const { ctx, logs } = context()
    const got = await source.fetch({ kind: 's3', key: 'parts/torn.bin' }, ctx, { preferUrl: false })
    const broke = logs.map((l) => /broke off at (\d+) of 4194304 bytes.*resuming with a Range request/.exec(l)).find((m) => m !== null)
    const at = Number(broke?.[1])
    expect(at).toBeGreaterThan(0)
    expect(at).toBeLessThan(300 * 1024)
    expect(gets.map((g) => g.range)).toContain(`bytes=${at}-${MiB - 1}`)
    expect(got.kind === 'file' && (await fileSha(got.path))).toBe(sha(body))
    client.destroy()
    await proxy.stop()
  })

  it('rides out a 2 s outage in the middle: every connection cut, new ones refused, then back', async () => {
    const body = randomBytes(40 * MiB)
    await putLarge('parts/outage.bin', body)
    const proxy = await startToggleProxy(aws.port)
    const client = createS3Client({ ...aws.aws, endpoint: proxy.endpoint })
    const source = createS3Source({ client, bucket: BUCKET, partSizeBytes: MiB, parallelParts: 2, resumeDelayMs: 400 })
    let cut = false
    const { ctx, logs } = context((bytes) => {
      if (cut || bytes < 4 * MiB) return
      cut = true
      void proxy.down().then(() => setTimeout(() => void proxy.up(), 2000))
    })
    const got = await source.fetch({ kind: 's3', key: 'parts/outage.bin' }, ctx, { preferUrl: false })
    expect(cut).toBe(true)
    expect(logs.some((l) => /broke off|resume .* failed/.test(l))).toBe(true)
    expect(got.kind === 'file' && (await fileSha(got.path))).toBe(sha(body))
    client.destroy()
    await proxy.stop()
  }, 30_000)

  it('fails retryably, naming the change, when the object is replaced during the download', async () => {
    await put('parts/replaced.bin', randomBytes(3 * MiB))
    const client = createS3Client(aws.aws)
    let replaced = false
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const out = await next(args)
        // Once the first part's answer is in, another writer replaces the object.
        if (context.commandName === 'GetObjectCommand' && !replaced) {
          replaced = true
          await put('parts/replaced.bin', randomBytes(3 * MiB))
        }
        return out
      },
      { step: 'initialize', name: 'replace-after-first-get' }
    )
    const source = createS3Source({ client, bucket: BUCKET, partSizeBytes: MiB })
    const error = await source.fetch({ kind: 's3', key: 'parts/replaced.bin' }, context().ctx, { preferUrl: false }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(JobError)
    expect(error).toMatchObject({ retryable: true })
    expect(String(error)).toMatch(/s3:\/\/videos\/parts\/replaced\.bin changed during the download/)
    client.destroy()
  })

  it('a cancel mid-download stops every part at once: no request after it, the fetch rejects promptly, no whole-looking file', async () => {
    const body = randomBytes(40 * MiB)
    await putLarge('parts/cancel.bin', body)
    const client = createS3Client(aws.aws)
    const gets = recordGets(client)
    const source = createS3Source({ client, bucket: BUCKET, partSizeBytes: MiB, parallelParts: 2 })
    const controller = new AbortController()
    let abortedAt = 0
    const { ctx, dir } = context((bytes) => {
      if (abortedAt || bytes < 2 * MiB) return
      abortedAt = performance.now()
      controller.abort({ kind: 'cancel' })
    })
    const error = await source.fetch({ kind: 's3', key: 'parts/cancel.bin' }, { ...ctx, signal: controller.signal }, { preferUrl: false }).catch((e: unknown) => e)
    const rejectedAfter = performance.now() - abortedAt
    expect(abortedAt).toBeGreaterThan(0)
    expect(error).toBeInstanceOf(Error)
    expect(rejectedAfter).toBeLessThan(1000)
    const sent = gets.length
    expect(sent).toBeLessThan(40)
    await new Promise((resolve) => setTimeout(resolve, 300))
    expect(gets.length).toBe(sent)
    // Parts that landed around the holes never leave a file that looks whole.
    for (const f of readdirSync(dir)) expect(readFileSync(join(dir, f)).length).toBeLessThan(body.length)
    client.destroy()
  })
})

describe('S3 source on s3rver', () => {
  it('a streamed PUT is stored byte-exact when the client sends checksums only when required', async () => {
    const server = await startS3rver([BUCKET])
    try {
      const file = join(root, 'streamed.bin')
      const body = randomBytes(3 * 1024 * 1024 + 3)
      writeFileSync(file, body)
      const client = createS3Client(server.aws)
      // A stream body is where the SDK's default (aws-chunked + trailer) would be stored as data by s3rver.
      await client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'streamed.bin', Body: createReadStream(file), ContentLength: body.length }))
      const source = createS3Source({ client, bucket: BUCKET })
      const got = await source.fetch({ kind: 's3', key: 'streamed.bin' }, context().ctx, { preferUrl: false })
      expect(got.kind === 'file' && got.sizeBytes).toBe(body.length)
      expect(got.kind === 'file' && (await fileSha(got.path))).toBe(sha(body))
      client.destroy()
    } finally {
      await server.stop()
    }
  })
})

describe('S3 source: large object from s3rver in another process', () => {
  it('downloads 200 MB intact while this process grows by less than 64 MB', async () => {
    const server = await startS3Process(BUCKET)
    try {
      const size = 200 * 1024 * 1024
      const { sha256 } = await server.seed('large/200mb.bin', size)
      const source = createS3Source({ aws: server.aws })
      const { ctx } = context()
      const baseline = process.memoryUsage.rss()
      let peak = baseline
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage.rss())), 10)
      const got = await source.fetch({ kind: 's3', bucket: BUCKET, key: 'large/200mb.bin' }, ctx, { preferUrl: false })
      clearInterval(timer)
      peak = Math.max(peak, process.memoryUsage.rss())
      expect(got.kind === 'file' && got.sizeBytes).toBe(size)
      expect((peak - baseline) / 2 ** 20).toBeLessThan(64)
      expect(got.kind === 'file' && (await fileSha(got.path))).toBe(sha256)
      rmSync(dirname(ctx.dir), { recursive: true, force: true })
      source.close()
    } finally {
      await server.stop()
    }
  }, 120_000)
})
