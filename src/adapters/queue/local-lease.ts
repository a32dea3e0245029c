import type { ReceivedMessage } from '../../core/ports'
import type { DeadLetter } from '../../core/ports'
import type { EmbeddedDb } from '../embedded/database'
import { toDeadLetter, type DeadLetterRow } from './local-admin'

interface LeasedRow {
  id: string
  seq: string
  receipt_handle: string
  body: string
  receive_count: number
  sent_at: Date
  group_id: string | null
}

export interface LeaseRequest {
  queue: string
  max: number
  visibilitySeconds: number
  maxReceiveCount: number | null
}

/**
 * One look at the table, in one transaction: moves exhausted messages to the dead
 * letters, then leases the oldest deliverable ones. When nothing was deliverable, says
 * in how many ms the next message becomes visible, so a long poll can sleep until then.
 */
export async function leaseMessages(
  db: EmbeddedDb,
  req: LeaseRequest
): Promise<{ messages: ReceivedMessage[]; nextInMs: number | null; deadLettered: DeadLetter[] }> {
  return await db.transaction(async (tx) => {
    let deadLettered: DeadLetter[] = []
    if (req.maxReceiveCount !== null) {
      const swept = await tx.query<DeadLetterRow>(
        `with moved as (
           delete from queue_messages where queue = $1 and visible_at <= now() and receive_count >= $2
           returning id, queue, body, group_id, sent_at, receive_count
         )
         insert into queue_dead_letters (id, queue, body, group_id, sent_at, receive_count, reason)
         select id, queue, body, group_id, sent_at, receive_count,
                'received ' || receive_count || ' times without success (maxReceiveCount ' || $2::int || ')'
           from moved
         on conflict (id) do update set reason = excluded.reason, dead_at = now()
         returning id, body, group_id, sent_at, receive_count, reason, dead_at`,
        [req.queue, req.maxReceiveCount]
      )
      deadLettered = swept.rows.map(toDeadLetter)
    }
    // A grouped message is deliverable only when it is the oldest of its group still
    // in the table: so nothing of a group is delivered while another is in flight.
    const leased = await tx.query<LeasedRow>(
      `update queue_messages m
          set receive_count = m.receive_count + 1,
              receipt_handle = gen_random_uuid(),
              visible_at = now() + make_interval(secs => $3::float8),
              first_received_at = coalesce(m.first_received_at, now())
        where m.seq in (
          select c.seq from queue_messages c
           where c.queue = $1 and c.visible_at <= now()
             and (c.group_id is null or c.seq = (
               select min(o.seq) from queue_messages o where o.queue = c.queue and o.group_id = c.group_id))
           order by c.seq
           limit $2
           for update skip locked)
        returning m.id, m.seq::text as seq, m.receipt_handle, m.body, m.receive_count, m.sent_at, m.group_id`,
      [req.queue, req.max, req.visibilitySeconds]
    )
    if (leased.rows.length > 0) {
      const rows = [...leased.rows].sort((a, b) => (BigInt(a.seq) < BigInt(b.seq) ? -1 : 1))
      return { messages: rows.map(toMessage), nextInMs: null, deadLettered }
    }
    const next = await tx.query<{ ms: number | null }>(
      `select (extract(epoch from min(visible_at) - now()) * 1000)::float8 as ms
         from queue_messages where queue = $1 and visible_at > now()`,
      [req.queue]
    )
    return { messages: [], nextInMs: next.rows[0]?.ms ?? null, deadLettered }
  })
}

function toMessage(row: LeasedRow): ReceivedMessage {
  return {
    id: row.id,
    receiptHandle: row.receipt_handle,
    body: row.body,
    receiveCount: row.receive_count,
    sentAt: row.sent_at,
    groupId: row.group_id
  }
}
