import { LeaseLostError } from '../../core/errors'
import type { DeadLetter as PortDeadLetter, DeadLetterAdmin, Queue, ReceivedMessage, ReceiveOptions, SendOptions } from '../../core/ports'
import type { EmbeddedDb } from '../embedded/database'
import {
  deleteDeadLetters,
  listDeadLetters,
  queueCounts,
  requeueDeadLetters,
  type LocalQueueCounts
} from './local-admin'
import { leaseMessages } from './local-lease'
import { sleepUntilWoken, wakeReceivers } from './local-wake'
import { isUuid } from '../../shared/uuid'

export type { LocalQueueCounts }

export interface LocalQueueOptions {
  visibilityTimeoutSeconds: number
  /** Receives after which a message moves to the dead-letter table; null keeps it forever. */
  maxReceiveCount: number | null
  /** Queue name inside the table, so several queues can share one database. Default `default`. */
  name?: string
  /** Longest sleep of a long poll between two looks at the table (sends wake it at once). */
  pollIntervalMs?: number
}

/** The local queue, with its dead-letter table and its counts by state. */
export interface LocalQueue extends Queue {
  readonly queueName: string
  readonly deadLetters: DeadLetterAdmin
  onDeadLettered(listener: (letters: PortDeadLetter[]) => void): () => void
  counts(): Promise<LocalQueueCounts>
}

/** Thrown when a receipt handle is not the current delivery's (lease expired and re-delivered, or deleted). */
export { LeaseLostError }

const SQS_MAX_BATCH = 10
const MAX_VISIBILITY_SECONDS = 43_200
const MAX_DELAY_SECONDS = 900

/**
 * A durable queue in the embedded database with SQS semantics: a received message stays
 * in its table, invisible until its lease (visible_at) runs out, so a crash re-delivers it;
 * each delivery has its own receipt handle; a group has one message in flight at a time;
 * after `maxReceiveCount` receives a message moves to `queue_dead_letters`.
 */
