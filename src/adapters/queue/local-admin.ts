import type { DeadLetter as PortDeadLetter } from '../../core/ports'
import type { EmbeddedDb } from '../embedded/database'

/** How many messages a local queue holds, by state. */
export interface LocalQueueCounts {
  /** Deliverable now. */
  visible: number
  /** Received and not yet deleted, lease still running. */
  inFlight: number
  /** Sent with a delay that has not passed yet. */
  delayed: number
  /** In the dead-letter table. */
  dead: number
}

/** A message that was given up on, with the reason. */
export interface DeadLetter extends PortDeadLetter {
  groupId: string | null
  sentAt: Date
  reason: string
  deadAt: Date
}

export interface DeadLetterRow {
  id: string
  body: string
  group_id: string | null
  sent_at: Date
  receive_count: number
  reason: string
  dead_at: Date
}

export async function queueCounts(db: EmbeddedDb, queue: string): Promise<LocalQueueCounts> {
  const res = await db.query<Omit<LocalQueueCounts, 'dead'> & { in_flight: number }>(
    `select count(*) filter (where visible_at <= now())::int as visible,
            count(*) filter (where visible_at > now() and receipt_handle is not null)::int as in_flight,
            count(*) filter (where visible_at > now() and receipt_handle is null)::int as delayed
       from queue_messages where queue = $1`,
    [queue]
  )
  const dead = await db.query<{ n: number }>('select count(*)::int as n from queue_dead_letters where queue = $1', [queue])
  const row = res.rows[0]
  return { visible: row?.visible ?? 0, inFlight: row?.in_flight ?? 0, delayed: row?.delayed ?? 0, dead: dead.rows[0]?.n ?? 0 }
}

export async function listDeadLetters(db: EmbeddedDb, queue: string, opts: { limit?: number; offset?: number } = {}): Promise<DeadLetter[]> {
  const res = await db.query<DeadLetterRow>(
    `select id, body, group_id, sent_at, receive_count, reason, dead_at from queue_dead_letters
      where queue = $1 order by dead_at desc, id limit $2 offset $3`,
    [queue, opts.limit ?? 100, opts.offset ?? 0]
  )
  return res.rows.map(toDeadLetter)
}

export function toDeadLetter(r: DeadLetterRow): DeadLetter {
  return {
    id: r.id,
    body: r.body,
    groupId: r.group_id,
    sentAt: r.sent_at,
    receiveCount: r.receive_count,
    reason: r.reason,
    deadAt: r.dead_at
  }
}

/** Moves dead letters (all, or those with the given ids) back to the queue with a fresh receive count. */
export async function requeueDeadLetters(db: EmbeddedDb, queue: string, ids?: string[]): Promise<number> {
  const res = await db.query<{ id: string }>(
    `with moved as (
       delete from queue_dead_letters where queue = $1 and ($2::text[] is null or id::text = any($2::text[]))
       returning id, body, group_id, sent_at, dead_at
     )
     insert into queue_messages (id, queue, body, group_id, sent_at)
     select id, $1, body, group_id, sent_at from moved order by dead_at
     returning id`,
    [queue, ids ?? null]
  )
  return res.rows.length
}

/** Deletes dead letters for good (all, or those with the given ids). */
export async function deleteDeadLetters(db: EmbeddedDb, queue: string, ids?: string[]): Promise<number> {
  const res = await db.query<{ id: string }>(
    'delete from queue_dead_letters where queue = $1 and ($2::text[] is null or id::text = any($2::text[])) returning id',
    [queue, ids ?? null]
  )
  return res.rows.length
}
