import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { EmbeddedDb } from '../../src/adapters/embedded/database'
import { createSupabaseStore, type SupabaseStoreOptions } from '../../src/adapters/store/supabase'
import { JobError } from '../../src/core/errors'
import { VideoQuery } from '../../src/shared/video'
import type { FakePostgrest } from '../support/fake-postgrest'
import { startFakeSupabase, TEST_SERVICE_KEY as KEY, type FakeSupabase } from '../support/fake-supabase'
import { memoryLogger } from '../support/memory-logger'

let supabase: FakeSupabase | undefined
let db: EmbeddedDb
let rest: FakePostgrest

beforeAll(async () => {
  ;({ db, rest } = supabase = await startFakeSupabase())
})
afterAll(() => supabase?.close())

const make = (over: Partial<SupabaseStoreOptions> = {}) =>
  createSupabaseStore({ url: rest.url, serviceRoleKey: KEY, backoff: { minTimeoutMs: 10, maxTimeoutMs: 50, retries: 3 }, ...over })
const requestsSince = (n: number) => rest.requests.slice(n)

describe('Supabase store on a PostgREST-compatible fake', () => {
  it('init: a wrong key is one clear error naming the variable, never the key', async () => {
    const error = await make({ serviceRoleKey: 'wrong-key-1234567890' }).init().catch((e: unknown) => e)
    expect(String(error)).toMatch(/refused the key \(HTTP 401\): check SUPABASE_SERVICE_ROLE_KEY/)
    expect(String(error)).not.toContain('wrong-key')
    expect(String(error)).not.toContain(KEY)
  })

  it('init: a missing column names it and the migration to apply; a missing table names the migrations', async () => {
    await db.exec('alter table videos rename column stage_ms to stage_ms_old')
    await db.exec('alter table videos rename column error_cause to error_cause_old')
    try {
      await expect(make().init()).rejects.toThrow(
        /lacks column\(s\) error_cause, stage_ms: apply supabase\/migrations\/20261126000002_videos_console_columns\.sql/
      )
    } finally {
      await db.exec('alter table videos rename column stage_ms_old to stage_ms')
      await db.exec('alter table videos rename column error_cause_old to error_cause')
    }
    await make().init()
    await expect(make({ table: 'videos_missing' }).init()).rejects.toThrow(/videos_missing table does not exist.*20261126000001_videos\.sql/)
  })

  it('ensureVideo on a missing row is a non-retryable JobError naming the id; an existing row gains a missing title', async () => {
    const store = make()
    const id = randomUUID()
    const error = await store.ensureVideo({ id, title: 'x', source: null }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(JobError)
    expect(error).toMatchObject({ failureCause: 'bad-message', retryable: false })
    expect(String(error)).toContain(id)
    await db.query('insert into videos (id) values ($1)', [id])
    const filled = await store.ensureVideo({ id, title: 'Named', source: { kind: 's3', key: 'k.mp4' } })
    expect(filled).toMatchObject({ id, title: 'Named', source: { kind: 's3', key: 'k.mp4' }, processingStatus: 'queued' })
  })

  it('retries 503, 429 and dropped connections with backoff, logging each, then succeeds', async () => {
    const logger = memoryLogger()
    const store = make({ logger })
    const id = randomUUID()
    await store.createVideo({ id, title: 'retry me', source: null })
    rest.fail({ times: 2, status: 503, method: 'GET' })
    expect((await store.get(id))?.title).toBe('retry me')
    rest.fail({ times: 1, status: 429, method: 'PATCH', message: 'Too Many Requests' })
    rest.fail({ times: 1, reset: true, method: 'PATCH' })
    expect(await store.update(id, { processingStatus: 'processing', attempts: 1 })).toMatchObject({ processingStatus: 'processing', attempts: 1 })
    const warnings = logger.lines.filter((l) => l.startsWith('warn'))
    expect(warnings.filter((l) => /HTTP 503/.test(l))).toHaveLength(2)
    expect(warnings.some((l) => /HTTP 429/.test(l))).toBe(true)
    expect(warnings.some((l) => /\(network/.test(l))).toBe(true)
    expect(logger.lines.some((l) => /succeeded after 2 failed attempt/.test(l))).toBe(true)
  })

  it('an insert whose answer was lost is retried and finds its own row; a real duplicate is refused', async () => {
    const store = make({ logger: memoryLogger() })
    const id = randomUUID()
    rest.fail({ times: 1, reset: true, afterCommit: true, method: 'POST' })
    expect(await store.createVideo({ id, title: 'lost answer', source: null })).toMatchObject({ id, title: 'lost answer', processingStatus: 'queued' })
    expect((await db.query('select id from videos where id = $1', [id])).rows).toHaveLength(1)
    await expect(store.createVideo({ id, title: 'again', source: null })).rejects.toThrow(`Video ${id} already exists`)
    // An update whose answer was lost is simply applied again.
    rest.fail({ times: 1, reset: true, afterCommit: true, method: 'PATCH' })
    expect(await store.update(id, { attempts: 3 })).toMatchObject({ attempts: 3 })
  })

  it('gives up after the retries on a lasting outage, and never retries a client error', async () => {
    const store = make({ logger: memoryLogger() })
    rest.fail({ times: 10, status: 500, method: 'GET' })
    const before = rest.requests.length
    await expect(store.get(randomUUID())).rejects.toThrow(/Supabase read of video .* failed \(HTTP 500/)
    expect(requestsSince(before)).toHaveLength(4)
    rest.clearFaults()

    rest.fail({ times: 1, status: 400, code: 'PGRST100', method: 'GET' })
    const at = rest.requests.length
    await expect(store.get(randomUUID())).rejects.toThrow(/HTTP 400, PGRST100/)
    expect(requestsSince(at)).toHaveLength(1)
  })

  it('search treats commas, parentheses, quotes, backslashes and LIKE wildcards as plain text', async () => {
    const store = make()
    const w = `odd${randomUUID().slice(0, 6)}`
    const titles = [`${w} a,b (c) "d"`, `${w} back\\slash`, `${w} 50% off`, `${w} snake_case`, `${w} star*x`, `${w} plain`]
    for (const title of titles) await store.createVideo({ id: randomUUID(), title, source: null })
    const find = async (search: string) => (await store.list(VideoQuery.parse({ search, sort: 'title', order: 'asc' }))).items.map((v) => v.title)
    expect(await find(`${w} a,b (c) "d"`)).toEqual([`${w} a,b (c) "d"`])
    expect(await find('back\\slash')).toEqual([`${w} back\\slash`])
    expect((await find('%')).filter((t) => t?.startsWith(w))).toEqual([`${w} 50% off`])
    expect((await find('_')).filter((t) => t?.startsWith(w))).toEqual([`${w} snake_case`])
    expect(await find(`${w} pl`)).toEqual([`${w} plain`])
  })

  it('an offset past the end is an empty page with the right total (PostgREST answers 416)', async () => {
    const store = make()
    const w = `past${randomUUID().slice(0, 6)}`
    for (let i = 0; i < 3; i++) await store.createVideo({ id: randomUUID(), title: `${w} ${i}`, source: null })
    const before = rest.requests.length
    expect(await store.list(VideoQuery.parse({ search: w, offset: 10, limit: 5 }))).toEqual({ items: [], total: 3 })
    expect(requestsSince(before).map((r) => r.method)).toEqual(['GET', 'HEAD'])
    expect(requestsSince(before)[0]?.prefer).toMatch(/count=exact/)
  })

  it('failure groups count unknown causes as other, with the latest message', async () => {
    const store = make()
    const before = new Map((await store.failureGroups()).map((g) => [g.cause, g.count]))
    const id = randomUUID()
    await db.query(`insert into videos (id, processing_status, error_cause, analysis_result, updated_at) values ($1, 'failed', 'martian', 'Error: from mars', now() + interval '1 hour')`, [id])
    const groups = await store.failureGroups()
    expect(groups.find((g) => g.cause === 'other')).toMatchObject({ count: (before.get('other') ?? 0) + 1, example: 'Error: from mars' })
  })

  it('sends the service-role key and asks for representations on writes', async () => {
    const store = make()
    const id = randomUUID()
    const before = rest.requests.length
    await store.createVideo({ id, title: 'wire', source: null })
    await store.update(id, { isProcessed: true })
    const [insert, update] = requestsSince(before)
    expect(insert).toMatchObject({ method: 'POST', table: 'videos' })
    expect(insert?.prefer).toMatch(/return=representation/)
    expect(update).toMatchObject({ method: 'PATCH' })
    expect(update?.query).toContain(`id=eq.${id}`)
  })
})
