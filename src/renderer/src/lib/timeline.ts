import type { JournalEntry, Video } from '../../../shared/video'
import type { Stage, VideoStatus } from '../../../shared/video-status'

/** One bar of a waterfall: starts `offsetMs` after the first one and lasts `ms`. */
export interface Bar {
  label: string
  offsetMs: number
  ms: number
}

/** The status history of one attempt, as bars from its first status change. */
export interface AttemptTimeline {
  attempt: number
  startedAt: string
  /** Status bars; the last one (completed/failed, or the current status) has ms until the next or 0. */
  bars: (Bar & { status: VideoStatus })[]
  totalMs: number
  outcome: VideoStatus
}

export const STAGE_ORDER: Stage[] = ['download', 'upload', 'wait', 'analyze', 'save']

/**
 * Groups the journal's status changes by attempt and turns each into a waterfall. A status
 * lasts until the next change (in any attempt: "queued" waits for the next delivery); the
 * final status is a point (0 ms), and the current status of a running video lasts until `now`.
 */
export function buildTimeline(journal: readonly JournalEntry[], now: Date = new Date()): AttemptTimeline[] {
  const sorted = journal.filter((entry) => entry.status !== null).sort((a, b) => a.at.localeCompare(b.at) || a.id - b.id)
  // Repeated events of the same status in one attempt (status + updated) are one stretch.
  const changes = sorted.filter((entry, i) => i === 0 || entry.status !== sorted[i - 1]?.status || entry.attempt !== sorted[i - 1]?.attempt)
  const byAttempt = new Map<number, AttemptTimeline>()
  changes.forEach((entry, i) => {
    const status = entry.status as VideoStatus
    const start = Date.parse(entry.at)
    const next = changes[i + 1]
    const terminal = status === 'completed' || status === 'failed'
    const end = next ? Date.parse(next.at) : terminal ? start : now.getTime()
    let attempt = byAttempt.get(entry.attempt)
    if (!attempt) {
      attempt = { attempt: entry.attempt, startedAt: entry.at, bars: [], totalMs: 0, outcome: status }
      byAttempt.set(entry.attempt, attempt)
    }
    const offsetMs = start - Date.parse(attempt.startedAt)
    const ms = Math.max(0, end - start)
    attempt.bars.push({ label: status, status, offsetMs, ms })
    attempt.totalMs = offsetMs + ms
    attempt.outcome = status
  })
  return [...byAttempt.values()].sort((a, b) => a.attempt - b.attempt)
}

/** The last attempt's stage durations as a waterfall in pipeline order. */
export function stageWaterfall(stageMs: Video['stageMs']): { bars: Bar[]; totalMs: number } {
  const bars: Bar[] = []
  let offset = 0
  for (const stage of STAGE_ORDER) {
    const ms = stageMs[stage]
    if (ms === undefined) continue
    bars.push({ label: stage, offsetMs: offset, ms })
    offset += ms
  }
  return { bars, totalMs: offset }
}

/** `1.2 s`, `340 ms`, `2 min 5 s`. */
export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`
  const minutes = Math.floor(ms / 60_000)
  const seconds = Math.round((ms % 60_000) / 1000)
  return seconds ? `${minutes} min ${seconds} s` : `${minutes} min`
}

/** `just now`, `5 min ago`, `3 h ago`, `2 d ago`. */
export function formatAge(iso: string, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000))
  if (seconds < 10) return 'just now'
  if (seconds < 60) return `${seconds} s ago`
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`
  return `${Math.floor(seconds / 86_400)} d ago`
}
