import { hostname } from 'node:os'
import type { VideoJob } from '../../shared/queue-message'
import { IN_FLIGHT_STATUSES } from '../../shared/video-status'
import { JobError } from '../errors'
import type { Lease, Store } from '../ports'
import type { Recorder } from '../recorder'

/** This process, as a claim names its owner (for people reading the row). */
export const CLAIM_OWNER = `${hostname()}:${process.pid}`

/** A job's row write found that the video's claim is no longer this delivery's. */
export class ClaimLostError extends JobError {
  constructor(videoId: string) {
    super(`video ${videoId} is no longer claimed by this delivery (its lease ran out and another delivery took it over); this run stops`, {
      cause: 'other',
      retryable: true
    })
    this.name = 'ClaimLostError'
  }
}

/**
 * The recorder a claimed job writes through: its row writes land only while the claim is the
 * row's (and end it when the video leaves the in-flight states); anything else is unchanged.
 */
export function leasedRecorder(rec: Recorder, store: Store, lease: Lease): Recorder {
  return {
    ...rec,
    async update(id, patch) {
      if (id !== lease.videoId) return rec.update(id, patch)
      const release = patch.processingStatus !== undefined && !IN_FLIGHT_STATUSES.includes(patch.processingStatus)
      const video = await store.updateLeased(lease, patch, { release })
      if (!video) throw new ClaimLostError(id)
      rec.emit({ type: 'video.updated', at: rec.now(), video })
      return video
    }
  }
}

/**
 * Renews the claim at half its length while the job runs. A renewal that finds the claim gone
 * calls `onLost` (the job must stop: another delivery holds the video); a failed renewal (a
 * store blip) is tried again at the next tick, the claim lasting a full length meanwhile.
 */
export function keepClaim(store: Store, lease: Lease, seconds: number, onLost: () => void, onError: (e: unknown) => void): { stop(): Promise<void> } {
  let pending: Promise<void> | null = null
  let stopped = false
  const timer = setInterval(
    () => {
      if (pending || stopped) return
      pending = store
        .renewLease(lease, seconds)
        .then((held) => {
          if (!held && !stopped) {
            stopped = true
            clearInterval(timer)
            onLost()
          }
        }, onError)
        .finally(() => {
          pending = null
        })
    },
    Math.max(250, (seconds * 1000) / 2)
  )
  timer.unref?.()
  return {
    async stop() {
      stopped = true
      clearInterval(timer)
      if (pending) await pending
    }
  }
}

/** The generation a message of ours carries (`generation`), or null for other producers' messages. */
export function generationOf(job: VideoJob): number | null {
  return job.generation ?? null
}
