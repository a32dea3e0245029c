import { z } from 'zod'
import { Stats, StatsSample } from './stats'
import { WorkerState } from './events'
import { Video, VideoDetail, VideoPage, VideoQuery } from './video'
import { FailureCause } from './video-status'
import { VideoSource } from './video-source'
import { CheckBackend, CheckResult, ProfileList, SettingsView, SettingValues } from './settings'
import { ProfileName } from './settings-catalog'
import { AnalysisRun, BulkOutcome, BulkTarget, DebugBundle, MediaFacts, SourceCapability } from './debugging'

export const Backends = z.object({
  queue: z.string(),
  source: z.string(),
  analyzer: z.string(),
  store: z.string()
})
export type Backends = z.infer<typeof Backends>

export const WorkerStatus = z.object({
  state: WorkerState,
  backends: Backends,
  concurrency: z.number().int().min(1),
  readOnly: z.boolean(),
  /** Stop after the jobs in flight, take no new ones. */
  draining: z.boolean()
})
export type WorkerStatus = z.infer<typeof WorkerStatus>

export const FailureGroup = z.object({
  cause: FailureCause,
  count: z.number().int().min(0),
  /** The latest error message of the group, as an example. */
  example: z.string().nullable()
})
export type FailureGroup = z.infer<typeof FailureGroup>

/** Configuration safe to show: secrets are masked before it leaves the core. */
export const PublicConfig = z.record(z.string(), z.string())
export type PublicConfig = z.infer<typeof PublicConfig>

/** A message in the queue's dead-letter store, as the console lists it. */
export const DeadLetterView = z.object({
  id: z.string(),
  body: z.string(),
  /** The video the body names, when it names one. */
  videoId: z.uuid().nullable(),
  reason: z.string().nullable(),
  receiveCount: z.number().int().min(0),
  sentAt: z.iso.datetime({ offset: true }).nullable(),
  deadAt: z.iso.datetime({ offset: true }).nullable()
})
export type DeadLetterView = z.infer<typeof DeadLetterView>

export const DeadLetterList = z.object({
  /** Where dead letters go (the local table or the DLQ's name); null when the queue has none. */
  store: z.string().nullable(),
  items: z.array(DeadLetterView),
  /** All there are (the list may stop at `limit`); null when the queue cannot say. */
  total: z.number().int().min(0).nullable()
})
export type DeadLetterList = z.infer<typeof DeadLetterList>

const DeadLetterIds = z.object({
  /** These messages; every dead letter when omitted. */
  ids: z.array(z.string().min(1).max(200)).min(1).max(1000).optional()
})

const Id = z.object({ id: z.uuid() })
const Empty = z.object({}).strict().optional()

/**
 * The one API of the console. Each procedure is `noun.verb` with a zod input and output;
 * the Electron IPC bridge and the HTTP bridge both route by name through this table,
 * validate input with it, and call the same core implementation.
 */
