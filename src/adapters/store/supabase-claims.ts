import type { SupabaseClient } from '@supabase/supabase-js'
import { UNSETTLED_STATUSES } from './claim-rows'
import { claimMethods, type ClaimMethods } from './claim-methods'
import { VIDEO_COLUMNS, type ClaimedRow } from './rows'
import type { PostgrestAnswer } from './supabase-retry'

type Run = <T>(what: string, request: () => PromiseLike<PostgrestAnswer<T>>) => Promise<PostgrestAnswer<T>>

const CLAIM_SELECT = [...VIDEO_COLUMNS, 'lease_owner', 'lease_token', 'lease_until', 'generation'].join(',')

/**
 * Claims on Supabase: the claim migration's functions over `rpc`, so leases are judged by the
 * database's clock, the same for every machine, and the writes of concurrent jobs share requests.
 * Rows are not made here (they are made upstream or by `enqueue`).
 */
export function supabaseClaims(client: SupabaseClient, table: string, run: Run): ClaimMethods {
  const rpc = async (fn: string, args: Record<string, unknown>): Promise<ClaimedRow[]> => {
    const res = await run(fn, () => client.rpc(fn, args).retry(false))
    return (res.data ?? []) as unknown as ClaimedRow[]
  }
  const first = async (fn: string, args: Record<string, unknown>) => (await rpc(fn, args))[0] ?? null
  return claimMethods({
    claimVideos: (requests) => rpc('claim_videos', { p_requests: requests, p_create: false }),
    updateLeasedVideos: (writes) => rpc('update_leased_videos', { p_writes: writes }),
    requeueVideo: (id, newGeneration) => first('requeue_video', { p_id: id, p_new_generation: newGeneration }),
    settleVideo: (id, cause, error, ifUpdatedAt) => first('settle_video', { p_id: id, p_cause: cause, p_error: error, p_if_updated_at: ifUpdatedAt }),
    async read(id) {
      const res = await run(`read of video ${id}`, () => client.from(table).select(CLAIM_SELECT).eq('id', id).retry(false).maybeSingle<ClaimedRow>())
      return res.data ?? null
    },
    async expireLeasesOf(owner) {
      const now = new Date().toISOString()
      const res = await run(`release of the claims of ${owner}`, () =>
        client.from(table).update({ lease_until: now }).eq('lease_owner', owner).gt('lease_until', now).select('id').retry(false)
      )
      return (res.data ?? []).length
    },
    async unleased(before, limit) {
      // Judged by this machine's clock here; the update that settles a row judges again by the database's.
      const now = new Date().toISOString()
      const res = await run('list of unleased videos', () =>
        client
          .from(table)
          .select(CLAIM_SELECT)
          .in('processing_status', [...UNSETTLED_STATUSES])
          .or('processing_status.neq.failed,completed_at.is.null')
          .or('processing_status.neq.queued,attempts.gt.0')
          .or(`lease_until.is.null,lease_until.lte.${now}`)
          .lt('updated_at', before.toISOString())
          .order('updated_at', { ascending: true })
          .limit(limit)
          .retry(false)
      )
      return (res.data ?? []) as unknown as ClaimedRow[]
    }
  })
}
