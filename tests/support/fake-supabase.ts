import { openDatabase, type EmbeddedDb } from '../../src/adapters/embedded/database'
import { startFakePostgrest, type FakePostgrest } from './fake-postgrest'

/** The service-role key the fake accepts; any other key is refused with HTTP 401. */
export const TEST_SERVICE_KEY = 'service-role-key-for-tests-0123456789'

/** Supabase as supabase-js sees it: the PostgREST fake over one in-memory PGlite. */
export interface FakeSupabase {
  db: EmbeddedDb
  rest: FakePostgrest
  close(): Promise<void>
}

export async function startFakeSupabase(): Promise<FakeSupabase> {
  const db = await openDatabase(null)
  try {
    const rest = await startFakePostgrest(db, { serviceKey: TEST_SERVICE_KEY })
    return {
      db,
      rest,
      close: async () => {
        await rest.close()
        await db.close()
      }
    }
  } catch (error) {
    await db.close()
    throw error
  }
}
