import type { Journal } from '../../core/ports'
import type { TokenUsage } from '../../shared/analysis'
import type { StatsSample } from '../../shared/stats'
import type { JournalEntry } from '../../shared/video'
import { VideoStatus } from '../../shared/video-status'
import type { EmbeddedDb } from '../embedded/database'
import { createGroupWriter } from './group-writer'
import { toIso } from './rows'

/** Token usage summed per video and model (or over all videos of a model). */
export interface UsageTotal {
  videoId: string | null
  model: string
  promptTokens: number
  outputTokens: number
  thoughtsTokens: number
  totalTokens: number
  costUsd: number
  /** How many analyses were counted. */
  calls: number
}

/** The journal, plus the usage read-outs the console shows. */
export interface EmbeddedJournal extends Journal {
  /** Several entries in one write, kept in the given order; all or none are written. */
  appendMany(entries: Omit<JournalEntry, 'id'>[]): Promise<void>
  /** Usage of one video, per model. */
  usage(videoId: string): Promise<UsageTotal[]>
  /** Usage of all videos, per model. */
  usageTotals(): Promise<UsageTotal[]>
}

interface EntryRow {
  id: string
  video_id: string
  at: Date
  attempt: number
  type: string
  status: string | null
  level: string
  message: string
  data: unknown
}

interface UsageRow {
  video_id: string | null
  model: string
  prompt_tokens: number
  output_tokens: number
  thoughts_tokens: number
  total_tokens: number
  cost_usd: number
  calls: number
}

/** Statistics samples older than this are deleted (checked once every PRUNE_EVERY samples). */
export const SAMPLE_RETENTION_DAYS = 30
const PRUNE_EVERY = 500
/** Keeps one insert well below Postgres' 65535 bind parameters (8 per row). */
const MAX_ROWS_PER_INSERT = 500
/**
 * Journal lines wait this long to share one insert: the journal is history (live events go
 * over the bus), and one statement per line cost a quarter of the worker's CPU.
 */
const GROUP_WINDOW_MS = 25
const LEVELS = new Set(['debug', 'info', 'warn', 'error'])
const USAGE_SUMS = `sum(prompt_tokens)::float8 as prompt_tokens, sum(output_tokens)::float8 as output_tokens,
  sum(thoughts_tokens)::float8 as thoughts_tokens, sum(total_tokens)::float8 as total_tokens,
  sum(cost_usd)::float8 as cost_usd, sum(calls)::int as calls`

