import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { PutObjectCommand } from '@aws-sdk/client-s3'
import { SendMessageCommand } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/shared/logger'
import { loadConfig } from '../../src/app/load-config'
import { openApp, type App } from '../../src/app/open-app'
import type { WorkerEvent } from '../../src/shared/events'
import { startAwsLocal, type AwsLocal } from '../support/aws-local'
import { awsSettings, geminiSettings, supabaseSettings } from '../support/cloud-settings'
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini'
import { startFakeSupabase, type FakeSupabase } from '../support/fake-supabase'
import { makeTestVideo, tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'

// S3 event notifications as S3 sends them to SQS (fauxqs has no notifications of its own, so the
// test plays S3's part): one record per upload, the key URL-encoded, a sequencer per write of a key.
let aws: AwsLocal
let gemini: FakeGemini
let supabase: FakeSupabase
let dir: string
let cleanup: () => Promise<void>
let clip: Buffer

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-s3-events-'))
  aws = await startAwsLocal()
  gemini = await startFakeGemini()
  supabase = await startFakeSupabase()
  await aws.createBucket('uploads')
  clip = await readFile(await makeTestVideo(dir))
}, 120_000)
afterAll(async () => {
  await gemini?.close()
  await aws?.stop()
  await supabase?.close()
  await cleanup()
})

function notification(key: string, opts: { sequencer: string; versionId?: string; eventName?: string }): string {
  return JSON.stringify({
    Records: [
      {
        eventVersion: '2.1',
        eventSource: 'aws:s3',
        awsRegion: 'us-east-1',
        eventTime: new Date().toISOString(),
        eventName: opts.eventName ?? 'ObjectCreated:Put',
        userIdentity: { principalId: 'AWS:AIDAEXAMPLE' },
        s3: {
          s3SchemaVersion: '1.0',
          configurationId: 'new-videos',
          bucket: { name: 'uploads', ownerIdentity: { principalId: 'A3EXAMPLE' }, arn: 'arn:aws:s3:::uploads' },
          object: { key: encodeURIComponent(key).replace(/%20/g, '+').replace(/%2F/g, '/'), size: clip.length, eTag: 'd41d8cd98f00b204e9800998ecf8427e', sequencer: opts.sequencer, ...(opts.versionId ? { versionId: opts.versionId } : {}) }
        }
      }
    ]
  })
}

async function openFor(name: string, extra: Record<string, string>): Promise<{ app: App; queueUrl: string; events: WorkerEvent[] }> {
  const queueUrl = (await aws.createQueue(name, { VisibilityTimeout: '30' })).url
  const config = loadConfig({
    cwd: dir,
    envFileName: null,
    env: { DATA_DIR: path.join(dir, name), ...awsSettings(aws.endpoint, queueUrl, 'uploads'), ...geminiSettings(gemini), POLL_WAIT_SECONDS: '1', ...extra }
  })
  const app = await openApp(config, { logger: createLogger({ level: 'silent' }) })
  const events: WorkerEvent[] = []
  app.core.events.subscribe((e) => events.push(e))
  return { app, queueUrl, events }
}

async function rowsFor(app: App, key: string) {
  const page = await app.core.api['videos.list']({ limit: 100 })
  return page.items.filter((v) => v.source?.kind === 's3' && v.source.key === key)
}

for (const store of ['embedded', 'supabase'] as const) {
  describe(`S3 event notifications with the ${store} store`, () => {
    it('makes each upload of a key its own video, analyses a repeated notification once, and ignores removals', async () => {
      const { app, queueUrl, events } = await openFor(`events-${store}`, store === 'supabase' ? supabaseSettings(supabase.rest.url) : {})
      try {
        const key = `${store}/Lecture 1.mp4`
        const send = (body: string) => aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }))
        const settled = () => waitUntil('the queue to be empty', async () => JSON.stringify(await aws.counts(queueUrl)) === JSON.stringify({ visible: 0, inFlight: 0, delayed: 0 }))
        const completed = () => events.filter((e) => e.type === 'video.completed').length
        const before = gemini.count('generate')
        await app.core.start()

        await aws.s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: clip }))
        await send(notification(key, { sequencer: '0055AED6DCD90281E5' }))
        await waitUntil('the first upload to complete', () => completed() === 1)
        const perVideo = gemini.count('generate') - before

        // SQS delivers at least once: the same notification again is the same video, not a new analysis.
        await send(notification(key, { sequencer: '0055AED6DCD90281E5' }))
        await settled()
        expect(await rowsFor(app, key)).toHaveLength(1)

        // The key uploaded again: a new object, so a new video.
        await aws.s3.send(new PutObjectCommand({ Bucket: 'uploads', Key: key, Body: clip }))
        await send(notification(key, { sequencer: '0055AED6DCD902A1F7' }))
        await waitUntil('the second upload to complete', () => completed() === 2)
        await send(notification(key, { sequencer: '0055AED6DCD902B000', eventName: 'ObjectRemoved:Delete' }))
        await settled()

        const rows = await rowsFor(app, key)
        expect(rows).toHaveLength(2)
        expect(new Set(rows.map((r) => r.id)).size).toBe(2)
        expect(rows.every((r) => r.processingStatus === 'completed')).toBe(true)
        expect(rows.map((r) => r.title)).toEqual(['Lecture 1.mp4', 'Lecture 1.mp4'])
        expect(gemini.count('generate') - before).toBe(perVideo * 2)
        expect(events.filter((e) => e.type === 'video.failed')).toEqual([])
        if (store === 'supabase') {
          const inSupabase = await supabase.db.query<{ n: number }>("select count(*)::int as n from videos where source->>'key' = $1 and processing_status = 'completed'", [key])
          expect(inSupabase.rows[0]?.n).toBe(2)
        }
      } finally {
        await app.close()
      }
    })
  })
}
