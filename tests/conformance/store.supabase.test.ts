import { afterAll, beforeAll } from 'vitest'
import { createSupabaseStore } from '../../src/adapters/store/supabase'
import { startFakeSupabase, TEST_SERVICE_KEY, type FakeSupabase } from '../support/fake-supabase'
import { storeConformance } from './store-suite'

// Supabase as supabase-js sees it: the real client against a PostgREST-compatible fake over one PGlite.
let supabase: FakeSupabase
beforeAll(async () => {
  supabase = await startFakeSupabase()
})
afterAll(() => supabase?.close())

storeConformance(
  'supabase (supabase-js → fake PostgREST)',
  async () => {
    const store = createSupabaseStore({ url: supabase.rest.url, serviceRoleKey: TEST_SERVICE_KEY, backoff: { minTimeoutMs: 20, maxTimeoutMs: 100 } })
    return {
      store,
      insertUpstream: async (id, title) => {
        await supabase.db.query('insert into videos (id, title) values ($1, $2)', [id, title])
      },
      cleanup: () => store.close()
    }
  },
  { ensureCreatesMissing: false }
)
