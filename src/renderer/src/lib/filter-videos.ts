import type { Video } from '../../../shared/video'
import type { VideoStatus } from '../../../shared/video-status'

export type SortKey = 'createdAt' | 'updatedAt' | 'title' | 'processingStatus' | 'attempts'
export type SortOrder = 'asc' | 'desc'

/** What the operator narrowed the list to. */
export interface ListView {
  statuses: VideoStatus[]
  search: string
  sort: SortKey
  order: SortOrder
}

export const defaultView: ListView = { statuses: [], search: '', sort: 'createdAt', order: 'desc' }

/** The same rule as the server's `VideoQuery.search`: id prefix or title substring, case-insensitive. */
export function matchesSearch(video: Video, search: string): boolean {
  const needle = search.trim().toLowerCase()
  if (needle === '') return true
  return video.id.startsWith(needle) || (video.title ?? '').toLowerCase().includes(needle)
}

// Status order for sorting: the pipeline's own order, so "sort by status" groups sensibly.
const STATUS_RANK: Record<VideoStatus, number> = { queued: 0, processing: 1, downloading: 2, uploading: 3, completed: 4, failed: 5 }

function compare(a: Video, b: Video, key: SortKey): number {
  switch (key) {
    case 'title':
      return (a.title ?? '').localeCompare(b.title ?? '', undefined, { sensitivity: 'base' })
    case 'processingStatus':
      return STATUS_RANK[a.processingStatus] - STATUS_RANK[b.processingStatus]
    case 'attempts':
      return a.attempts - b.attempts
    case 'createdAt':
    case 'updatedAt':
      return a[key] < b[key] ? -1 : a[key] > b[key] ? 1 : 0
  }
}

/** Filters by status and search, then sorts (stable; ties broken by id so rows never jump). */
export function applyView(videos: readonly Video[], view: ListView): Video[] {
  const statuses = view.statuses.length > 0 ? new Set(view.statuses) : undefined
  const needle = view.search.trim().toLowerCase()
  // Runs on every live update of a 10,000-row list: no per-row work that can be done once.
  const rows =
    !statuses && needle === ''
      ? videos.slice()
      : videos.filter(
          (v) => (!statuses || statuses.has(v.processingStatus)) && (needle === '' || v.id.startsWith(needle) || (v.title ?? '').toLowerCase().includes(needle))
        )
  const sign = view.order === 'asc' ? 1 : -1
  return rows.sort((a, b) => sign * compare(a, b, view.sort) || (a.id < b.id ? -1 : 1))
}

/** Counts per status for the filter chips. */
export function countByStatus(videos: readonly Video[]): Record<VideoStatus, number> {
  const counts: Record<VideoStatus, number> = { queued: 0, processing: 0, downloading: 0, uploading: 0, completed: 0, failed: 0 }
  for (const video of videos) counts[video.processingStatus] += 1
  return counts
}

/** Replaces a row by id or adds it; returns a new array only when something changed. */
export function upsertVideo(videos: readonly Video[], video: Video): Video[] {
  const index = videos.findIndex((v) => v.id === video.id)
  if (index === -1) return [video, ...videos]
  const current = videos[index]
  // An older copy arriving late (events can race a refetch) must not overwrite a newer one.
  if (current && current.updatedAt > video.updatedAt) return videos as Video[]
  const next = videos.slice()
  next[index] = video
  return next
}

/** The list page after one row changed: the total grows when the row is new. */
export function upsertPage<P extends { items: Video[]; total: number }>(page: P | undefined, video: Video): P | undefined {
  if (!page) return page
  const items = upsertVideo(page.items, video)
  if (items === page.items) return page
  return { ...page, items, total: page.total + (items.length - page.items.length) }
}
