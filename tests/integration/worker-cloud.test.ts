import { readdirSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import { ReceiveMessageCommand, SendMessageCommand } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/shared/logger'
import { openApp, type App } from '../../src/app/open-app'
import { loadConfig } from '../../src/app/load-config'
import type { WorkerEvent } from '../../src/shared/events'
import type { EmbeddedDb } from '../../src/adapters/embedded/database'
import { startAwsLocal, type AwsLocal } from '../support/aws-local'
import { awsSettings, geminiSettings, supabaseSettings } from '../support/cloud-settings'
import type { FakePostgrest } from '../support/fake-postgrest'
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini'
import { startFakeSupabase, TEST_SERVICE_KEY as SERVICE_KEY, type FakeSupabase } from '../support/fake-supabase'
import { seedMediaBucket } from '../support/media-bucket'
import { tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'

// The composition root on cloud settings: SQS and S3 from fauxqs, Gemini from the fake server,
// Supabase from the PostgREST fake, all chosen by openApp from environment variables alone.
let supabase: FakeSupabase | undefined
let supabaseDb: EmbeddedDb
let rest: FakePostgrest
let aws: AwsLocal
let gemini: FakeGemini
let app: App
let dir: string
let cleanup: () => Promise<void>
let queueUrl: string
let dlqUrl: string
const events: WorkerEvent[] = []

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-cloud-'))
  aws = await startAwsLocal()
  gemini = await startFakeGemini()
  ;({ db: supabaseDb, rest } = supabase = await startFakeSupabase())
  const dlq = await aws.createQueue('videos-dlq')
  dlqUrl = dlq.url
  const redrive = JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: '3' })
  queueUrl = (await aws.createQueue('videos', { VisibilityTimeout: '30', RedrivePolicy: redrive })).url
  await seedMediaBucket(aws, dir)
  const config = loadConfig({
    cwd: dir,
    envFileName: null,
    env: {
      DATA_DIR: path.join(dir, 'data'),
      ...awsSettings(aws.endpoint, queueUrl, 'media'),
      ...geminiSettings(gemini),
      ...supabaseSettings(rest.url),
      POLL_WAIT_SECONDS: '1'
    }
  })
  app = await openApp(config, { logger: createLogger({ level: 'silent' }) })
  app.core.events.subscribe((e) => events.push(e))
})

afterAll(async () => {
  await app?.close()
  await gemini?.close()
  await aws?.stop()
  await supabase?.close()
  await cleanup()
})

describe('openApp with cloud settings', () => {
  it('picks SQS, S3, Gemini and Supabase from the environment', async () => {
    const status = await app.core.api['worker.status'](undefined)
    expect(status.backends.queue).toMatch(/sqs/i)
    expect(status.backends.source).toContain('s3')
    expect(status.backends.analyzer).toMatch(/gemini/i)
    expect(status.backends.store).toMatch(/supabase/i)
    const shown = JSON.stringify(await app.core.api['config.get'](undefined))
    expect(shown).not.toContain(gemini.apiKey)
    expect(shown).not.toContain(SERVICE_KEY)
  })

  it('processes an S3 video and a YouTube URL end to end through SQS and Gemini', async () => {
    // Every job directory that exists at any status change of the two jobs.
    const jobDirs = new Set<string>()
    const unsubscribe = app.core.events.subscribe((e) => {
      if (e.type === 'video.status') for (const d of readdirSync(app.config.downloadDir, { withFileTypes: true })) if (d.isDirectory()) jobDirs.add(d.name)
    })
    await app.core.start()
    const s3 = await app.core.api['videos.enqueue']({ source: { kind: 's3', key: 'in/clip.mp4' }, title: 'From S3' })
    const yt = await app.core.api['videos.enqueue']({ source: { kind: 'youtube', url: 'https://www.youtube.com/watch?v=dQw4w9WgXcQ' } })
    await waitUntil('both completed', () => [s3.id, yt.id].every((id) => events.some((e) => e.type === 'video.completed' && e.videoId === id)))
    unsubscribe()
    // The S3 download needs a job directory; the YouTube URL goes to Gemini as it is and needs none.
    expect([...jobDirs].filter((d) => d.startsWith(s3.id))).toEqual([`${s3.id}-1`])
    expect([...jobDirs].filter((d) => d.startsWith(yt.id))).toEqual([])
    const detail = await app.core.api['videos.get']({ id: s3.id })
    expect(detail?.video.processingStatus).toBe('completed')
    expect(detail?.analysis?.provenance.engine).toBe('gemini')
    const statuses = events.flatMap((e) => (e.type === 'video.status' && e.videoId === s3.id ? [e.status] : []))
    expect(statuses).toEqual(['queued', 'processing', 'downloading', 'processing', 'uploading', 'processing', 'completed'])
    expect((await app.core.api['stats.get'](undefined)).tokens.total).toBeGreaterThan(0)
    expect(gemini.files.size).toBe(0)
    // The table of record is Supabase's; the journal stays in the embedded database.
    const row = await supabaseDb.query<{ processing_status: string; is_processed: boolean }>('select processing_status, is_processed from videos where id = $1', [s3.id])
    expect(row.rows[0]).toEqual({ processing_status: 'completed', is_processed: true })
    expect(detail?.journal.some((j) => j.type === 'video.completed')).toBe(true)
    await app.core.stop()
    expect(await readdir(app.config.downloadDir)).toEqual([])
    expect(await aws.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 })
  })

  it('sends a message whose video has no Supabase row to the dead-letter queue, and carries on', async () => {
    await app.core.start()
    const orphan = '0b6c3a52-1f0e-4c7e-9d3b-5a2f8e1c4d70'
    await aws.sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: JSON.stringify({ video_id: orphan, source_type: 's3', s3_key: 'in/clip.mp4' }) }))
    const next = await app.core.api['videos.enqueue']({ source: { kind: 's3', key: 'in/clip.mp4' } })
    await waitUntil('next completed', () => events.some((e) => e.type === 'video.completed' && e.videoId === next.id))
    const dead = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlqUrl, WaitTimeSeconds: 5, MessageAttributeNames: ['All'] }))
    expect(dead.Messages?.[0]?.Body).toContain(orphan)
    // Moved by the worker (SQS's own redrive adds no reason) on the first delivery, not after maxReceiveCount (3).
    expect(dead.Messages?.[0]?.MessageAttributes?.['DeadLetterReason']?.StringValue).toBe(
      `video ${orphan} has no row in the Supabase videos table: create the row before sending its message (or enqueue it with video-processor enqueue)`
    )
    const deliveries = events.flatMap((e) => (e.type === 'message.received' && e.videoId === orphan ? [e.receiveCount] : []))
    expect(deliveries).toEqual([1])
    const logged = events.flatMap((e) => (e.type === 'log' && e.videoId === orphan ? [`${e.level}: ${e.message}`] : []))
    expect(logged).toEqual([expect.stringMatching(new RegExp(`^error: message \\S+ goes to the dead-letter queue at once \\(no row to record the failure on\\): video ${orphan} has no row`))])
    expect(await app.core.api['videos.get']({ id: orphan })).toBeNull()
    await app.core.stop()
    expect(await aws.counts(queueUrl)).toEqual({ visible: 0, inFlight: 0, delayed: 0 })
  })
})
