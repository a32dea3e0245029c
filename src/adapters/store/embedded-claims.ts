import type { ClaimRequest, ClaimResult, Lease, Store, UnleasedRow, VideoPatch } from '../../core/ports'
import type { Video } from '../../shared/video'
import type { EmbeddedDb } from '../embedded/database'
import { refusalOf, toUnleased, UNSETTLED_STATUSES } from './claim-rows'
import { createLeaseWriter, type LeaseWrite } from './lease-writer'
import { rowToVideo, videoPatchToRow, type ClaimedRow } from './rows'

type ClaimMethods = Pick<Store, 'claim' | 'updateLeased' | 'renewLease' | 'requeue' | 'failUnleased' | 'listUnleased'>

/** Column → how a patch value (JSON) becomes its SQL value in the merged update. */
const PATCH_COLUMNS: Record<string, string> = {
  processing_status: `u.p->>'processing_status'`,
  analysis_result: `u.p->>'analysis_result'`,
  is_processed: `(u.p->>'is_processed')::boolean`,
  attempts: `(u.p->>'attempts')::int`,
  error_cause: `u.p->>'error_cause'`,
  stage_ms: `u.p->'stage_ms'`,
  started_at: `(u.p->>'started_at')::timestamptz`,
  completed_at: `(u.p->>'completed_at')::timestamptz`,
  title: `u.p->>'title'`
}

/**
 * One statement for any number of leased writes: each row gets only the columns its own patch
 * names, and only while its lease token is still the row's.
 */
const MERGED_UPDATE = `update videos v set
  ${Object.entries(PATCH_COLUMNS)
    .map(([c, value]) => `${c} = case when u.p ? '${c}' then ${value} else v.${c} end`)
    .join(',\n  ')},
  lease_owner = case when u.release then null else v.lease_owner end,
  lease_token = case when u.release then null else v.lease_token end,
  lease_until = case when u.release then null when u.renew is not null then now() + make_interval(secs => u.renew) else v.lease_until end,
  updated_at = case when u.p = '{}'::jsonb and not u.release then v.updated_at else now() end
from jsonb_to_recordset($1::jsonb) as u(id uuid, token uuid, p jsonb, release boolean, renew float8)
where v.id = u.id and v.lease_token = u.token
returning v.*`

/** Claims on the embedded `videos` table, through the SQL functions of the claim migration. */
export function embeddedClaims(db: EmbeddedDb): ClaimMethods {
  const writer = createLeaseWriter<ClaimedRow>(async (writes: LeaseWrite[]) => {
    const entries = writes.map((w) => ({ id: w.id, token: w.token, p: w.patch, release: w.release, renew: w.renewSeconds }))
    return (await db.query<ClaimedRow>(MERGED_UPDATE, [JSON.stringify(entries)])).rows
  })
  const oneRow = async (sql: string, params: unknown[]): Promise<ClaimedRow | null> => (await db.query<ClaimedRow>(sql, params)).rows[0] ?? null

  return {
    async claim(request: ClaimRequest): Promise<ClaimResult> {
      const row = await oneRow(`select * from claim_video($1, $2, $3, $4, $5, $6::jsonb, true)`, [
        request.id,
        request.owner,
        request.leaseSeconds,
        request.generation,
        request.title,
        request.source === null ? null : JSON.stringify(request.source)
      ])
      if (row?.lease_token) return { claimed: true, video: rowToVideo(row), lease: { videoId: row.id, token: row.lease_token } }
      return { claimed: false, ...refusalOf(await oneRow(`select * from videos where id = $1`, [request.id]), request) }
    },

    async updateLeased(lease: Lease, patch: VideoPatch, opts: { release?: boolean } = {}): Promise<Video | null> {
      const row = await writer.submit({ id: lease.videoId, token: lease.token, patch: videoPatchToRow(patch), release: opts.release ?? false, renewSeconds: null })
      return row ? rowToVideo(row) : null
    },

    async renewLease(lease: Lease, seconds: number): Promise<boolean> {
      return (await writer.submit({ id: lease.videoId, token: lease.token, patch: {}, release: false, renewSeconds: seconds })) !== null
    },

    async requeue(id: string, opts: { newGeneration: boolean }) {
      const row = await oneRow(`select * from requeue_video($1, $2)`, [id, opts.newGeneration])
      return row ? { video: rowToVideo(row), generation: row.generation } : null
    },

    async failUnleased(id, failure, opts = {}) {
      const row = await oneRow(`select * from settle_video($1, $2, $3, $4::timestamptz)`, [id, failure.cause, failure.error, opts.ifUpdatedAt ?? null])
      return row ? rowToVideo(row) : null
    },

    async listUnleased(before: Date, limit: number): Promise<UnleasedRow[]> {
      const res = await db.query<ClaimedRow>(
        `select * from videos
          where processing_status = any($1::text[])
            and (processing_status <> 'failed' or completed_at is null)
            and (processing_status <> 'queued' or attempts > 0)
            and (lease_until is null or lease_until <= now())
            and updated_at < $2
          order by updated_at limit $3`,
        [UNSETTLED_STATUSES, before.toISOString(), limit]
      )
      return res.rows.map(toUnleased)
    }
  }
}
