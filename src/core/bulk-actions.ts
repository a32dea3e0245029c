import { ConsoleApiError } from '../shared/console-api'
import type { BulkFilter, BulkOutcome } from '../shared/debugging'
import { VideoQuery, type Video } from '../shared/video'
import { failureCauseInfo } from '../shared/video-status'
import { isPendingRetry, matchesQuery, retryOutlook } from '../shared/video-view'
import type { Store } from './ports'
import type { Recorder } from './recorder'

export interface BulkDeps {
  store: Store
  recorder: Recorder
  /** Requeues a video; rejects with a `conflict` ConsoleApiError when its row says a message is pending or it runs. */
  requeue(video: Video): Promise<unknown>
}

interface Target {
  filter?: BulkFilter | undefined
  ids?: string[] | undefined
  dryRun?: boolean | undefined
}

const PAGE = 500

/**
 * The failed videos a bulk action is about: those of `ids`, or every failed video the filter
 * matches (read page by page before anything changes, so acting cannot shift the pages).
 * Cancelled videos are left out unless the filter asks for them by name.
 */
async function failedVideos(store: Store, target: Target): Promise<Video[]> {
  const filter = target.filter ?? {}
  const display = filter.display && filter.display.length > 0 ? filter.display.filter((d) => d === 'failed' || d === 'cancelled') : ['failed' as const]
  if (display.length === 0) return []
  const query = { ...filter, display }
  if (target.ids) {
    const rows = await Promise.all([...new Set(target.ids)].map((id) => store.get(id)))
    return rows.filter((v): v is Video => v !== null && v.processingStatus === 'failed' && matchesQuery(v, query))
  }
  const found: Video[] = []
  for (let offset = 0; ; offset += PAGE) {
    const page = await store.list(VideoQuery.parse({ ...query, status: ['failed'], sort: 'createdAt', order: 'asc', limit: PAGE, offset }))
    found.push(...page.items)
    if (page.items.length < PAGE || offset + PAGE >= page.total) break
  }
  return found
}

function outcome(matched: number, done: number, skipped: Map<string, number>): BulkOutcome {
  return { matched, done, skipped: [...skipped].map(([reason, count]) => ({ reason, count })) }
}

/**
 * Cancels a video that waits (queued, or failed with a retry pending), judged by its row with one
 * conditional update, so it holds across machines: a delivery that comes later finds the row
 * cancelled and is deleted without running. Null when the row is settled or a live claim holds it.
 */
export async function cancelWaiting(store: Store, recorder: Recorder, video: Video, why: string): Promise<Video | null> {
  const cancelled = await store.failUnleased(video.id, { cause: 'cancelled', error: why })
  if (!cancelled) return null
  recorder.emit({ type: 'video.updated', at: recorder.now(), video: cancelled })
  recorder.emit({ type: 'video.failed', at: recorder.now(), videoId: video.id, error: why, cause: 'cancelled', attempt: cancelled.attempts, final: true })
  return cancelled
}

export function createBulkActions(deps: BulkDeps) {
  const { store, recorder } = deps

  return {
    async retryMany(target: Target & { includeUnlikely?: boolean | undefined }): Promise<BulkOutcome> {
      const videos = await failedVideos(store, target)
      const skipped = new Map<string, number>()
      const skip = (reason: string) => skipped.set(reason, (skipped.get(reason) ?? 0) + 1)
      let done = 0
      for (const video of videos) {
        if (!video.source) skip('no recorded source')
        else if (isPendingRetry(video)) skip('retry already pending')
        else if (retryOutlook(video) === 'unlikely' && !target.includeUnlikely) skip('permanent cause')
        else if (target.dryRun) done += 1
        else {
          // The row decides (another console or machine may have acted since it was read).
          const requeued = await deps.requeue(video).then(
            () => true,
            (e: unknown) => {
              if (!(e instanceof ConsoleApiError) || e.code !== 'conflict') throw e
              return false
            }
          )
          if (requeued) done += 1
          else skip('changed meanwhile (queued, running or retrying)')
        }
      }
      return outcome(videos.length, done, skipped)
    },

    async cancelRetries(target: Target): Promise<BulkOutcome> {
      const videos = (await failedVideos(store, target)).filter(isPendingRetry)
      const skipped = new Map<string, number>()
      let done = 0
      for (const video of videos) {
        const ok =
          target.dryRun ||
          (await cancelWaiting(store, recorder, video, `retry cancelled by the operator (the attempt before failed: ${failureCauseInfo[video.errorCause ?? 'other'].label})`)) !== null
        if (ok) done += 1
        else skipped.set('running or settled meanwhile', (skipped.get('running or settled meanwhile') ?? 0) + 1)
      }
      return outcome(videos.length, done, skipped)
    }
  }
}
