/**
 * What both stores share about claims: why a claim was refused (read from the row as it is),
 * and a row with its claim columns turned into the port's types.
 */
import type { ClaimRefusal, ClaimRequest, UnleasedRow } from '../../core/ports'
import { rowToVideo, toIso, type ClaimedRow } from './rows'

/** The reason a claim found nothing to take, from the row read after it (null: no row). */
export function refusalOf(row: ClaimedRow | null, request: Pick<ClaimRequest, 'generation'>): ClaimRefusal {
  if (!row) return { reason: 'missing', video: null }
  const video = rowToVideo(row)
  if (video.processingStatus === 'completed') return { reason: 'completed', video }
  if (video.processingStatus === 'failed' && video.errorCause === 'cancelled') return { reason: 'cancelled', video }
  if (request.generation !== null && row.generation > request.generation) return { reason: 'superseded', video, generation: row.generation }
  // Otherwise a live lease stood in the way (it may have ended since: the caller looks again later).
  return { reason: 'leased', video, owner: row.lease_owner, until: row.lease_until === null ? null : new Date(toIso(row.lease_until)) }
}

export function toUnleased(row: ClaimedRow): UnleasedRow {
  return { video: rowToVideo(row), lastOwner: row.lease_owner, leaseUntil: toIso(row.lease_until) }
}

/** The states a reconciler looks at: waiting after a delivery, in flight, or failed with a retry pending. */
export const UNSETTLED_STATUSES = ['queued', 'processing', 'downloading', 'uploading', 'failed'] as const
