import { z } from 'zod'
import { Stage } from './video-status'

export const StageStat = z.object({ count: z.number().int(), totalMs: z.number(), avgMs: z.number(), maxMs: z.number() })
export type StageStat = z.infer<typeof StageStat>

/** Worker statistics since it started (the CLI prints them when the worker stops). */
export const Stats = z.object({
  startedAt: z.iso.datetime({ offset: true }).nullable(),
  uptimeMs: z.number().min(0),
  received: z.number().int().min(0),
  processed: z.number().int().min(0),
  /** Final failures; cancellations are not failures and count apart. */
  failed: z.number().int().min(0),
  cancelled: z.number().int().min(0).default(0),
  inFlight: z.number().int().min(0),
  stages: z.partialRecord(Stage, StageStat),
  tokens: z.object({ prompt: z.number().int(), output: z.number().int(), total: z.number().int() }),
  costUsd: z.number().min(0)
})
export type Stats = z.infer<typeof Stats>

/** One point of the throughput history (kept in the embedded database, so it survives restarts). */
export const StatsSample = z.object({
  at: z.iso.datetime({ offset: true }),
  processed: z.number().int().min(0),
  failed: z.number().int().min(0),
  inFlight: z.number().int().min(0)
})
export type StatsSample = z.infer<typeof StatsSample>
