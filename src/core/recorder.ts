import type { WorkerEvent } from '../shared/events'
import type { Video } from '../shared/video'
import type { VideoStatus } from '../shared/video-status'
import type { EventBus } from './event-bus'
import type { Clock, Journal, Logger, Store, VideoPatch } from './ports'
import { errorText } from '../shared/error-text'

type Level = 'debug' | 'info' | 'warn' | 'error'
const PROGRESS_JOURNAL_MS = 5000

/**
 * The one place where the core tells the world something: events go to the bus, every
 * event about a video also goes to the journal (in order), and row changes go to the store
 * followed by a `video.updated` event.
 */
export interface Recorder {
  emit(event: WorkerEvent): void
  log(level: Level, message: string, videoId?: string | null, data?: Record<string, unknown>): void
  /** Patches the row and emits `video.updated` (and `video.status` when the status changed). */
  update(id: string, patch: VideoPatch): Promise<Video>
  /** A journal line that is no event (kept for the console only, e.g. each run's analysis). */
  keep(videoId: string, line: { type: string; level: Level; message: string; data: Record<string, unknown> }): void
  /** Remembers the attempt number that journal lines of this video belong to. */
  setAttempt(videoId: string, attempt: number): void
  now(): string
  /** Resolves when every journal write so far has finished. */
  flush(): Promise<void>
}

export function createRecorder(deps: { bus: EventBus; store: Store; journal: Journal; clock: Clock; logger: Logger }): Recorder {
  const { bus, store, journal, clock, logger } = deps
  const attempts = new Map<string, number>()
  const lastProgress = new Map<string, number>()
  // Appends are not awaited one by one: the journal writes them in call order (the embedded one
  // groups them into one insert), and `flush` waits for those still in flight.
  const inFlight = new Set<Promise<void>>()
  let journalBroken = false
  const now = () => clock.now().toISOString()

  function warnOnce(error: unknown): void {
    // The journal is the console's history, not the table of record: warn once, keep working.
    if (!journalBroken) logger.warn(`journal write failed: ${errorText(error)}`)
    journalBroken = true
  }

  function enqueue(entry: Entry): void {
    const write: Promise<void> = journal
      .append(entry)
      .catch(warnOnce)
      .finally(() => inFlight.delete(write))
    inFlight.add(write)
  }

  function journalAppend(event: WorkerEvent): void {
    if (event.type === 'video.progress') {
      // Progress goes to the bus 4 times a second; the journal keeps one line every few seconds.
      const t = Date.parse(event.at)
      const last = lastProgress.get(event.videoId) ?? 0
      if (t - last < PROGRESS_JOURNAL_MS && event.bytes !== event.total) return
      lastProgress.set(event.videoId, t)
    } else if (event.type === 'video.completed' || event.type === 'video.failed') {
      lastProgress.delete(event.videoId)
    }
    const entry = toJournal(event, attempts)
    if (!entry) return
    enqueue(entry)
  }

  const recorder: Recorder = {
    emit(event) {
      bus.emit(event)
      journalAppend(event)
    },
    log(level, message, videoId = null, data) {
      logger[level](videoId ? `[${videoId.slice(0, 8)}] ${message}` : message)
      const event: WorkerEvent = { type: 'log', at: now(), level, message, videoId }
      bus.emit(event)
      if (videoId) {
        const entry = toJournal(event, attempts)
        if (entry) {
          if (data) entry.data = data
          enqueue(entry)
        }
      }
    },
    async update(id, patch) {
      const video = await store.update(id, patch)
      bus.emit({ type: 'video.updated', at: now(), video })
      return video
    },
    keep(videoId, line) {
      enqueue({ videoId, at: now(), attempt: attempts.get(videoId) ?? 0, status: null, ...line })
    },
    setAttempt(videoId, attempt) {
      attempts.delete(videoId)
      attempts.set(videoId, attempt)
      lastProgress.delete(videoId)
      // Bounded memory on a worker that runs for months: forget the oldest videos.
      if (attempts.size > 10_000) attempts.delete(attempts.keys().next().value!)
    },
    now,
    async flush() {
      while (inFlight.size > 0) await Promise.all(inFlight)
    }
  }
  return recorder
}

type Entry = Parameters<Journal['append']>[0]

function toJournal(event: WorkerEvent, attempts: Map<string, number>): Entry | null {
  const base = (videoId: string, level: Level, message: string, status: VideoStatus | null = null, data: Record<string, unknown> | null = null): Entry => ({
    videoId,
    at: event.at,
    attempt: attempts.get(videoId) ?? 0,
    type: event.type,
    status,
    level,
    message,
    data
  })
  switch (event.type) {
    case 'message.received':
      return event.videoId
        ? base(event.videoId, 'info', `message received (delivery ${event.receiveCount})`, null, { messageId: event.messageId, receiveCount: event.receiveCount })
        : null
    case 'video.status':
      return { ...base(event.videoId, 'info', `status ${event.status}`, event.status), attempt: event.attempt }
    case 'video.progress':
      return base(event.videoId, 'debug', progressLine(event), null, { stage: event.stage, bytes: event.bytes, total: event.total })
    case 'video.stage':
      return base(event.videoId, 'info', `${event.stage} took ${Math.round(event.ms)} ms`, null, { stage: event.stage, ms: event.ms })
    case 'video.completed':
      return base(event.videoId, 'info', `completed in ${Math.round(event.ms)} ms`, 'completed', { ms: event.ms })
    case 'video.failed':
      return {
        ...base(event.videoId, 'error', event.error, 'failed', { cause: event.cause, final: event.final }),
        attempt: event.attempt
      }
    case 'log':
      return event.videoId ? base(event.videoId, event.level, event.message) : null
    default:
      return null
  }
}

/** "downloading 5 of 10 bytes"; an analysis reads the file rather than moving it: "analysing: 50 % of the file". */
function progressLine(e: { stage: 'downloading' | 'uploading' | 'analysing'; bytes: number; total: number | null }): string {
  if (e.stage === 'analysing') return e.total ? `analysing: ${Math.round((e.bytes / e.total) * 100)} % of the file` : 'analysing'
  return `${e.stage} ${e.bytes}${e.total ? ` of ${e.total}` : ''} bytes`
}
