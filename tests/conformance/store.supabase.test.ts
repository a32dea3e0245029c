import { afterAll, beforeAll } from 'vitest'
import { openDatabase, type EmbeddedDb } from '../../src/adapters/embedded/database'
import { createSupabaseStore } from '../../src/adapters/store/supabase'
import { startFakePostgrest, type FakePostgrest } from '../support/fake-postgrest'
import { storeConformance } from './store-suite'

// Supabase as supabase-js sees it: the real client against a PostgREST-compatible fake over one PGlite.
const KEY = 'service-role-key-for-tests-0123456789'
let db: EmbeddedDb
let rest: FakePostgrest
beforeAll(async () => {
  db = await openDatabase(null)
  rest = await startFakePostgrest(db, { serviceKey: KEY })
})
afterAll(async () => {
  await rest?.close()
  await db?.close()
})

storeConformance(
  'supabase (supabase-js → fake PostgREST)',
  async () => {
    const store = createSupabaseStore({ url: rest.url, serviceRoleKey: KEY, backoff: { minTimeoutMs: 20, maxTimeoutMs: 100 } })
    return {
      store,
      insertUpstream: async (id, title) => {
        await db.query('insert into videos (id, title) values ($1, $2)', [id, title])
      },
      cleanup: () => store.close()
    }
  },
  { ensureCreatesMissing: false }
)
