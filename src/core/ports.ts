/**
 * Ports: what the core needs from the outside world. One adapter per backend lives in
 * `src/adapters/<port>/`; the core never imports them (they are passed to `createCore`).
 */
import type { Analysis, TokenUsage } from '../shared/analysis'
import type { StatsSample } from '../shared/stats'
import type { JournalEntry, Video, VideoPage, VideoQueryParsed } from '../shared/video'
import type { FailureCause, Stage, VideoStatus } from '../shared/video-status'
import type { VideoSource } from '../shared/video-source'
import type { SettingsAdmin } from './settings-port'
import type { Archiver, MediaInspector } from './debug-ports'
import type { Logger } from '../shared/logger'

// ───────────────────────────── Queue ─────────────────────────────

export interface ReceivedMessage {
  /** The queue's id of the message (SQS MessageId). */
  id: string
  /** Handle for delete/changeVisibility of this delivery. */
  receiptHandle: string
  body: string
  /** 1 on the first delivery (SQS ApproximateReceiveCount). */
  receiveCount: number
  sentAt: Date | null
  /** FIFO message group, when the queue has groups. */
  groupId: string | null
}

export interface ReceiveOptions {
  /** At most this many messages (never more than free worker slots; SQS caps at 10). */
  max: number
  /** Long-poll wait; resolves early when messages arrive. */
  waitSeconds: number
  /** Aborting ends the wait early with what has arrived (maybe nothing). */
  signal?: AbortSignal
}

export interface SendOptions {
  groupId?: string
  deduplicationId?: string
  delaySeconds?: number
}

export interface Queue {
  /** Backend name for the console header, e.g. `local (PGlite)` or `sqs (queue-name)`. */
  readonly name: string
  /** Visibility timeout (seconds) applied to received messages. */
  readonly visibilityTimeoutSeconds: number
  /** Receives after which a failing message moves to the dead-letter queue; null when there is none. */
  readonly maxReceiveCount: number | null
  receive(opts: ReceiveOptions): Promise<ReceivedMessage[]>
  /** Deletes processed messages (batched where the backend allows). */
  delete(receiptHandles: string[]): Promise<void>
  /** Extends (heartbeat) or ends (0: hand back) the message's invisibility. Rejects when the lease was lost. */
  changeVisibility(receiptHandle: string, seconds: number): Promise<void>
  /**
   * Optional: hands a message back unprocessed because this worker is stopping. Visible at once
   * like `changeVisibility(handle, 0)`, but the delivery does not count towards `maxReceiveCount`,
   * so restarts do not use up a video's deliveries. Backends that cannot un-count (SQS) omit it.
   */
  release?(receiptHandle: string): Promise<void>
  send(body: string, opts?: SendOptions): Promise<{ messageId: string }>
  /**
   * Moves a message that can never succeed to the dead-letter store at once, with the reason:
   * `moved`. A queue without one keeps the message, hidden for as long as it allows, and says
   * `kept`. Rejects when the move failed: the message is then left where it was, never deleted.
   */
  deadLetter(message: ReceivedMessage, reason: string): Promise<'moved' | 'kept'>
  /** The dead-letter store, for the console; absent when the queue has none. */
  readonly deadLetters?: DeadLetterAdmin
  /**
   * Tells `listener` about messages the queue dead-lettered by itself (after too many receives),
   * so their videos can be marked; returns the unsubscribe function. Absent when the queue does
   * that out of sight (SQS's redrive policy: the reconciler finds those rows).
   */
  onDeadLettered?(listener: (letters: DeadLetter[]) => void): () => void
  close(): Promise<void>
}

/** A message in the dead-letter store. */
export interface DeadLetter {
  id: string
  body: string
  /** Why it was given up on, when known (the queue's own redrive says nothing). */
  reason: string | null
  receiveCount: number
  sentAt: Date | null
  /** When it was dead-lettered, when known. */
  deadAt: Date | null
}

/** Looking after dead letters: list, move back to the queue, delete for good. */
export interface DeadLetterAdmin {
  /** Where they are, for people (`local table`, the DLQ's name). */
  readonly name: string
  list(opts: { limit: number }): Promise<{ items: DeadLetter[]; total: number | null }>
  /** Moves these (all when `ids` is omitted) back to the queue with a fresh receive count; how many moved. */
  requeue(ids?: string[]): Promise<number>
  /** Deletes these (all when `ids` is omitted) for good; how many. */
  purge(ids?: string[]): Promise<number>
}

// ───────────────────────────── Source ─────────────────────────────

export interface FetchContext {
  videoId: string
  /**
   * Directory for downloads of this job (inside DOWNLOAD_DIR); the worker removes it after the
   * job. It exists unless `preferUrl` is set: then the source hands over the URL, downloading nothing.
   */
  dir: string
  signal: AbortSignal
  onProgress(bytes: number, total: number | null): void
  log(message: string): void
}

