import type { EmbeddedDb } from '../embedded/database'
import { UNSETTLED_STATUSES } from './claim-rows'
import { claimMethods, type ClaimMethods } from './claim-methods'
import type { ClaimedRow } from './rows'

/** Claims on the embedded `videos` table: the claim migration's functions, missing rows made claimed. */
export function embeddedClaims(db: EmbeddedDb): ClaimMethods {
  const rows = async (sql: string, params: unknown[]) => (await db.query<ClaimedRow>(sql, params)).rows
  const one = async (sql: string, params: unknown[]) => (await rows(sql, params))[0] ?? null
  return claimMethods({
    claimVideos: (requests) => rows(`select * from claim_videos($1::jsonb, true)`, [JSON.stringify(requests)]),
    updateLeasedVideos: (writes) => rows(`select * from update_leased_videos($1::jsonb)`, [JSON.stringify(writes)]),
    requeueVideo: (id, newGeneration) => one(`select * from requeue_video($1, $2)`, [id, newGeneration]),
    settleVideo: (id, cause, error, ifUpdatedAt) => one(`select * from settle_video($1, $2, $3, $4::timestamptz)`, [id, cause, error, ifUpdatedAt]),
    read: (id) => one(`select * from videos where id = $1`, [id]),
    async expireLeasesOf(owner) {
      const res = await db.query(`update videos set lease_until = now() where lease_owner = $1 and lease_until > now()`, [owner])
      return res.affectedRows ?? 0
    },
    unleased: (before, limit) =>
      rows(
        `select * from videos
          where processing_status = any($1::text[])
            and (processing_status <> 'failed' or completed_at is null)
            and (processing_status <> 'queued' or attempts > 0)
            and (lease_until is null or lease_until <= now())
            and updated_at < $2
          order by updated_at limit $3`,
        [UNSETTLED_STATUSES, before.toISOString(), limit]
      )
  })
}
