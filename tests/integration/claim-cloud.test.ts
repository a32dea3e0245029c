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

async function machine(queueUrl: string, analyzer: Analyzer): Promise<CoreHandle> {
  const downloadDir = path.join(dir, randomUUID().slice(0, 8))
  await mkdir(downloadDir, { recursive: true })
  const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined }
  const store = createSupabaseStore({ url: supabase.rest.url, serviceRoleKey: TEST_SERVICE_KEY, backoff: { minTimeoutMs: 20, maxTimeoutMs: 100 } })
  await store.init()
  return createCore(
    { queue: await createSqsQueue({ queueUrl, aws: aws.aws, visibilityTimeoutSeconds: 3 }), sources: [urlSource], analyzer, store, journal: createJournal(journals), clock: { now: () => new Date() }, logger: silent },
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
    expect((await aws.counts(url)).visible).toBe(1)
    await Promise.all([a.close(), b.close(), sqs.close()])
  })
})