export type FetchedVideo =
  /** A file on disk. `temporary` files are deleted after the job; a user's local file never is. */
  | { kind: 'file'; path: string; sizeBytes: number; temporary: boolean }
  /** A URL the analyzer takes directly (YouTube for Gemini): nothing downloaded. */
  | { kind: 'url'; url: string }

export interface Source {
  readonly name: string
  /** Source kinds this adapter serves. */
  readonly kinds: readonly VideoSource['kind'][]
  /**
   * Makes the video available: a file downloaded into `ctx.dir`, a file that is already local,
   * or, with `preferUrl` (the analyzer takes this source's URL), the URL itself, downloading nothing.
   */
  fetch(source: VideoSource, ctx: FetchContext, opts: { preferUrl: boolean }): Promise<FetchedVideo>
}

/**
 * Makes a source readable by every worker before it is enqueued: on a shared queue (SQS) a
 * local file is uploaded to S3 and the message names the object instead. Optional: without
 * one, sources are enqueued as given.
 */
export interface SourcePublisher {
  /** The source to enqueue (maybe `source` itself); rejects with a clear error when it cannot be shared. */
  publish(source: VideoSource, ctx: { videoId: string }): Promise<VideoSource>
}

// ───────────────────────────── Analyzer ─────────────────────────────

export interface AnalyzeContext {
  videoId: string
  title: string | null
  signal: AbortSignal
  /** The analyzer moves the video to `uploading` and back to `processing` as it goes. */
  setStatus(status: 'uploading' | 'processing'): Promise<void>
  onProgress(bytes: number, total: number | null): void
  /** Records a stage duration (upload, wait, analyze). */
  stage(stage: Stage, ms: number): void
  /** Journal lines; `data` is kept for debugging (e.g. the raw model output). */
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string, data?: Record<string, unknown>): void
  /** Where the analyzer may keep files for the console (keyframes), relative paths go into the Analysis. */
  artifactsDir: string
  /**
   * Scratch space of this job (its folder in DOWNLOAD_DIR): removed with the job, and by the
   * start-up sweep after a crash, unlike the OS temp folder. Without it, the OS temp folder.
   */
  workDir?: string
  /**
   * Optional: tells the worker about a child process the analysis started (ffmpeg…), with the
   * command it ran, so that after a crash of this worker the next one can end it.
   */
  onChildProcess?(pid: number, command: string): void
}

export interface Analyzer {
  readonly name: string
  /** True when the analyzer takes URLs of this kind directly, so the source need not download. */
  acceptsUrl(source: VideoSource): boolean
  /** Checks at start (model exists, tools installed); throws a clear error when it cannot work. */
  check(): Promise<void>
  analyze(input: FetchedVideo, ctx: AnalyzeContext): Promise<Analysis>
  close?(): Promise<void>
}

// ───────────────────────────── Store ─────────────────────────────

export interface NewVideo {
  id: string
  title: string | null
  source: VideoSource | null
  /** Make the row when it is missing even in a store whose rows are made upstream (an S3 event has no producer that makes one). */
  createIfMissing?: boolean
}

export interface VideoPatch {
  processingStatus?: VideoStatus
  analysisResult?: string | null
  isProcessed?: boolean
  attempts?: number
  errorCause?: FailureCause | null
  stageMs?: Partial<Record<Stage, number>>
  startedAt?: Date | null
  completedAt?: Date | null
  title?: string | null
}

/** What a delivery asks for when it claims a video (see {@link Store.claim}). */
export interface ClaimRequest {
  id: string
  title: string | null
  source: VideoSource | null
  /** Who claims, for people reading the row (host and pid). */
  owner: string
  /** The claim lapses this long after it was taken or last renewed (the queue's visibility timeout). */
  leaseSeconds: number
  /** The row generation the message was sent for; null for messages of other producers. */
  generation: number | null
}

/** A held claim: row writes of the job name it, and land only while it is still the row's. */
export interface Lease {
  videoId: string
  token: string
}

/** Why a claim was refused; `video` is the row as it is (null when there is none). */
export type ClaimRefusal =
  | { reason: 'completed'; video: Video }
  | { reason: 'cancelled'; video: Video }
  /** Another delivery (this machine or another) holds a live lease. */
  | { reason: 'leased'; video: Video; owner: string | null; until: Date | null }
  /** The message was sent before a later requeue of the video. */
  | { reason: 'superseded'; video: Video; generation: number }
  /** No row, and this store does not make rows (Supabase: rows are made upstream). */
  | { reason: 'missing'; video: null }

export type ClaimResult = { claimed: true; video: Video; lease: Lease } | ({ claimed: false } & ClaimRefusal)

/** A row the reconciler looks at: in flight or waiting, and nobody holds its lease. */
export interface UnleasedRow {
  video: Video
  /** Who held the last claim and when it ran out, when the row still names one. */
  lastOwner: string | null
  leaseUntil: string | null
}

