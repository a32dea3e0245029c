import { createClient, type SupabaseClient, type SupabaseClientOptions } from '@supabase/supabase-js'

class NoRealtime {
  constructor() {
    throw new Error('the Supabase store uses no realtime channels')
  }
}

/** A supabase-js client for server use: no session, no realtime, a timeout per request. */
export function createSupabaseClient(url: string, key: string, timeoutMs: number): SupabaseClient {
  return createClient(url, key, {
    auth: { persistSession: false, autoRefreshToken: false, detectSessionInUrl: false },
    db: { timeout: timeoutMs },
    // Realtime is never used; Node 20 has no WebSocket, and supabase-js would refuse to start without one.
    realtime: { transport: NoRealtime as unknown as NonNullable<NonNullable<SupabaseClientOptions<'public'>['realtime']>['transport']> }
  })
}
