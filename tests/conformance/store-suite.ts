/**
 * The Store port's contract (the `videos` table), run against every adapter (embedded
 * PGlite, Supabase through a fake PostgREST). The store may be shared by all tests of a
 * file, so each test marks its rows with a unique word and searches for it.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { Store } from '../../src/core/ports'
import { Video, VideoQuery } from '../../src/shared/video'
import type { VideoQuery as VideoQueryInput } from '../../src/shared/video'
import { matchesQuery } from '../../src/shared/video-view'

export interface StoreHarness {
  store: Store
  /** Inserts a row the way an upstream system would (Supabase: rows are made upstream). */
  insertUpstream?: (id: string, title: string | null) => Promise<void>
  cleanup(): Promise<void>
}

export interface StoreConformanceOptions {
  /** Whether ensureVideo creates a missing row (embedded) or rejects naming the id (Supabase). */
  ensureCreatesMissing: boolean
}

const word = (): string => `w${randomUUID().slice(0, 8)}`
const query = (q: VideoQueryInput) => VideoQuery.parse(q)

export function storeConformance(name: string, makeStore: () => Promise<StoreHarness>, opts: StoreConformanceOptions): void {
  describe(`Store conformance: ${name}`, () => {
    let harness: StoreHarness
    let store: Store
    beforeAll(async () => {
      harness = await makeStore()
      store = harness.store
      await store.init()
    })
    afterAll(async () => {
      await harness?.cleanup()
    })

    it('creates a queued video and reads it back as a valid Video', async () => {
      const id = randomUUID()
      const created = await store.createVideo({ id, title: 'First', source: { kind: 'file', path: '/videos/a.mp4' } })
      expect(Video.parse(created)).toEqual(created)
      expect(created).toMatchObject({
        id,
        title: 'First',
        source: { kind: 'file', path: '/videos/a.mp4' },
        processingStatus: 'queued',
        analysisResult: null,
        isProcessed: false,
        attempts: 0,
        errorCause: null,
        stageMs: {},
        startedAt: null,
        completedAt: null
      })
      expect(await store.get(id)).toEqual(created)
      await expect(store.createVideo({ id, title: 'Again', source: null })).rejects.toThrow(id)
    })

    it('returns null for an unknown id', async () => {
      expect(await store.get(randomUUID())).toBeNull()
    })

    it.runIf(opts.ensureCreatesMissing)('ensureVideo creates a missing row and keeps an existing one', async () => {
      const id = randomUUID()
      const made = await store.ensureVideo({ id, title: null, source: { kind: 'http', url: 'https://example.com/v.mp4' } })
      expect(made).toMatchObject({ id, processingStatus: 'queued', title: null })
      await store.update(id, { processingStatus: 'processing', attempts: 1 })
      const kept = await store.ensureVideo({ id, title: 'Named later', source: null })
      expect(kept).toMatchObject({ id, processingStatus: 'processing', attempts: 1, title: 'Named later' })
      expect(kept.source).toEqual({ kind: 'http', url: 'https://example.com/v.mp4' })
    })

    it.runIf(!opts.ensureCreatesMissing)('ensureVideo rejects a missing row naming its id, and returns an existing one', async () => {
      const id = randomUUID()
      await expect(store.ensureVideo({ id, title: null, source: null })).rejects.toThrow(id)
      const upstream = randomUUID()
      await harness.insertUpstream?.(upstream, 'From upstream')
      if (harness.insertUpstream) expect(await store.ensureVideo({ id: upstream, title: null, source: null })).toMatchObject({ id: upstream, title: 'From upstream' })
    })

    it('updates only the patched fields and moves updatedAt forward', async () => {
      const id = randomUUID()
      const created = await store.createVideo({ id, title: 'Patch me', source: null })
      await new Promise((resolve) => setTimeout(resolve, 15))
      const started = new Date('2026-01-02T03:04:05.678Z')
      const updated = await store.update(id, {
        processingStatus: 'failed',
        attempts: 2,
        errorCause: 'quota',
        analysisResult: 'Error: quota exhausted',
        stageMs: { download: 120, analyze: 3400 },
        startedAt: started
      })
      expect(Video.parse(updated)).toEqual(updated)
      expect(updated).toMatchObject({
        title: 'Patch me',
        processingStatus: 'failed',
        attempts: 2,
        errorCause: 'quota',
        analysisResult: 'Error: quota exhausted',
        isProcessed: false,
        stageMs: { download: 120, analyze: 3400 },
        completedAt: null,
        createdAt: created.createdAt
      })
      expect(Date.parse(updated.startedAt!)).toBe(started.getTime())
      expect(Date.parse(updated.updatedAt)).toBeGreaterThan(Date.parse(created.updatedAt))
      const done = await store.update(id, { processingStatus: 'completed', isProcessed: true, errorCause: null, completedAt: new Date() })
      expect(done).toMatchObject({ processingStatus: 'completed', isProcessed: true, errorCause: null, attempts: 2 })
      expect(await store.get(id)).toEqual(done)
      await expect(store.update(randomUUID(), { attempts: 1 })).rejects.toThrow(/not found/i)
    })

    it('lists with status filter, search by title or id prefix, sort, order, limit/offset and total', async () => {
      const w = word()
      const rows = [
        // Titles start lower-case so the order is the same under C and en_US collations.
        { title: `alpha ${w}`, status: 'completed', attempts: 1 },
        { title: `beta ${w}`, status: 'failed', attempts: 3 },
        { title: `gamma ${w.toUpperCase()}`, status: 'queued', attempts: 0 },
        { title: `delta ${w}`, status: 'failed', attempts: 2 },
        { title: `epsilon ${w}`, status: 'processing', attempts: 1 }
      ] as const
      const ids: string[] = []
      for (const row of rows) {
        const id = randomUUID()
        ids.push(id)
        await store.createVideo({ id, title: row.title, source: null })
        await store.update(id, { processingStatus: row.status, attempts: row.attempts })
      }
      const all = await store.list(query({ search: w, sort: 'title', order: 'asc' }))
      expect(all.total).toBe(5)
      expect(all.items.map((v) => v.title)).toEqual([`alpha ${w}`, `beta ${w}`, `delta ${w}`, `epsilon ${w}`, `gamma ${w.toUpperCase()}`])
      for (const item of all.items) expect(Video.parse(item)).toEqual(item)

      const failed = await store.list(query({ search: w, status: ['failed'], sort: 'attempts', order: 'desc' }))
      expect(failed.total).toBe(2)
      expect(failed.items.map((v) => v.attempts)).toEqual([3, 2])

      const twoStatuses = await store.list(query({ search: w, status: ['queued', 'processing'] }))
      expect(twoStatuses.items.map((v) => v.processingStatus).sort()).toEqual(['processing', 'queued'])

      const page = await store.list(query({ search: w, sort: 'title', order: 'desc', limit: 2, offset: 1 }))
      expect(page.total).toBe(5)
      expect(page.items.map((v) => v.title)).toEqual([`epsilon ${w}`, `delta ${w}`])

      const byId = await store.list(query({ search: ids[2]!.slice(0, 13).toUpperCase() }))
      expect(byId.items.map((v) => v.id)).toContain(ids[2])

      const none = await store.list(query({ search: `${w}-nothing` }))
      expect(none).toEqual({ items: [], total: 0 })

      const wildcard = await store.list(query({ search: `%${w}` }))
      expect(wildcard.total).toBe(0)
    })

    it('searches path, URL, key and error text, and filters by shown state, cause, analyzer and time, as matchesQuery does', async () => {
      const w = word()
      const analysis = (engine: string) => JSON.stringify({ summary: 's', topics: [], quiz: [], provenance: { engine, model: 'm', transcriptSource: 'none', warnings: [] } })
      const specs = [
        { key: 'file', source: { kind: 'file' as const, path: `/media/${w}-talk.mp4` }, patch: { processingStatus: 'completed' as const, analysisResult: analysis('local') } },
        { key: 'http', source: { kind: 'http' as const, url: `https://example.org/${w}/clip.mp4` }, patch: { processingStatus: 'completed' as const, analysisResult: analysis('gemini') } },
        { key: 's3', source: { kind: 's3' as const, bucket: 'b', key: `in/${w}.mp4` }, patch: { processingStatus: 'failed' as const, errorCause: 'quota' as const, analysisResult: 'Error: rate limited' } },
        { key: 'cancel', source: null, patch: { processingStatus: 'failed' as const, errorCause: 'cancelled' as const, analysisResult: `Error: cancelled ${w}` } },
        { key: 'nocause', source: null, patch: { processingStatus: 'failed' as const, errorCause: null, analysisResult: `Error: moov atom not found ${w}` } },
        { key: 'queued', source: null, patch: { processingStatus: 'queued' as const } }
      ]
      const ids = new Map<string, string>()
      for (const spec of specs) {
        const id = randomUUID()
        ids.set(spec.key, id)
        await store.createVideo({ id, title: spec.source ? null : `t ${w}`, source: spec.source })
        await store.update(id, spec.patch)
      }
      const mineOnly = (items: Video[]) => items.filter((v) => [...ids.values()].includes(v.id))
      const everyRow = mineOnly((await store.list(query({ limit: 20_000 }))).items)
      const keysOf = async (q: VideoQueryInput) => {
        const found = mineOnly((await store.list(query({ limit: 500, ...q }))).items).map((v) => v.id)
        // The console filters rows that change live with the shared predicate: it must agree with the store.
        expect(everyRow.filter((v) => matchesQuery(v, q)).map((v) => v.id).sort()).toEqual([...found].sort())
        return found.map((id) => [...ids].find(([, known]) => known === id)?.[0]).sort()
      }
      expect(await keysOf({ search: `${w}-talk` })).toEqual(['file'])
      expect(await keysOf({ search: `example.org/${w.toUpperCase()}` })).toEqual(['http'])
      expect(await keysOf({ search: `in/${w}` })).toEqual(['s3'])
      expect(await keysOf({ search: `moov atom not found ${w}` })).toEqual(['nocause'])
      expect(await keysOf({ search: w, display: ['failed'] })).toEqual(['nocause', 's3'])
      expect(await keysOf({ search: w, display: ['cancelled', 'queued'] })).toEqual(['cancel', 'queued'])
      expect(await keysOf({ search: w, causes: ['quota'] })).toEqual(['s3'])
      expect(await keysOf({ search: w, causes: ['other'] })).toEqual(['nocause'])
      expect(await keysOf({ search: w, analyzer: 'gemini' })).toEqual(['http'])
      expect(await keysOf({ search: w, analyzer: 'local' })).toEqual(['file'])
      expect(await keysOf({ search: w, updatedSince: new Date(Date.now() + 60_000).toISOString() })).toEqual([])
      expect((await keysOf({ search: w, updatedSince: new Date(Date.now() - 60_000).toISOString() })).length).toBe(6)
    })

    it('groups failures by cause with the latest message of each', async () => {
      const before = new Map((await store.failureGroups()).map((g) => [g.cause, g.count]))
      const fail = async (cause: 'quota' | 'timeout' | null, message: string): Promise<void> => {
        const id = randomUUID()
        await store.createVideo({ id, title: null, source: null })
        await store.update(id, { processingStatus: 'failed', errorCause: cause, analysisResult: message })
        await new Promise((resolve) => setTimeout(resolve, 5))
      }
      await fail('quota', 'Error: quota 1')
      await fail('timeout', 'Error: took too long')
      await fail('quota', 'Error: quota 2')
      await fail(null, 'Error: unknown')
      const after = await store.failureGroups()
      const group = (cause: string) => after.find((g) => g.cause === cause)
      expect(group('quota')).toMatchObject({ count: (before.get('quota') ?? 0) + 2, example: 'Error: quota 2' })
      expect(group('timeout')?.count).toBe((before.get('timeout') ?? 0) + 1)
      expect(group('other')?.count).toBe((before.get('other') ?? 0) + 1)
      const counts = after.map((g) => g.count)
      expect(counts).toEqual([...counts].sort((a, b) => b - a))
    })

    describe('claims', () => {
      const claimOf = (id: string, owner = 'host-a:1', leaseSeconds = 30, generation: number | null = null) =>
        store.claim({ id, title: null, source: null, owner, leaseSeconds, generation })
      const fresh = async () => {
        const id = randomUUID()
        await store.createVideo({ id, title: 'claim me', source: { kind: 'file', path: '/videos/c.mp4' } })
        return id
      }
      const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

      it('two concurrent claims of one video: exactly one wins, the other is told it is leased', async () => {
        const id = await fresh()
        const results = await Promise.all([claimOf(id, 'host-a:1'), claimOf(id, 'host-b:2')])
        const won = results.filter((r) => r.claimed)
        expect(won).toHaveLength(1)
        const lost = results.find((r) => !r.claimed)
        expect(lost).toMatchObject({ claimed: false, reason: 'leased' })
        if (won[0]?.claimed) expect(won[0].video).toMatchObject({ id, processingStatus: 'processing', attempts: 1, completedAt: null })
        expect(Video.parse((await store.get(id))!)).toMatchObject({ processingStatus: 'processing', attempts: 1 })
      })

      it('a duplicate after completion is refused as completed; a cancelled video as cancelled', async () => {
        const id = await fresh()
        const first = await claimOf(id)
        if (!first.claimed) throw new Error('first claim refused')
        const done = await store.updateLeased(first.lease, { processingStatus: 'completed', isProcessed: true, analysisResult: '{}', completedAt: new Date() }, { release: true })
        expect(done).toMatchObject({ processingStatus: 'completed', isProcessed: true })
        expect(await claimOf(id, 'host-b:2')).toMatchObject({ claimed: false, reason: 'completed' })
        expect((await store.get(id))?.attempts).toBe(1)

        const other = await fresh()
        expect(await store.failUnleased(other, { cause: 'cancelled', error: 'cancelled by the operator' })).toMatchObject({ processingStatus: 'failed', errorCause: 'cancelled' })
        expect(await claimOf(other)).toMatchObject({ claimed: false, reason: 'cancelled' })
      })

      it('an expired lease can be reclaimed, and the old holder can no longer write or renew', async () => {
        const id = await fresh()
        const first = await claimOf(id, 'host-a:1', 0.3)
        if (!first.claimed) throw new Error('first claim refused')
        expect(await store.renewLease(first.lease, 0.3)).toBe(true)
        expect(await claimOf(id, 'host-b:2')).toMatchObject({ claimed: false, reason: 'leased', owner: 'host-a:1' })
        await sleep(450)
        const second = await claimOf(id, 'host-b:2')
        expect(second).toMatchObject({ claimed: true, video: { attempts: 2, processingStatus: 'processing' } })
        expect(await store.updateLeased(first.lease, { processingStatus: 'completed' })).toBeNull()
        expect(await store.renewLease(first.lease, 30)).toBe(false)
        expect((await store.get(id))?.processingStatus).toBe('processing')
        if (second.claimed) expect(await store.updateLeased(second.lease, { processingStatus: 'downloading' })).toMatchObject({ processingStatus: 'downloading' })
      })

      it('a held lease keeps the row from being settled; a released one ends the claim', async () => {
        const id = await fresh()
        const claim = await claimOf(id)
        if (!claim.claimed) throw new Error('claim refused')
        expect(await store.failUnleased(id, { cause: 'stuck', error: 'no worker holds it' })).toBeNull()
        const failed = await store.updateLeased(claim.lease, { processingStatus: 'failed', errorCause: 'network', analysisResult: 'Error: reset', completedAt: null }, { release: true })
        expect(failed).toMatchObject({ processingStatus: 'failed', completedAt: null })
        // Failed with a retry pending: the next delivery claims it again.
        const again = await claimOf(id, 'host-b:2')
        expect(again).toMatchObject({ claimed: true, video: { attempts: 2 } })
      })

      it('requeue: only from a settled row, once for two at a time, and a new generation supersedes older messages', async () => {
        const id = await fresh()
        // Queued: a message is pending, so no second one.
        expect(await store.requeue(id, { newGeneration: true })).toBeNull()
        const claim = await claimOf(id, 'host-a:1', 30, 0)
        if (!claim.claimed) throw new Error('claim refused')
        expect(await store.requeue(id, { newGeneration: true })).toBeNull() // running
        await store.updateLeased(claim.lease, { processingStatus: 'failed', errorCause: 'quota', analysisResult: 'Error: quota', completedAt: new Date() }, { release: true })
        const both = await Promise.all([store.requeue(id, { newGeneration: true }), store.requeue(id, { newGeneration: true })])
        expect(both.filter((r) => r !== null)).toHaveLength(1)
        const requeued = both.find((r) => r !== null)!
        expect(requeued.video).toMatchObject({ processingStatus: 'queued', errorCause: null, completedAt: null })
        expect(requeued.generation).toBe(1)
        expect(await claimOf(id, 'host-a:1', 30, 0)).toMatchObject({ claimed: false, reason: 'superseded', generation: 1 })
        expect(await claimOf(id, 'host-a:1', 30, 1)).toMatchObject({ claimed: true })
      })

      it('concurrent leased writes of different videos each keep their own patch', async () => {
        const ids = await Promise.all([fresh(), fresh(), fresh()])
        const claims = await Promise.all(ids.map((id) => claimOf(id)))
        const leases = claims.map((c) => (c.claimed ? c.lease : null))
        const written = await Promise.all([
          store.updateLeased(leases[0]!, { processingStatus: 'downloading' }),
          store.updateLeased(leases[1]!, { processingStatus: 'failed', errorCause: 'timeout', analysisResult: 'Error: slow', stageMs: { download: 5 } }, { release: true }),
          store.updateLeased(leases[2]!, { processingStatus: 'completed', isProcessed: true, analysisResult: '{"a":1}', completedAt: new Date() }, { release: true }),
          store.updateLeased(leases[0]!, { processingStatus: 'processing', stageMs: { download: 7 } })
        ])
        expect(written.map((v) => v?.processingStatus)).toEqual(['downloading', 'failed', 'completed', 'processing'])
        expect(await store.get(ids[0]!)).toMatchObject({ processingStatus: 'processing', stageMs: { download: 7 }, attempts: 1 })
        expect(await store.get(ids[1]!)).toMatchObject({ processingStatus: 'failed', errorCause: 'timeout', analysisResult: 'Error: slow', stageMs: { download: 5 } })
        expect(await store.get(ids[2]!)).toMatchObject({ processingStatus: 'completed', isProcessed: true, analysisResult: '{"a":1}' })
      })

      it('releases at once the claims of an owner known dead, and only those', async () => {
        const mine = await fresh()
        const theirs = await fresh()
        const dead = `dead-host:${randomUUID().slice(0, 6)}`
        await claimOf(mine, dead, 600)
        await claimOf(theirs, 'live-host:1', 600)
        expect(await claimOf(mine, 'host-b:2')).toMatchObject({ claimed: false, reason: 'leased' })
        expect(await store.releaseClaimsOf(dead)).toBe(1)
        expect(await claimOf(mine, 'host-b:2')).toMatchObject({ claimed: true, video: { attempts: 2 } })
        expect(await claimOf(theirs, 'host-b:2')).toMatchObject({ claimed: false, reason: 'leased' })
      })

      it('lists unsettled rows nobody holds, and settles one only if it did not change meanwhile', async () => {
        const held = await fresh()
        const heldClaim = await claimOf(held)
        const dropped = await fresh()
        const droppedClaim = await claimOf(dropped, 'host-gone:9', 0.1)
        const waiting = await fresh() // queued, never delivered: waits in a backlog
        await sleep(250)
        const found = (await store.listUnleased(new Date(Date.now() + 1000), 10_000)).map((r) => r.video.id)
        expect(found).toContain(dropped)
        expect(found).not.toContain(held)
        expect(found).not.toContain(waiting)
        const row = (await store.listUnleased(new Date(Date.now() + 1000), 10_000)).find((r) => r.video.id === dropped)!
        expect(row.lastOwner).toBe('host-gone:9')
        expect(await store.failUnleased(dropped, { cause: 'stuck', error: 'x' }, { ifUpdatedAt: '2020-01-01T00:00:00.000Z' })).toBeNull()
        const settled = await store.failUnleased(dropped, { cause: 'stuck', error: 'no worker held it' }, { ifUpdatedAt: row.video.updatedAt })
        expect(settled).toMatchObject({ processingStatus: 'failed', errorCause: 'stuck', analysisResult: 'Error: no worker held it' })
        expect(settled?.completedAt).not.toBeNull()
        if (droppedClaim.claimed) expect(await store.updateLeased(droppedClaim.lease, { processingStatus: 'completed' })).toBeNull()
        expect(heldClaim.claimed).toBe(true)
      })
    })
  })
}
