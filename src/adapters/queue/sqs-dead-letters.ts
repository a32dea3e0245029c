import type { Message, SQSClient } from '@aws-sdk/client-sqs'
import { ChangeMessageVisibilityCommand, DeleteMessageBatchCommand, GetQueueAttributesCommand, ReceiveMessageCommand } from '@aws-sdk/client-sqs'
import type { DeadLetter, DeadLetterAdmin } from '../../core/ports'

/** Message attributes our own dead-lettering sets (a redrive by SQS sets none). */
export const DLQ_ATTRIBUTES = { reason: 'DeadLetterReason', source: 'SourceMessageId', receives: 'SourceReceiveCount' } as const

interface Deps {
  client: SQSClient
  name: string
  url(): Promise<string>
  /** Sends a body back to the source queue (FIFO: in its group). */
  sendBack(body: string, groupId: string | null): Promise<void>
}

/** How long a message looked at stays hidden while the walk goes on (it is made visible again after). */
const WALK_VISIBILITY = 30
const MAX_WALK = 1000

/**
 * The dead-letter queue of an SQS queue, for the console. SQS cannot list a queue without
 * receiving: a walk receives everything (hidden meanwhile, so each message is seen once),
 * acts on what it selected and makes the rest visible again at once.
 */
export function sqsDeadLetters(deps: Deps): DeadLetterAdmin {
  const { client } = deps

  async function walk(limit: number, act: (messages: Message[]) => Promise<Message[]>): Promise<{ seen: Message[]; acted: number }> {
    const url = await deps.url()
    const seen: Message[] = []
    const untouched: Message[] = []
    let acted = 0
    try {
      while (seen.length < Math.min(limit, MAX_WALK)) {
        const out = await client.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: Math.min(10, limit - seen.length),
            WaitTimeSeconds: 0,
            VisibilityTimeout: WALK_VISIBILITY,
            MessageSystemAttributeNames: ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'],
            MessageAttributeNames: ['All']
          })
        )
        const batch = out.Messages ?? []
        if (batch.length === 0) break
        seen.push(...batch)
        // Counted as untouched until acted on, so a failure midway makes them visible again too.
        untouched.push(...batch)
        const done = await act(batch)
        acted += done.length
        for (const m of done) untouched.splice(untouched.indexOf(m), 1)
      }
    } finally {
      await Promise.all(
        untouched.map((m) =>
          client.send(new ChangeMessageVisibilityCommand({ QueueUrl: url, ReceiptHandle: m.ReceiptHandle, VisibilityTimeout: 0 })).catch(() => undefined)
        )
      )
    }
    return { seen, acted }
  }

  async function remove(messages: Message[]): Promise<Message[]> {
    if (messages.length === 0) return []
    const url = await deps.url()
    const out = await client.send(new DeleteMessageBatchCommand({ QueueUrl: url, Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle })) }))
    const failed = new Set((out.Failed ?? []).map((f) => Number(f.Id)))
    return messages.filter((_, i) => !failed.has(i))
  }

  const selected = (ids: string[] | undefined) => (m: Message) => ids === undefined || ids.includes(m.MessageId ?? '')

  return {
    name: deps.name,
    async list({ limit }) {
      const { seen } = await walk(limit, async () => [])
      const url = await deps.url()
      const attrs = await client
        .send(new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'] }))
        .catch(() => null)
      const a = attrs?.Attributes
      const total = a ? Number(a.ApproximateNumberOfMessages ?? 0) + Number(a.ApproximateNumberOfMessagesNotVisible ?? 0) : null
      return { items: seen.map(toDeadLetter), total: total !== null && Number.isFinite(total) ? Math.max(total, seen.length) : null }
    },
    async requeue(ids) {
      const { acted } = await walk(MAX_WALK, async (batch) => {
        const chosen = batch.filter(selected(ids))
        const sent: Message[] = []
        for (const m of chosen) {
          await deps.sendBack(m.Body ?? '', m.Attributes?.MessageGroupId ?? null)
          sent.push(m)
        }
        // Sent back first, deleted after: a failure between the two leaves a copy here, never none.
        return remove(sent)
      })
      return acted
    },
    async purge(ids) {
      const { acted } = await walk(MAX_WALK, async (batch) => remove(batch.filter(selected(ids))))
      return acted
    }
  }
}

function toDeadLetter(m: Message): DeadLetter {
  const attr = (name: string) => m.MessageAttributes?.[name]?.StringValue
  const sent = Number(m.Attributes?.SentTimestamp)
  const sentAt = Number.isFinite(sent) && sent > 0 ? new Date(sent) : null
  const reason = attr(DLQ_ATTRIBUTES.reason) ?? null
  const own = Number(attr(DLQ_ATTRIBUTES.receives))
  // This walk's own receive counts too; a count we recorded when moving it is the source queue's.
  const counted = Number(m.Attributes?.ApproximateReceiveCount ?? '1') - 1
  return {
    id: m.MessageId ?? '',
    body: m.Body ?? '',
    reason: reason ?? 'received more often than the redrive policy allows (moved by SQS)',
    receiveCount: Number.isFinite(own) && own > 0 ? own : Math.max(0, counted),
    sentAt,
    // Our own move sends a new message: its send time is when it was dead-lettered.
    deadAt: reason !== null ? sentAt : null
  }
}
