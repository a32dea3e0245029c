import { z } from 'zod'
import { Video } from './video'
import { Stats } from './stats'
import { FailureCause, Stage, VideoStatus } from './video-status'

export const WorkerState = z.enum(['starting', 'running', 'draining', 'stopping', 'stopped'])
export type WorkerState = z.infer<typeof WorkerState>

const at = z.iso.datetime({ offset: true })
const LogLevel = z.enum(['debug', 'info', 'warn', 'error'])

/** Everything the core tells the world. Bridges forward these unchanged (IPC, SSE). */
export const WorkerEvent = z.discriminatedUnion('type', [
  z.object({ type: z.literal('worker.state'), at, state: WorkerState }),
  z.object({
    type: z.literal('message.received'),
    at,
    messageId: z.string(),
    videoId: z.string().nullable(),
    receiveCount: z.number().int()
  }),
  z.object({
    type: z.literal('video.status'),
    at,
    videoId: z.uuid(),
    status: VideoStatus,
    attempt: z.number().int()
  }),
  z.object({
    type: z.literal('video.progress'),
    at,
    videoId: z.uuid(),
    /** `analysing`: how far an analyzer that reads the file itself (the local one) has got through it. */
    stage: z.enum(['downloading', 'uploading', 'analysing']),
    bytes: z.number().min(0),
    total: z.number().min(0).nullable()
  }),
  z.object({ type: z.literal('video.stage'), at, videoId: z.uuid(), stage: Stage, ms: z.number().min(0) }),
  z.object({ type: z.literal('video.completed'), at, videoId: z.uuid(), ms: z.number().min(0) }),
  z.object({
    type: z.literal('video.failed'),
    at,
    videoId: z.uuid(),
    error: z.string(),
    cause: FailureCause,
    attempt: z.number().int(),
    /** False when the queue will deliver the message again. */
    final: z.boolean()
  }),
  /** The row changed (status, result, attempts…): the console replaces its copy. */
  z.object({ type: z.literal('video.updated'), at, video: Video }),
  z.object({ type: z.literal('log'), at, level: LogLevel, message: z.string(), videoId: z.uuid().nullable() }),
  z.object({ type: z.literal('stats'), at, stats: Stats }),
  /** Settings were saved, or the active profile changed (`profile` is the active one): views refetch. */
  z.object({ type: z.literal('settings.changed'), at, profile: z.string(), switching: z.string().nullable() })
])
export type WorkerEvent = z.infer<typeof WorkerEvent>
