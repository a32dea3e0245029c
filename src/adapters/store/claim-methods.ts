/**
 * The Store's claim methods over the SQL functions of the claim migration, the same for every
 * store: claims and leased writes of concurrent jobs are grouped (`group-commit.ts`) into one
 * call of `claim_videos` / `update_leased_videos`; each store only says how to call them.
 */
import type { ClaimRequest, ClaimResult, Lease, Store, UnleasedRow, VideoPatch } from '../../core/ports'
import type { FailureCause } from '../../shared/video-status'
import type { Video } from '../../shared/video'
import { refusalOf, toUnleased } from './claim-rows'
import { createGroupCommit } from '../group-commit'
import { rowToVideo, videoPatchToRow, type ClaimedRow } from './rows'

export type ClaimMethods = Pick<Store, 'claim' | 'updateLeased' | 'renewLease' | 'requeue' | 'failUnleased' | 'listUnleased' | 'releaseClaimsOf'>

/** One claim request as `claim_videos` takes it. */
export interface ClaimEntry {
  id: string
  owner: string
  lease: number
  generation: number | null
  title: string | null
  source: unknown
}

/** A leased write as a job asks for it. */
interface LeaseWrite {
  id: string
  token: string
  /** Column values to set (JSON-ready), as `videoPatchToRow` makes them. */
  patch: Record<string, unknown>
  release: boolean
  /** Extend the lease by this many seconds from now. */
  renewSeconds: number | null
}

/** One leased write as `update_leased_videos` takes it. */
export interface WriteEntry {
  id: string
  token: string
  p: Record<string, unknown>
  release: boolean
  renew: number | null
}

/** How a store calls the claim migration's functions (and reads rows). */
export interface ClaimSql {
  claimVideos(requests: ClaimEntry[]): Promise<ClaimedRow[]>
  updateLeasedVideos(writes: WriteEntry[]): Promise<ClaimedRow[]>
  requeueVideo(id: string, newGeneration: boolean): Promise<ClaimedRow | null>
  settleVideo(id: string, cause: FailureCause, error: string, ifUpdatedAt: string | null): Promise<ClaimedRow | null>
  read(id: string): Promise<ClaimedRow | null>
  /** Sets the live leases of `owner` to end now; how many. */
  expireLeasesOf(owner: string): Promise<number>
  /** Unsettled rows with no live lease, unchanged since `before`, oldest first (queued rows never delivered left out). */
  unleased(before: Date, limit: number): Promise<ClaimedRow[]>
}

export function claimMethods(sql: ClaimSql): ClaimMethods {
  const claims = createGroupCommit<ClaimedRow, ClaimEntry>((requests) => sql.claimVideos(requests))
  const writes = createGroupCommit<ClaimedRow, LeaseWrite>((items) =>
    sql.updateLeasedVideos(items.map((w) => ({ id: w.id, token: w.token, p: w.patch, release: w.release, renew: w.renewSeconds })))
  )

  return {
    async claim(request: ClaimRequest): Promise<ClaimResult> {
      const row = await claims.submit({
        id: request.id,
        owner: request.owner,
        lease: request.leaseSeconds,
        generation: request.generation,
        title: request.title,
        source: request.source
      })
      if (row?.lease_token) return { claimed: true, video: rowToVideo(row), lease: { videoId: row.id, token: row.lease_token } }
      return { claimed: false, ...refusalOf(await sql.read(request.id), request) }
    },

    async updateLeased(lease: Lease, patch: VideoPatch, opts: { release?: boolean } = {}): Promise<Video | null> {
      const row = await writes.submit({ id: lease.videoId, token: lease.token, patch: videoPatchToRow(patch), release: opts.release ?? false, renewSeconds: null })
      return row ? rowToVideo(row) : null
    },

    async renewLease(lease: Lease, seconds: number): Promise<boolean> {
      return (await writes.submit({ id: lease.videoId, token: lease.token, patch: {}, release: false, renewSeconds: seconds })) !== null
    },

    async requeue(id: string, opts: { newGeneration: boolean }) {
      const row = await sql.requeueVideo(id, opts.newGeneration)
      return row ? { video: rowToVideo(row), generation: row.generation } : null
    },

    async failUnleased(id, failure, opts = {}) {
      const row = await sql.settleVideo(id, failure.cause, failure.error, opts.ifUpdatedAt ?? null)
      return row ? rowToVideo(row) : null
    },

    releaseClaimsOf: (owner) => sql.expireLeasesOf(owner),

    async listUnleased(before: Date, limit: number): Promise<UnleasedRow[]> {
      return (await sql.unleased(before, limit)).map(toUnleased)
    }
  }
}