export const consoleProcedures = {
  'worker.status': { input: Empty, output: WorkerStatus, write: false },
  'worker.start': { input: Empty, output: WorkerStatus, write: true },
  /** `drain`: finish jobs in flight, take no new ones, then stop. `now`: hand jobs back to the queue at once. */
  'worker.stop': { input: z.object({ mode: z.enum(['drain', 'now']).default('drain') }).optional(), output: WorkerStatus, write: true },
  'stats.get': { input: Empty, output: Stats, write: false },
  'stats.history': {
    input: z.object({ sinceMinutes: z.number().int().min(1).max(60 * 24 * 30).default(60) }).optional(),
    output: z.array(StatsSample),
    write: false
  },
  'videos.list': { input: VideoQuery.optional(), output: VideoPage, write: false },
  'videos.get': { input: Id, output: VideoDetail.nullable(), write: false },
  'videos.enqueue': {
    input: z.object({ source: VideoSource, title: z.string().max(500).optional() }),
    output: Video,
    write: true
  },
  'videos.retry': { input: Id, output: Video, write: true },
  'videos.retryFailed': {
    input: z.object({ cause: FailureCause.optional() }).optional(),
    output: z.object({ count: z.number().int().min(0) }),
    write: true
  },
  'videos.cancel': { input: Id, output: z.object({ cancelled: z.boolean() }), write: true },
  /**
   * Re-queues the failed videos a filter or a list of ids names. Skips, and counts by reason, those
   * whose cause says a retry will fail again (unless `includeUnlikely`), whose retry is already
   * pending, that run now, or that have no source. `cancelled` videos count only when asked for.
   */
  'videos.retryMany': { input: BulkTarget.extend({ includeUnlikely: z.boolean().default(false) }), output: BulkOutcome, write: true },
  /** Cancels the retries the queue would still deliver (failed videos whose failure is not final). */
  'videos.cancelRetries': { input: BulkTarget, output: BulkOutcome, write: true },
  /** Every analysis kept for the video, oldest first, to compare runs. */
  'videos.analyses': { input: Id, output: z.array(AnalysisRun), write: false },
  /** The media file as it is now: present or not, ffprobe's facts or its error, a few stills. */
  'videos.inspect': { input: Id, output: MediaFacts, write: false },
  /** One zip: the row, the journal, raw model output, probe, keyframes, settings with secrets masked. */
  'videos.export': { input: Id, output: DebugBundle, write: false },
  /** Which kinds of source the configuration can process, and what to set for the others. */
  'sources.capabilities': { input: Empty, output: z.array(SourceCapability), write: false },
  /** Sends a raw message to the queue, as a producer would (the worker parses it like any other). */
  'queue.send': { input: z.object({ body: z.string().min(1).max(256 * 1024) }), output: z.object({ messageId: z.string() }), write: true },
  'failures.groups': { input: Empty, output: z.array(FailureGroup), write: false },
  /** Messages the queue gave up on: body, reason, receive count, when (newest first, at most `limit`). */
  'deadLetters.list': { input: z.object({ limit: z.number().int().min(1).max(1000).default(100) }).optional(), output: DeadLetterList, write: false },
  /** Moves dead letters back to the queue (the named ones, or all), their videos `queued` again. */
  'deadLetters.requeue': { input: DeadLetterIds, output: z.object({ count: z.number().int().min(0) }), write: true },
  /** Deletes dead letters for good (the named ones, or all). */
  'deadLetters.purge': { input: DeadLetterIds, output: z.object({ count: z.number().int().min(0) }), write: true },
  'config.get': { input: Empty, output: PublicConfig, write: false },
  /** Every setting of a profile (default: the active one), grouped by backend, secrets masked. */
  'settings.get': { input: z.object({ profile: ProfileName.optional() }).optional(), output: SettingsView, write: false },
  /** Saves values (null removes one) to a profile, made when new; validated with the catalog's rules. */
  'settings.set': { input: z.object({ profile: ProfileName.optional(), values: SettingValues }), output: SettingsView, write: true },
  /**
   * Checks one backend with the saved settings, or with unsaved `values` laid over them. A write:
   * it sends the stored credentials to the endpoints given, which a read-only viewer may not choose.
   */
  'settings.check': {
    input: z.object({ backend: CheckBackend, profile: ProfileName.optional(), values: SettingValues.optional() }),
    output: CheckResult,
    write: true
  },
  'profiles.list': { input: Empty, output: ProfileList, write: false },
  /** Drains the worker, reopens the backends with the profile's settings and restarts the worker; no process restart. */
  'profiles.use': { input: z.object({ name: ProfileName }), output: ProfileList, write: true },
  'profiles.remove': { input: z.object({ name: ProfileName }), output: ProfileList, write: true }
} as const satisfies Record<string, { input: z.ZodType; output: z.ZodType; write: boolean }>

export type ProcedureName = keyof typeof consoleProcedures
export const procedureNames = Object.keys(consoleProcedures) as ProcedureName[]
export type ProcedureInput<N extends ProcedureName> = z.input<(typeof consoleProcedures)[N]['input']>
export type ProcedureOutput<N extends ProcedureName> = z.output<(typeof consoleProcedures)[N]['output']>

/** The API as functions: what the core implements and what every transport exposes. */
export type ConsoleApi = {
  [N in ProcedureName]: (input: ProcedureInput<N>) => Promise<ProcedureOutput<N>>
}

/** Errors cross transports as values. */
export const ApiErrorCode = z.enum(['bad-request', 'not-found', 'read-only', 'conflict', 'unauthorized', 'internal'])
export type ApiErrorCode = z.infer<typeof ApiErrorCode>
export const ApiError = z.object({ code: ApiErrorCode, message: z.string() })
export type ApiError = z.infer<typeof ApiError>
export const ApiResult = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({ ok: z.literal(false), error: ApiError })
])
export type ApiResult = z.infer<typeof ApiResult>

/** Thrown by the core for errors an operator caused; bridges send `{ ok: false, error }`. */
export class ConsoleApiError extends Error {
  constructor(
    readonly code: ApiErrorCode,
    message: string
  ) {
    super(message)
    this.name = 'ConsoleApiError'
  }
}

/**
 * Wire protocol of the HTTP bridge (the Electron bridge uses fixed IPC channels instead):
 * - `POST /api/rpc/<procedure>` with the JSON input → `ApiResult`
 * - `GET /api/events` → Server-Sent Events, each `data:` one `WorkerEvent` as JSON, `id:` a sequence number
 * - a token, when required, as `Authorization: Bearer <token>` (or `?token=` for EventSource)
 */
export const HTTP_RPC_PREFIX = '/api/rpc/'
export const HTTP_EVENTS_PATH = '/api/events'
/** Fixed Electron IPC channels. */
export const IPC_CALL_CHANNEL = 'api:call'
export const IPC_EVENT_CHANNEL = 'api:event'
