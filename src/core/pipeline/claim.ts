import { hostname } from 'node:os'
import type { VideoJob } from '../../shared/queue-message'
import { IN_FLIGHT_STATUSES } from '../../shared/video-status'
import { JobError } from '../errors'
import type { Lease, Store } from '../ports'
import type { Recorder } from '../recorder'
import { startRenewals } from './renewal-loop'

/** A process as a claim names its owner: host and pid (also how a restarted owner names a dead one). */
export function claimOwnerOf(pid: number): string {
  return `${hostname()}:${pid}`
}

/** This process, as its claims name it. */
export const CLAIM_OWNER = claimOwnerOf(process.pid)

/** A job's row write found that the video's claim is no longer this delivery's. */
export class ClaimLostError extends JobError {
  constructor(videoId: string) {
    super(`video ${videoId} is no longer claimed by this delivery (its lease ran out and another delivery took it over); this run stops`, {
      failure: 'other',
      retryable: true
    })
    this.name = 'ClaimLostError'
  }
}

/**
 * The recorder a claimed job writes through: its row writes land only while the claim is the
 * row's (and end it when the video leaves the in-flight states); anything else is unchanged.
 */
export function leasedRecorder(recorder: Recorder, store: Store, lease: Lease): Recorder {
  return {
    ...recorder,
    async update(id, patch) {
      if (id !== lease.videoId) return recorder.update(id, patch)
      const release = patch.processingStatus !== undefined && !IN_FLIGHT_STATUSES.includes(patch.processingStatus)
      const video = await store.updateLeased(lease, patch, { release })
      if (!video) throw new ClaimLostError(id)
      recorder.emit({ type: 'video.updated', at: recorder.now(), video })
      return video
    }
  }
}

/**
 * Renews the claim at half its length while the job runs. A renewal that finds the claim gone
 * calls `onLost` (the job must stop: another delivery holds the video). A renewal that fails (a
 * store blip) is tried again within a second, until one lands: the claim lasts its full length
 * from the last renewal, so a blip shorter than half of it costs nothing.
 */
export function keepClaim(store: Store, lease: Lease, seconds: number, onLost: () => void, onError: (e: unknown) => void): { stop(): Promise<void> } {
  const everyMs = Math.max(250, (seconds * 1000) / 2)
  const retryMs = Math.min(1000, everyMs / 2)
  let ended = false
  const loop = startRenewals(everyMs, () =>
    store.renewLease(lease, seconds).then(
      (held) => {
        if (held) return everyMs
        if (!ended) onLost()
        return null
      },
      (error: unknown) => {
        onError(error)
        return retryMs
      }
    )
  )
  return {
    async stop() {
      ended = true
      await loop.stop()
    }
  }
}

/** The generation a message of ours carries (`generation`), or null for other producers' messages. */
export function generationOf(job: VideoJob): number | null {
  return job.generation ?? null
}
