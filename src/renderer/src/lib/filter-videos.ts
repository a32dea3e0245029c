import type { Video, VideoQuery } from '../../../shared/video'
import { displayStatus, IN_FLIGHT_STATUSES, type DisplayStatus, type FailureCause, type VideoStatus } from '../../../shared/video-status'
import { matchesQuery } from '../../../shared/video-view'

export type SortKey = 'createdAt' | 'updatedAt' | 'title' | 'processingStatus' | 'attempts'
export type SortOrder = 'asc' | 'desc'
export type RangeKey = '1h' | '24h' | '7d'
export const RANGES: Record<RangeKey, { label: string; ms: number }> = {
  '1h': { label: 'last hour', ms: 3_600_000 },
  '24h': { label: 'last 24 h', ms: 86_400_000 },
  '7d': { label: 'last 7 days', ms: 7 * 86_400_000 }
}

/** What the operator narrowed the list to (kept in the address, so it can be shared and Back works). */
export interface ListView {
  display: DisplayStatus[]
  causes: FailureCause[]
  analyzer: 'gemini' | 'local' | null
  /** Rows changed within this range. */
  range: RangeKey | null
  search: string
  sort: SortKey
  order: SortOrder
}

export const defaultView: ListView = { display: [], causes: [], analyzer: null, range: null, search: '', sort: 'createdAt', order: 'desc' }

/** The view as the API's filter: the same rule the stores apply, so a bulk action by filter hits the rows shown. */
export function viewQuery(view: ListView, now: number = Date.now()): VideoQuery {
  return {
    ...(view.display.length > 0 ? { display: view.display } : {}),
    ...(view.causes.length > 0 ? { causes: view.causes } : {}),
    ...(view.analyzer ? { analyzer: view.analyzer } : {}),
    ...(view.range ? { updatedSince: new Date(now - RANGES[view.range].ms).toISOString() } : {}),
    ...(view.search.trim() ? { search: view.search.trim() } : {})
  }
}

export function isFiltered(view: ListView): boolean {
  return view.display.length > 0 || view.causes.length > 0 || view.analyzer !== null || view.range !== null || view.search.trim() !== ''
}

// Status order for sorting: the pipeline's own order, so "sort by status" groups sensibly.
const STATUS_RANK: Record<VideoStatus, number> = { queued: 0, processing: 1, downloading: 2, uploading: 3, completed: 4, failed: 5 }
const IN_FLIGHT = new Set<VideoStatus>(IN_FLIGHT_STATUSES)

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

/**
 * Filters like the stores do, then sorts (stable; ties broken by id so rows never jump). Videos
 * being worked on come first whatever the sort: with a backlog they would sink out of sight.
 */
export function applyView(videos: readonly Video[], view: ListView, now: number = Date.now()): Video[] {
  const query = viewQuery(view, now)
  const rows = isFiltered(view) ? videos.filter((v) => matchesQuery(v, query)) : videos.slice()
  const sign = view.order === 'asc' ? 1 : -1
  return rows.sort(
    (a, b) =>
      Number(IN_FLIGHT.has(b.processingStatus)) - Number(IN_FLIGHT.has(a.processingStatus)) || sign * compare(a, b, view.sort) || (a.id < b.id ? -1 : 1)
  )
}

/** Counts per shown state for the filter chips (cancelled apart from failed). */
export function countByStatus(videos: readonly Video[]): Record<DisplayStatus, number> {
  const counts: Record<DisplayStatus, number> = { queued: 0, processing: 0, downloading: 0, uploading: 0, completed: 0, failed: 0, cancelled: 0 }
  for (const video of videos) counts[displayStatus(video)] += 1
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

/** `1 video`, `2 videos`. */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`
}
