/**
 * Two `video-processor worker` processes, each with its own DATA_DIR, share one SQS queue,
 * one S3 bucket and one Supabase table (fauxqs and the PostgREST fake in this process, the
 * Gemini fake for analysis): 200 messages → 200 videos completed, each exactly once.
 */
import type { ChildProcess } from 'node:child_process'
import { randomUUID } from 'node:crypto'
import path from 'node:path'
import { SendMessageBatchCommand } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EmbeddedDb } from '../../src/adapters/embedded/database'
import { startAwsLocal, type AwsLocal } from '../support/aws-local'
import { awsSettings, geminiSettings, supabaseSettings } from '../support/cloud-settings'
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini'
import type { FakePostgrest } from '../support/fake-postgrest'
import { startFakeSupabase, type FakeSupabase } from '../support/fake-supabase'
import { seedMediaBucket } from '../support/media-bucket'
import { tempDir } from '../support/media'
import { envWithoutSettings, startWorkerProcess } from '../support/worker-process'

const COUNT = 200

let aws: AwsLocal
let gemini: FakeGemini
let supabase: FakeSupabase | undefined
let db: EmbeddedDb
let rest: FakePostgrest
let dir: string
let cleanup: () => Promise<void>
const children = new Set<ChildProcess>()

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-two-workers-'))
  aws = await startAwsLocal()
  await seedMediaBucket(aws, dir)
  gemini = await startFakeGemini()
  gemini.nextFile = { processingPolls: 0, finalState: 'ACTIVE' }
  ;({ db, rest } = supabase = await startFakeSupabase())
})

afterAll(async () => {
  for (const c of children) c.kill('SIGKILL')
  await supabase?.close()
  await gemini?.close()
  await aws?.stop()
  await cleanup?.()
})

const startWorker = (env: NodeJS.ProcessEnv) => startWorkerProcess(env, dir, children)

describe('two worker processes on one SQS queue and one Supabase table', () => {
  it(`complete ${COUNT} videos, each exactly once`, async () => {
    const { url } = await aws.createQueue('videos')
    const clean = envWithoutSettings()
    const env = (name: string): NodeJS.ProcessEnv => ({
      ...clean,
      DATA_DIR: path.join(dir, name),
      ...awsSettings(aws.endpoint, url, 'media'),
      ...supabaseSettings(rest.url),
      ...geminiSettings(gemini),
      WORKER_CONCURRENCY: '4',
      POLL_WAIT_SECONDS: '2'
    })
    const workers = [startWorker(env('worker-a')), startWorker(env('worker-b'))]
    for (const w of workers) await w.waitFor(/Waiting for messages/)
    for (const w of workers) expect(w.output()).toMatch(/queue\s+sqs \(videos\)[\s\S]*store\s+supabase \(127\.0\.0\.1:\d+\)/)

    // The rows exist upstream, as the producers make them (id and title); then the messages go out.
    const ids = Array.from({ length: COUNT }, () => randomUUID())
    for (const id of ids) await db.query('insert into videos (id, title) values ($1, $2)', [id, `clip ${id.slice(0, 8)}`])
    for (let i = 0; i < COUNT; i += 10) {
      const batch = ids.slice(i, i + 10)
      const out = await aws.sqs.send(
        new SendMessageBatchCommand({
          QueueUrl: url,
          Entries: batch.map((id, k) => ({ Id: String(k), MessageBody: JSON.stringify({ video_id: id, source_type: 's3', s3_key: 'in/clip.mp4' }) }))
        })
      )
      expect(out.Failed ?? []).toEqual([])
    }

    const done = async () =>
      (await db.query<{ n: number }>(`select count(*)::int as n from videos where id = any($1::uuid[]) and processing_status in ('completed', 'failed')`, [ids])).rows[0]?.n ?? 0
    const until = Date.now() + 170_000
    while ((await done()) < COUNT) {
      if (Date.now() > until) throw new Error(`only ${await done()} of ${COUNT} finished:\n${workers.map((w) => w.output().slice(-2000)).join('\n---\n')}`)
      await new Promise((r) => setTimeout(r, 500))
    }

    for (const w of workers) w.proc.kill('SIGINT')
    expect(await Promise.all(workers.map((w) => w.exited))).toEqual([0, 0])

    const rows = (await db.query<{ id: string; processing_status: string; attempts: number; is_processed: boolean }>(
      'select id, processing_status, attempts, is_processed from videos where id = any($1::uuid[])',
      [ids]
    )).rows
    expect(rows.filter((r) => r.processing_status === 'completed' && r.is_processed && r.attempts === 1)).toHaveLength(COUNT)
    // Each video was completed by exactly one worker, once.
    const doneBy = workers.map((w) => ids.filter((id) => w.output().includes(`Video ${id}: done`)))
    const all = doneBy.flat()
    expect(all).toHaveLength(COUNT)
    expect(new Set(all).size).toBe(COUNT)
    for (const share of doneBy) expect(share.length).toBeGreaterThan(0)
    expect(gemini.count('generate')).toBe(COUNT)
    expect(await aws.counts(url)).toEqual({ visible: 0, inFlight: 0, delayed: 0 })
  }, 240_000)
})
