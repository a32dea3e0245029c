/**
 * `videos.enqueue` on a shared queue (the CLI `enqueue` and the console both call it): with
 * AWS_SQS_URL and AWS_S3_BUCKET a local file is uploaded to S3 first and the message names
 * the object; with SQS and no bucket a local file is refused before anything is queued.
 */
import { createHash } from 'node:crypto'
import { copyFile, readFile, rm } from 'node:fs/promises'
import path from 'node:path'
import { GetObjectCommand } from '@aws-sdk/client-s3'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/shared/logger'
import { openApp, type App } from '../../src/app/open-app'
import { loadConfig } from '../../src/app/load-config'
import { ConsoleApiError } from '../../src/shared/console-api'
import type { WorkerEvent } from '../../src/shared/events'
import { startAwsLocal, type AwsLocal } from '../support/aws-local'
import { awsSettings, geminiSettings } from '../support/cloud-settings'
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini'
import { makeTestVideo, tempDir } from '../support/media'

let aws: AwsLocal
let gemini: FakeGemini
let dir: string
let cleanup: () => Promise<void>
let clip: string
const apps: App[] = []

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-enqueue-s3-'))
  aws = await startAwsLocal()
  gemini = await startFakeGemini()
  await aws.createBucket('media')
  clip = await makeTestVideo(dir)
})
afterAll(async () => {
  for (const app of apps) await app.close()
  await gemini?.close()
  await aws?.stop()
  await cleanup?.()
})

async function open(name: string, queueUrl: string, bucket: string | null): Promise<App> {
  const config = loadConfig({
    cwd: dir,
    envFileName: null,
    env: {
      DATA_DIR: path.join(dir, name),
      ...awsSettings(aws.endpoint, queueUrl, bucket),
      ...geminiSettings(gemini),
      POLL_WAIT_SECONDS: '1'
    }
  })
  const app = await openApp(config, { logger: createLogger({ level: 'silent' }) })
  apps.push(app)
  return app
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex')

describe('enqueue of a local file on SQS', () => {
  it('uploads the file to the bucket, queues an s3 source, and a worker completes it from S3', async () => {
    const { url } = await aws.createQueue('upload-videos', { VisibilityTimeout: '30' })
    const app = await open('data-upload', url, 'media')
    const local = path.join(dir, 'my clip.mp4')
    await copyFile(clip, local)
    const video = await app.core.api['videos.enqueue']({ source: { kind: 'file', path: local }, title: 'Uploaded' })
    expect(video.source).toEqual({ kind: 's3', bucket: 'media', key: `uploads/${video.id}/my_clip.mp4` })
    const object = await aws.s3.send(new GetObjectCommand({ Bucket: 'media', Key: `uploads/${video.id}/my_clip.mp4` }))
    expect(sha(Buffer.from(await object.Body!.transformToByteArray()))).toBe(sha(await readFile(clip)))
    // The worker can only have read S3: the local file is gone before it starts.
    await rm(local)
    const events: WorkerEvent[] = []
    app.core.events.subscribe((e) => events.push(e))
    await app.core.start()
    const until = Date.now() + 40_000
    while (!events.some((e) => (e.type === 'video.completed' || e.type === 'video.failed') && e.videoId === video.id)) {
      if (Date.now() > until) throw new Error('timed out waiting for the video')
      await new Promise((r) => setTimeout(r, 50))
    }
    await app.core.stop()
    const detail = await app.core.api['videos.get']({ id: video.id })
    expect(detail?.video.processingStatus).toBe('completed')
    expect(detail?.video.source).toEqual(video.source)
    expect(await aws.counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 })
  })

  it('refuses a local file when SQS is set without a bucket, queueing nothing', async () => {
    const { url } = await aws.createQueue('no-bucket-videos')
    const app = await open('data-no-bucket', url, null)
    const error = await app.core.api['videos.enqueue']({ source: { kind: 'file', path: clip } }).then(
      () => null,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(ConsoleApiError)
    expect((error as ConsoleApiError).code).toBe('bad-request')
    expect((error as ConsoleApiError).message).toBe(
      `cannot enqueue the local file ${clip} to SQS: a worker on another machine cannot read this path. ` +
        'Set AWS_S3_BUCKET so enqueue uploads the file to S3 first, or enqueue an s3://, http(s) or YouTube source'
    )
    expect(await aws.counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 })
    expect((await app.core.api['videos.list']({})).total).toBe(0)
    // Other sources still go through as given.
    const s3 = await app.core.api['videos.enqueue']({ source: { kind: 's3', bucket: 'media', key: 'in/x.mp4' } })
    expect(s3.source).toEqual({ kind: 's3', bucket: 'media', key: 'in/x.mp4' })
    expect((await aws.counts(url)).visible).toBe(1)
  })
})
