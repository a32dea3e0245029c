import type { Message } from '@aws-sdk/client-sqs'
import type { ReceivedMessage } from '../../core/ports'

/** System attributes asked for on every receive (the legacy `AttributeNames` is not needed). */
export const SYSTEM_ATTRIBUTES = ['ApproximateReceiveCount', 'SentTimestamp', 'MessageGroupId'] as const

/** A batch delete that left some messages in the queue (they will be delivered again). */
export class SqsDeleteError extends Error {
  constructor(
    queueName: string,
    readonly failed: { receiptHandle: string; code: string; message: string }[],
    total: number
  ) {
    const first = failed[0]
    super(`SQS delete on ${queueName}: ${failed.length} of ${total} failed (${first?.code}: ${first?.message}); those messages will be delivered again`)
    this.name = 'SqsDeleteError'
  }
}

export function toReceived(m: Message): ReceivedMessage {
  const attrs = m.Attributes ?? {}
  const count = Number(attrs.ApproximateReceiveCount ?? '1')
  const sent = Number(attrs.SentTimestamp)
  return {
    id: m.MessageId ?? '',
    receiptHandle: m.ReceiptHandle ?? '',
    body: m.Body ?? '',
    receiveCount: Number.isFinite(count) && count > 0 ? count : 1,
    sentAt: Number.isFinite(sent) && sent > 0 ? new Date(sent) : null,
    groupId: attrs.MessageGroupId ?? null
  }
}

export function errorCode(error: unknown): string {
  return error instanceof Error ? error.name : 'Error'
}

export function queueNameOf(url: string): string {
  return url.replace(/\/+$/, '').split('/').pop() ?? url
}
