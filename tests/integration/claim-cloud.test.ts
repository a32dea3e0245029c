/**
 * Two workers as two machines would run them: one SQS queue (fauxqs), one Supabase table (the
 * PostgREST fake), each worker its own journal. Every message is sent twice; every video is
 * analysed once, and Retry from either console makes one message.
 */
import { randomUUID } from 'node:crypto'
import { mkdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type EmbeddedDb } from '../../src/adapters/embedded/database'
import { createSqsQueue } from '../../src/adapters/queue/sqs'
import { createJournal } from '../../src/adapters/store/journal'
import { createSupabaseStore } from '../../src/adapters/store/supabase'
import type { CoreHandle } from '../../src/core/core-handle'
import { createCore } from '../../src/core/create-core'
import type { Analyzer } from '../../src/core/ports'
import { startAwsLocal, type AwsLocal } from '../support/aws-local'
import { startFakeSupabase, TEST_SERVICE_KEY, type FakeSupabase } from '../support/fake-supabase'
import { gateAnalyzer, urlSource } from '../support/gate-analyzer'
import { tempDir } from '../support/media'

let aws: AwsLocal
let supabase: FakeSupabase
let journals: EmbeddedDb
let dir: string
let cleanup: () => Promise<void>

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-claim-cloud-'))
  ;[aws, supabase, journals] = await Promise.all([startAwsLocal(), startFakeSupabase(), openDatabase(null)])
})
afterAll(async () => {
  await aws?.stop()
  await supabase?.close()
  await journals?.close()
  await cleanup?.()
})

async function machine(queueUrl: string, analyzer: Analyzer, visibilityTimeoutSeconds = 3): Promise<CoreHandle> {
  const downloadDir = path.join(dir, randomUUID().slice(0, 8))
  await mkdir(downloadDir, { recursive: true })
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined }
  const store = createSupabaseStore({ url: supabase.rest.url, serviceRoleKey: TEST_SERVICE_KEY, backoff: { minTimeoutMs: 20, maxTimeoutMs: 100 } })
  await store.init()
  return createCore(
    { queue: await createSqsQueue({ queueUrl, aws: aws.aws, visibilityTimeoutSeconds }), sources: [urlSource], analyzer, store, journal: createJournal(journals), clock: { now: () => new Date() }, logger: silent },
    { concurrency: 2, pollWaitSeconds: 1, maxReceiveCount: 5, shutdownDeadlineSeconds: 1, downloadDir, dataDir: dir, readOnly: false, publicConfig: {}, backoffSeconds: () => 1 }
  )
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined | null | false> | T | undefined | null | false, ms = 60_000): Promise<T> {
  const until = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 100))
  }
}

describe('two machines on one SQS queue and one Supabase table', () => {
  it('every video sent twice is analysed once; Retry from both consoles at once makes one message', async () => {
    const { url } = await aws.createQueue('claims')
    const gate = gateAnalyzer()
    const a = await machine(url, gate.analyzer)
    const b = await machine(url, gate.analyzer)
    const ids: string[] = []
    for (let i = 0; i < 4; i++) ids.push((await a.api['videos.enqueue']({ source: { kind: 'http', url: `http://127.0.0.1:9/${i}.mp4` } })).id)
    const sqs = await createSqsQueue({ queueUrl: url, aws: aws.aws })
    for (const id of ids) await sqs.send(JSON.stringify({ video_id: id, source_type: 'http', url: `http://127.0.0.1:9/${id}.mp4` }))
    await Promise.all([a.start(), b.start()])
    await waitFor('both machines took work', () => gate.most >= 2)
    gate.release()
    await waitFor('all completed', async () => (await Promise.all(ids.map((id) => b.api['videos.get']({ id })))).every((d) => d?.video.processingStatus === 'completed'))
    await waitFor('queue empty', async () => {
      const c = await aws.counts(url)
      return c.visible + c.inFlight + c.delayed === 0
    })
    for (const id of ids) expect(gate.calls(id)).toBe(1)

    await Promise.all([a.stop(), b.stop()])
    const retries = await Promise.allSettled([a.api['videos.retry']({ id: ids[0]! }), b.api['videos.retry']({ id: ids[0]! })])
    expect(retries.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
    // A stop at its deadline leaves a long poll out for up to a poll's wait; a message it takes is handed back.
    const counts = await waitFor('no message held by a poll', async () => {
      const c = await aws.counts(url)
      return c.inFlight === 0 && c
    })
    expect(counts.visible).toBe(1)
    await Promise.all([a.close(), b.close(), sqs.close()])
  })

  it('a 5 s Supabase outage while a job runs: renewals fail and are tried again, the job keeps its claim and completes once', async () => {
    const { url } = await aws.createQueue('claims-blip')
    const gate = gateAnalyzer()
    // Claims of 8 s, renewed every 4 s and retried each second after a failure: an outage shorter than a claim costs nothing.
    const a = await machine(url, gate.analyzer, 8)
    const b = await machine(url, gate.analyzer, 8)
    const video = await a.api['videos.enqueue']({ source: { kind: 'http', url: 'http://127.0.0.1:9/blip.mp4' } })
    const sqs = await createSqsQueue({ queueUrl: url, aws: aws.aws })
    // A duplicate waits in the queue for the other machine, which must not take the video over.
    await sqs.send(JSON.stringify({ video_id: video.id, source_type: 'http', url: 'http://127.0.0.1:9/blip.mp4' }))
    await Promise.all([a.start(), b.start()])
    await waitFor('the run started', () => gate.calls(video.id) === 1)
    const requests = supabase.rest.requests.length
    supabase.rest.fail({ status: 503, times: 100_000 })
    await new Promise((r) => setTimeout(r, 5000))
    supabase.rest.clearFaults()
    expect(supabase.rest.requests.length).toBeGreaterThan(requests) // renewals were tried during the outage
    gate.release()
    await waitFor('completed', async () => (await a.api['videos.get']({ id: video.id }))?.video.processingStatus === 'completed')
    await waitFor('queue empty', async () => {
      const c = await aws.counts(url)
      return c.visible + c.inFlight + c.delayed === 0
    })
    expect(gate.calls(video.id)).toBe(1)
    expect((await a.api['videos.get']({ id: video.id }))?.video.attempts).toBe(1)
    await Promise.all([a.close(), b.close(), sqs.close()])
  })
})
