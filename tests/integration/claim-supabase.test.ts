/**
 * Claims on Supabase under the faults operators meet: an answer lost after the claim landed, an
 * outage during a leased write, a store without the claim migration.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type EmbeddedDb } from '../../src/adapters/embedded/database'
import { createEmbeddedStore } from '../../src/adapters/store/embedded'
import { createSupabaseStore } from '../../src/adapters/store/supabase'
import { startFakeSupabase, TEST_SERVICE_KEY as KEY, type FakeSupabase } from '../support/fake-supabase'
import { memoryLogger } from '../support/memory-logger'

let supabase: FakeSupabase
let embedded: EmbeddedDb
beforeAll(async () => {
  ;[supabase, embedded] = await Promise.all([startFakeSupabase(), openDatabase(null)])
})
afterAll(async () => {
  await supabase?.close()
  await embedded?.close()
})

const make = () => createSupabaseStore({ url: supabase.rest.url, serviceRoleKey: KEY, backoff: { minTimeoutMs: 10, maxTimeoutMs: 50, retries: 4 }, logger: memoryLogger() })
const request = (id: string, leaseSeconds = 0.4) => ({ id, title: null, source: null, owner: 'host-a:1', leaseSeconds, generation: null })

describe('claims under faults', () => {
  it('a claim whose answer was lost is not taken twice: the retry finds it leased, and it can be claimed once the lease ends', async () => {
    const store = make()
    const id = randomUUID()
    await store.createVideo({ id, title: null, source: null })
    supabase.rest.fail({ method: 'POST', reset: true, afterCommit: true })
    expect(await store.claim(request(id))).toMatchObject({ claimed: false, reason: 'leased', owner: 'host-a:1' })
    expect((await store.get(id))?.attempts).toBe(1)
    await new Promise((r) => setTimeout(r, 550))
    expect(await store.claim(request(id))).toMatchObject({ claimed: true, video: { attempts: 2 } })
  })

  it('a 503 blip during a leased write is retried and the write lands once', async () => {
    const store = make()
    const id = randomUUID()
    await store.createVideo({ id, title: null, source: null })
    const claim = await store.claim(request(id, 30))
    if (!claim.claimed) throw new Error('claim refused')
    supabase.rest.fail({ method: 'PATCH', status: 503, times: 2 })
    expect(await store.updateLeased(claim.lease, { processingStatus: 'downloading' })).toMatchObject({ processingStatus: 'downloading' })
    supabase.rest.fail({ method: 'POST', status: 503, times: 2 })
    expect(await store.renewLease(claim.lease, 30)).toBe(true)
  })

  it('a store without the claim migration names it at init (both stores)', async () => {
    await supabase.db.exec('alter table videos rename column lease_token to lease_token_old')
    try {
      await expect(make().init()).rejects.toThrow(/lease_token: apply supabase\/migrations\/20261202000001_videos_claim\.sql/)
    } finally {
      await supabase.db.exec('alter table videos rename column lease_token_old to lease_token')
    }
    await embedded.exec('alter table videos rename column generation to generation_old')
    try {
      await expect(createEmbeddedStore(embedded).init()).rejects.toThrow(/generation: apply supabase\/migrations\/20261202000001_videos_claim\.sql/)
    } finally {
      await embedded.exec('alter table videos rename column generation_old to generation')
    }
  })
})
