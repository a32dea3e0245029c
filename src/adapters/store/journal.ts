import type { Journal } from '../../core/ports'
import { isUuid } from '../../shared/uuid'
import type { JournalEntry } from '../../shared/video'
import { VideoStatus } from '../../shared/video-status'
import type { EmbeddedDb } from '../embedded/database'
import { createGroupWriter } from './group-writer'
import { toIso } from './rows'

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

/** Keeps one insert well below Postgres' 65535 bind parameters (8 per row). */
const MAX_ROWS_PER_INSERT = 500
/**
 * Journal lines wait this long to share one insert: the journal is history (live events go
 * over the bus), and one statement per line cost a quarter of the worker's CPU.
 */
const GROUP_WINDOW_MS = 25
const LEVELS = new Set(['debug', 'info', 'warn', 'error'])

/** The console's own history in the embedded database: kept even when the table of record is Supabase. */
export function createJournal(db: EmbeddedDb): Journal {
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

    /** The video's entries, oldest first; with a limit, the latest `limit` of them. */
    async list(videoId: string, limit?: number): Promise<JournalEntry[]> {
      if (!isUuid(videoId)) return []
      // Readers see every entry appended before they asked.
      await writer.flush()
      // Ordered by the numeric id on both levels: as text, id 99 would sort after id 100.
      const res = await db.query<EntryRow>(
        `select latest.id::text as id, video_id, at, attempt, type, status, level, message, data from (
           select id, video_id, at, attempt, type, status, level, message, data
             from journal_entries where video_id = $1 order by id desc limit $2
         ) latest order by latest.id asc`,
        [videoId, limit ?? null]
      )
      return res.rows.map(toEntry)
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