export function createLocalQueue(db: EmbeddedDb, opts: LocalQueueOptions): LocalQueue {
  const queue = opts.name ?? 'default'
  const visibility = checkSeconds('visibilityTimeoutSeconds', opts.visibilityTimeoutSeconds, MAX_VISIBILITY_SECONDS)
  const maxReceiveCount = opts.maxReceiveCount
  if (maxReceiveCount !== null && (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1)) {
    throw new Error(`maxReceiveCount must be a whole number of at least 1 (or null for no dead-letter table), got ${maxReceiveCount}`)
  }
  const pollIntervalMs = opts.pollIntervalMs ?? 1000
  const closing = new AbortController()
  const listeners = new Set<(letters: PortDeadLetter[]) => void>()

  async function leaseMoved(sql: string, params: unknown[], what: string, count = 1): Promise<void> {
    const res = await db.query(sql, params)
    if ((res.affectedRows ?? 0) < count) {
      throw new LeaseLostError(`${what}: the receipt handle is not the message's current delivery (its lease ran out and it was delivered again, or it is gone)`)
    }
  }

  return {
    name: queue === 'default' ? 'local (PGlite)' : `local (PGlite: ${queue})`,
    queueName: queue,
    visibilityTimeoutSeconds: visibility,
    maxReceiveCount,

    async receive({ max, waitSeconds, signal }: ReceiveOptions): Promise<ReceivedMessage[]> {
      const batch = Math.min(Math.floor(max), SQS_MAX_BATCH)
      if (batch < 1) return []
      const deadline = Date.now() + Math.max(0, waitSeconds) * 1000
      for (;;) {
        if (closing.signal.aborted) return []
        const { messages, nextInMs, deadLettered } = await leaseMessages(db, { queue, max: batch, visibilitySeconds: visibility, maxReceiveCount })
        if (deadLettered.length > 0) for (const listener of [...listeners]) listener(deadLettered)
        const left = deadline - Date.now()
        if (messages.length > 0 || left <= 0 || signal?.aborted) return messages
        const sleep = Math.min(left, pollIntervalMs, nextInMs === null ? Infinity : nextInMs + 5)
        await sleepUntilWoken(db, queue, sleep, [signal, closing.signal])
      }
    },

    async delete(receiptHandles: string[]): Promise<void> {
      if (receiptHandles.length === 0) return
      const valid = receiptHandles.filter((h) => isUuid(h))
      const res = await db.query<{ receipt_handle: string }>(
        'delete from queue_messages where queue = $1 and receipt_handle::text = any($2::text[]) returning receipt_handle',
        [queue, valid]
      )
      if (res.rows.length > 0) wakeReceivers(db, queue) // a group may be free now
      const missing = receiptHandles.length - res.rows.length
      if (missing > 0) {
        throw new LeaseLostError(`delete: ${missing} of ${receiptHandles.length} receipt handles are not current deliveries; those messages were not deleted`)
      }
    },

    async changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
      const secs = checkSeconds('visibility timeout', seconds, MAX_VISIBILITY_SECONDS)
      if (!isUuid(receiptHandle)) throw new LeaseLostError(`changeVisibility: "${receiptHandle}" is not a receipt handle of this queue`)
      if (secs === 0) {
        // Handing back: visible at once, and this delivery's handle dies with it.
        await leaseMoved(
          `update queue_messages set visible_at = now(), receipt_handle = null where queue = $1 and receipt_handle = $2::uuid`,
          [queue, receiptHandle],
          'changeVisibility'
        )
        wakeReceivers(db, queue)
        return
      }
      // A late heartbeat (busy machine) still extends while nobody else received the
      // message: the handle changes on every delivery, so a current handle is a held lease.
      await leaseMoved(
        `update queue_messages set visible_at = now() + make_interval(secs => $3::float8)
          where queue = $1 and receipt_handle = $2::uuid`,
        [queue, receiptHandle, secs],
        'changeVisibility'
      )
    },

    async release(receiptHandle: string): Promise<void> {
      if (!isUuid(receiptHandle)) throw new LeaseLostError(`release: "${receiptHandle}" is not a receipt handle of this queue`)
      // A stop gives the message back: visible at once, and this delivery does not count.
      await leaseMoved(
        `update queue_messages set visible_at = now(), receipt_handle = null, receive_count = greatest(receive_count - 1, 0)
          where queue = $1 and receipt_handle = $2::uuid`,
        [queue, receiptHandle],
        'release'
      )
      wakeReceivers(db, queue)
    },

    async send(body: string, sendOpts: SendOptions = {}): Promise<{ messageId: string }> {
      const delay = checkSeconds('delaySeconds', sendOpts.delaySeconds ?? 0, MAX_DELAY_SECONDS)
      const res = await db.transaction(async (tx) => {
        if (sendOpts.deduplicationId !== undefined) {
          // As SQS: the same deduplication id within five minutes is accepted but not queued again.
          const dup = await tx.query<{ id: string }>(
            `select id from queue_messages where queue = $1 and dedup_id = $2 and sent_at > now() - interval '5 minutes' limit 1`,
            [queue, sendOpts.deduplicationId]
          )
          if (dup.rows[0]) return dup.rows[0]
        }
        const inserted = await tx.query<{ id: string }>(
          `insert into queue_messages (queue, body, group_id, dedup_id, visible_at)
           values ($1, $2, $3, $4, now() + make_interval(secs => $5::float8)) returning id`,
          [queue, body, sendOpts.groupId ?? null, sendOpts.deduplicationId ?? null, delay]
        )
        return inserted.rows[0]
      })
      if (!res) throw new Error('send: the database returned no id for the new message')
      if (delay === 0) wakeReceivers(db, queue)
      return { messageId: res.id }
    },

    async deadLetter(message: ReceivedMessage, reason: string): Promise<'moved'> {
      if (!isUuid(message.receiptHandle)) throw new LeaseLostError(`deadLetter: "${message.receiptHandle}" is not a receipt handle of this queue`)
      await leaseMoved(
        `with moved as (
           delete from queue_messages where queue = $1 and receipt_handle = $2::uuid
           returning id, queue, body, group_id, sent_at, receive_count
         )
         insert into queue_dead_letters (id, queue, body, group_id, sent_at, receive_count, reason)
         select id, queue, body, group_id, sent_at, receive_count, $3 from moved
         on conflict (id) do update set reason = excluded.reason, dead_at = now()`,
        [queue, message.receiptHandle, reason],
        'deadLetter'
      )
      wakeReceivers(db, queue)
      return 'moved'
    },

    onDeadLettered(listener) {
      listeners.add(listener)
      return () => void listeners.delete(listener)
    },

    deadLetters: {
      name: queue === 'default' ? 'local dead letters' : `local dead letters (${queue})`,
      async list({ limit }) {
        const [items, counts] = await Promise.all([listDeadLetters(db, queue, { limit }), queueCounts(db, queue)])
        return { items, total: counts.dead }
      },
      async requeue(ids) {
        const n = await requeueDeadLetters(db, queue, ids)
        if (n > 0) wakeReceivers(db, queue)
        return n
      },
      purge: (ids) => deleteDeadLetters(db, queue, ids)
    },

    counts: () => queueCounts(db, queue),

    /** Ends waiting long polls; the database belongs to whoever opened it and stays open. */
    async close(): Promise<void> {
      closing.abort()
    }
  }
}

function checkSeconds(what: string, value: number, max: number): number {
  if (!Number.isFinite(value) || value < 0 || value > max) {
    throw new RangeError(`${what} must be between 0 and ${max} seconds, got ${value}`)
  }
  return value
}
