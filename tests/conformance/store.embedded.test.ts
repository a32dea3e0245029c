import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openDatabase, type EmbeddedDb } from '../../src/adapters/embedded/database'
import { createEmbeddedStore } from '../../src/adapters/store/embedded'
import { VideoQuery } from '../../src/shared/video'
import { storeConformance } from './store-suite'

// One in-memory PGlite for the file; the suite and the extras share it.
let db: EmbeddedDb
beforeAll(async () => {
  db = await openDatabase(null)
})
afterAll(async () => {
  await db?.close()
})

storeConformance(
  'embedded (PGlite)',
  async () => ({ store: createEmbeddedStore(db), cleanup: async () => undefined }),
  { ensureCreatesMissing: true }
)

describe('embedded store extras', () => {
  it('reads rows written by other programs leniently', async () => {
    const id = randomUUID()
    await db.query(
      `insert into videos (id, processing_status, is_processed, error_cause, source, stage_ms)
       values ($1, 'pending', false, 'martian', '{"kind":"ftp"}', '{"download": 5, "bogus": 1, "save": -3}')`,
      [id]
    )
    const video = await createEmbeddedStore(db).get(id)
    expect(video).toMatchObject({ processingStatus: 'queued', errorCause: 'other', source: null, stageMs: { download: 5 } })
  })

  it('sorts titles case-insensitively', async () => {
    const w = `case${randomUUID().slice(0, 6)}`
    const store = createEmbeddedStore(db)
    for (const title of [`Banana ${w}`, `apple ${w}`, `Cherry ${w}`]) await store.createVideo({ id: randomUUID(), title, source: null })
    const page = await store.list(VideoQuery.parse({ search: w, sort: 'title', order: 'asc' }))
    expect(page.items.map((v) => v.title)).toEqual([`apple ${w}`, `Banana ${w}`, `Cherry ${w}`])
  })

  it('names the migration to apply when a column is missing', async () => {
    const store = createEmbeddedStore(db)
    await db.exec('alter table videos rename column stage_ms to stage_ms_old')
    try {
      await expect(store.init()).rejects.toThrow(/stage_ms.*20261126000002_videos_console_columns\.sql/)
    } finally {
      await db.exec('alter table videos rename column stage_ms_old to stage_ms')
    }
    await store.init()
  })

  it('pages, filters and searches 10,000 rows with correct totals', async () => {
    const w = `bulk${randomUUID().slice(0, 6)}`
    // Statuses cycle through five values; titles carry the row number.
    await db.query(
      `insert into videos (id, title, processing_status, attempts, created_at)
       select gen_random_uuid(), $1 || ' video ' || lpad(n::text, 5, '0'),
              (array['queued','processing','completed','failed','downloading'])[1 + n % 5], n % 4,
              now() - make_interval(secs => n)
         from generate_series(1, 10000) as n`,
      [w]
    )
    const store = createEmbeddedStore(db)
    const q = (input: Parameters<typeof VideoQuery.parse>[0]) => store.list(VideoQuery.parse(input))
    const all = await q({ search: w, limit: 100 })
    expect(all.total).toBe(10_000)
    expect(all.items).toHaveLength(100)
    // Newest first by default: row 1 was created last.
    expect(all.items[0]?.title).toBe(`${w} video 00001`)
    const failed = await q({ search: w, status: ['failed'], sort: 'title', order: 'asc', limit: 3, offset: 10 })
    expect(failed.total).toBe(2_000)
    expect(failed.items.map((v) => v.title)).toEqual([`${w} video 00053`, `${w} video 00058`, `${w} video 00063`])
    const one = await q({ search: `${w} VIDEO 09999` })
    expect(one.total).toBe(1)
    const plan = await db.query<{ 'QUERY PLAN': string }>(
      `explain select id from videos where processing_status = 'failed' order by created_at desc limit 50`
    )
    expect(plan.rows.map((r) => r['QUERY PLAN']).join('\n')).toMatch(/Index Scan/)
  })
})
