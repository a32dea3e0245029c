import type { SupabaseClient } from '@supabase/supabase-js'
import type { ClaimRequest, ClaimResult, Lease, Store, UnleasedRow, VideoPatch } from '../../core/ports'
import type { Video } from '../../shared/video'
import { refusalOf, toUnleased, UNSETTLED_STATUSES } from './claim-rows'
import { rowToVideo, videoPatchToRow, VIDEO_COLUMNS, type ClaimedRow } from './rows'
import type { PostgrestAnswer } from './supabase-retry'

type ClaimMethods = Pick<Store, 'claim' | 'updateLeased' | 'renewLease' | 'requeue' | 'failUnleased' | 'listUnleased'>
type Run = <T>(what: string, request: () => PromiseLike<PostgrestAnswer<T>>) => Promise<PostgrestAnswer<T>>

const CLAIM_SELECT = [...VIDEO_COLUMNS, 'lease_owner', 'lease_token', 'lease_until', 'generation'].join(',')

/**
 * Claims on Supabase through the SQL functions of the claim migration (`rpc`), so the lease
 * is judged by the database's clock, the same for every machine; a leased write is one PATCH
 * filtered by the lease token.
 */
export function supabaseClaims(client: SupabaseClient, table: string, run: Run): ClaimMethods {
  const from = () => client.from(table)
  const rpc = async (fn: string, args: Record<string, unknown>): Promise<ClaimedRow | null> => {
    const res = await run(`${fn}`, () => client.rpc(fn, args).retry(false))
    const rows = (res.data ?? []) as unknown as ClaimedRow[]
    return rows[0] ?? null
  }
  const read = async (id: string): Promise<ClaimedRow | null> => {
    const res = await run(`read of video ${id}`, () => from().select(CLAIM_SELECT).eq('id', id).retry(false).maybeSingle<ClaimedRow>())
    return res.data ?? null
  }

  return {
    async claim(request: ClaimRequest): Promise<ClaimResult> {
      const row = await rpc('claim_video', {
        p_id: request.id,
        p_owner: request.owner,
        p_lease_seconds: request.leaseSeconds,
        p_generation: request.generation,
        p_title: request.title,
        p_source: request.source,
        p_create: false
      })
      if (row?.lease_token) return { claimed: true, video: rowToVideo(row), lease: { videoId: row.id, token: row.lease_token } }
      return { claimed: false, ...refusalOf(await read(request.id), request) }
    },

    async updateLeased(lease: Lease, patch: VideoPatch, opts: { release?: boolean } = {}): Promise<Video | null> {
      const row: Record<string, unknown> = { ...videoPatchToRow(patch), updated_at: new Date().toISOString() }
      if (opts.release) Object.assign(row, { lease_owner: null, lease_token: null, lease_until: null })
      const res = await run(`update of video ${lease.videoId}`, () =>
        from().update(row).eq('id', lease.videoId).eq('lease_token', lease.token).select(CLAIM_SELECT).retry(false).maybeSingle<ClaimedRow>()
      )
      return res.data ? rowToVideo(res.data) : null
    },

    async renewLease(lease: Lease, seconds: number): Promise<boolean> {
      return (await rpc('renew_video_lease', { p_id: lease.videoId, p_token: lease.token, p_lease_seconds: seconds })) !== null
    },

    async requeue(id: string, opts: { newGeneration: boolean }) {
      const row = await rpc('requeue_video', { p_id: id, p_new_generation: opts.newGeneration })
      return row ? { video: rowToVideo(row), generation: row.generation } : null
    },

    async failUnleased(id, failure, opts = {}) {
      const row = await rpc('settle_video', { p_id: id, p_cause: failure.cause, p_error: failure.error, p_if_updated_at: opts.ifUpdatedAt ?? null })
      return row ? rowToVideo(row) : null
    },

    async listUnleased(before: Date, limit: number): Promise<UnleasedRow[]> {
      // The lease is judged by this machine's clock here; the update that settles a row judges it again by the database's.
      const now = new Date().toISOString()
      const res = await run('list of unleased videos', () =>
        from()
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
      return ((res.data ?? []) as unknown as ClaimedRow[]).map(toUnleased)
    }
  }
}