/** The table of record (`videos`): Supabase in production, PGlite embedded. */
export interface Store {
  readonly name: string
  /** Verifies the schema; a missing column is one clear error naming the migration to apply. */
  init(): Promise<void>
  /** Creates the row when missing (embedded, or `createIfMissing`) or fails clearly naming the id (Supabase: rows are made upstream). */
  ensureVideo(video: NewVideo): Promise<Video>
  /** Creates a new row (enqueue). */
  createVideo(video: NewVideo): Promise<Video>
  update(id: string, patch: VideoPatch): Promise<Video>
  get(id: string): Promise<Video | null>
  list(query: VideoQueryParsed): Promise<VideoPage>
  /**
   * Takes the video for one delivery with one conditional update: it succeeds only when the row
   * is not completed, not cancelled, not leased by a live owner and not newer than the message.
   * The claimed row is `processing`, its attempt counted, its lease running; a refusal says why.
   */
  claim(request: ClaimRequest): Promise<ClaimResult>
  /**
   * Patches the row only while `lease` is its current claim; null when it is not (the lease ran
   * out and another delivery claimed the video). `release` ends the claim in the same write.
   * Concurrent calls may be merged into one statement (group commit), each keeping its own patch.
   */
  updateLeased(lease: Lease, patch: VideoPatch, opts?: { release?: boolean }): Promise<Video | null>
  /** Extends a held claim by `seconds` from now; false when it is no longer held. */
  renewLease(lease: Lease, seconds: number): Promise<boolean>
  /**
   * Sets the row `queued` for a new message, only when none is pending: the row is completed or
   * failed for good (cancelled included) and not leased. `newGeneration` bumps the generation so
   * older messages of the video are superseded. Null when refused (read the row to say why).
   */
  requeue(id: string, opts: { newGeneration: boolean }): Promise<{ video: Video; generation: number } | null>
  /**
   * Fails the video for good (`completedAt` set, claim cleared) only while it is unsettled
   * (waiting, in flight, or failed with a retry pending) and nobody holds a live lease: an
   * operator's cancel of a waiting video, a message the queue gave up on, a row found stuck.
   * With `ifUpdatedAt` only when the row has not changed since. Null when refused.
   */
  failUnleased(id: string, failure: { cause: FailureCause; error: string }, opts?: { ifUpdatedAt?: string }): Promise<Video | null>
  /**
   * Ends at once the claims `owner` holds (a process known dead, e.g. the previous owner of this
   * data directory after a crash), so their videos can be claimed again without waiting for the
   * leases to run out. Returns how many.
   */
  releaseClaimsOf(owner: string): Promise<number>
  /**
   * Rows unsettled, with no live lease, unchanged since `before` (oldest first, at most `limit`).
   * Rows `queued` that were never delivered (no attempt yet) are left out: they wait in a backlog.
   */
  listUnleased(before: Date, limit: number): Promise<UnleasedRow[]>
  /** Counts of failed videos by cause, with the latest message of each. */
  failureGroups(): Promise<{ cause: FailureCause; count: number; example: string | null }[]>
  close(): Promise<void>
}

// ───────────────────────────── Journal ─────────────────────────────

/** The console's history of each video (every event, each run's analysis); always embedded. */
export interface Journal {
  /** Entries are written in the order of the calls, even when a call is not awaited before the next. */
  append(entry: Omit<JournalEntry, 'id'>): Promise<void>
  list(videoId: string, limit?: number): Promise<JournalEntry[]>
  /** Writes what waits; the database itself belongs to whoever opened it. */
  close(): Promise<void>
}

/** The worker's counters over time, behind the console's throughput chart; always embedded. */
export interface StatsHistory {
  recordSample(sample: StatsSample): Promise<void>
  samples(since: Date): Promise<StatsSample[]>
}

/** Token usage and cost per video and model, kept across restarts; always embedded. */
export interface UsageLedger {
  addUsage(videoId: string, usage: TokenUsage, model: string): Promise<void>
}

// ───────────────────────────── Misc ─────────────────────────────

export interface Clock {
  now(): Date
}

export type { Logger }

/** Everything `createCore` wires together. */
export interface Ports {
  queue: Queue
  sources: Source[]
  analyzer: Analyzer
  store: Store
  journal: Journal
  /** The throughput chart's history; without it samples are not kept and `stats.history` is empty. */
  statsHistory?: StatsHistory
  /** Token usage across restarts; without it only the run's statistics count tokens. */
  usage?: UsageLedger
  clock: Clock
  logger: Logger
  /** Runs in `videos.enqueue` before the row and the message are made (see {@link SourcePublisher}). */
  publisher?: SourcePublisher
  /** Settings and profiles for the console; without it their procedures answer `not-found`. */
  settings?: SettingsAdmin
  /** Looks into media files for the evidence panel (probe facts, stills). */
  inspector?: MediaInspector
  /** Packs debug bundles. */
  archiver?: Archiver
}

export type { Analysis }