/** The console's own history in the embedded database: kept even when the table of record is Supabase. */
export function createJournal(db: EmbeddedDb): EmbeddedJournal {
  let sampleWrites = 0
  const writer = createGroupWriter<Omit<JournalEntry, 'id'>>(
    async (entries) => {
      if (entries.length <= MAX_ROWS_PER_INSERT) return insertEntries(db, entries)
      // One multi-row insert per chunk, in one transaction: ids follow the given order.
      await db.transaction(async (tx) => {
        for (let i = 0; i < entries.length; i += MAX_ROWS_PER_INSERT) await insertEntries(tx, entries.slice(i, i + MAX_ROWS_PER_INSERT))
      })
    },
    { windowMs: GROUP_WINDOW_MS, maxItems: MAX_ROWS_PER_INSERT }
  )
  return {
    append: (entry: Omit<JournalEntry, 'id'>) => writer.add([entry]),

    /** All or none; entries wait up to GROUP_WINDOW_MS to share one insert with others. */
    appendMany: async (entries: Omit<JournalEntry, 'id'>[]) => (entries.length === 0 ? undefined : writer.add(entries)),

    /** The video's entries, oldest first; with a limit, the latest `limit` of them. */
    async list(videoId: string, limit?: number): Promise<JournalEntry[]> {
      if (!/^[0-9a-f-]{36}$/i.test(videoId)) return []
      // Readers see every entry appended before they asked.
      await writer.flush()
      const res = await db.query<EntryRow>(
        `select * from (
           select id::text as id, video_id, at, attempt, type, status, level, message, data
             from journal_entries where video_id = $1 order by id desc limit $2
         ) latest order by id::bigint asc`,
        [videoId, limit ?? null]
      )
      return res.rows.map(toEntry)
    },

    async recordSample(sample: StatsSample): Promise<void> {
      // Samples come every few seconds for as long as the worker runs: keep a bounded history.
      if (sampleWrites++ % PRUNE_EVERY === 0) {
        await db.query(`delete from stats_samples where at < now() - make_interval(days => $1::int)`, [SAMPLE_RETENTION_DAYS])
      }
      await db.query('insert into stats_samples (at, processed, failed, in_flight) values ($1, $2, $3, $4)', [
        sample.at,
        sample.processed,
        sample.failed,
        sample.inFlight
      ])
    },

    async samples(since: Date): Promise<StatsSample[]> {
      const res = await db.query<{ at: Date; processed: number; failed: number; in_flight: number }>(
        'select at, processed, failed, in_flight from stats_samples where at >= $1 order by at, id',
        [since]
      )
      return res.rows.map((r) => ({ at: toIso(r.at), processed: r.processed, failed: r.failed, inFlight: r.in_flight }))
    },

    async addUsage(videoId: string, usage: TokenUsage, model: string): Promise<void> {
      await db.query(
        `insert into token_usage (video_id, model, prompt_tokens, output_tokens, thoughts_tokens, total_tokens, cost_usd, calls)
         values ($1, $2, $3, $4, $5, $6, $7, 1)
         on conflict (video_id, model) do update set
           prompt_tokens = token_usage.prompt_tokens + excluded.prompt_tokens,
           output_tokens = token_usage.output_tokens + excluded.output_tokens,
           thoughts_tokens = token_usage.thoughts_tokens + excluded.thoughts_tokens,
           total_tokens = token_usage.total_tokens + excluded.total_tokens,
           cost_usd = token_usage.cost_usd + excluded.cost_usd,
           calls = token_usage.calls + 1,
           updated_at = now()`,
        [videoId, model, usage.promptTokens, usage.outputTokens, usage.thoughtsTokens ?? 0, usage.totalTokens, usage.costUsd ?? 0]
      )
    },

    async usage(videoId: string): Promise<UsageTotal[]> {
      const res = await db.query<UsageRow>(
        `select video_id, model, ${USAGE_SUMS} from token_usage where video_id = $1 group by video_id, model order by model`,
        [videoId]
      )
      return res.rows.map(toUsage)
    },

    async usageTotals(): Promise<UsageTotal[]> {
      const res = await db.query<UsageRow>(`select null as video_id, model, ${USAGE_SUMS} from token_usage group by model order by model`)
      return res.rows.map(toUsage)
    },

    /** The database belongs to whoever opened it: only what waits is written. */
    close: () => writer.flush()
  }
}

type Queryable = Pick<EmbeddedDb, 'query'>

async function insertEntries(db: Queryable, entries: Omit<JournalEntry, 'id'>[]): Promise<void> {
  const values: string[] = []
  const params: unknown[] = []
  for (const e of entries) {
    const n = params.length
    values.push(`($${n + 1}, $${n + 2}, $${n + 3}, $${n + 4}, $${n + 5}, $${n + 6}, $${n + 7}, $${n + 8}::jsonb)`)
    params.push(e.videoId, e.at, e.attempt, e.type, e.status, e.level, e.message, e.data === null ? null : JSON.stringify(e.data))
  }
  await db.query(`insert into journal_entries (video_id, at, attempt, type, status, level, message, data) values ${values.join(', ')}`, params)
}

function toEntry(row: EntryRow): JournalEntry {
  const status = row.status === null ? null : VideoStatus.safeParse(row.status)
  const data = row.data !== null && typeof row.data === 'object' && !Array.isArray(row.data) ? (row.data as Record<string, unknown>) : null
  return {
    id: Number(row.id),
    videoId: row.video_id,
    at: toIso(row.at),
    attempt: row.attempt,
    type: row.type,
    status: status?.success ? status.data : null,
    level: LEVELS.has(row.level) ? (row.level as JournalEntry['level']) : 'info',
    message: row.message,
    data
  }
}

function toUsage(row: UsageRow): UsageTotal {
  return {
    videoId: row.video_id,
    model: row.model,
    promptTokens: row.prompt_tokens,
    outputTokens: row.output_tokens,
    thoughtsTokens: row.thoughts_tokens,
    totalTokens: row.total_tokens,
    costUsd: row.cost_usd,
    calls: row.calls
  }
}
