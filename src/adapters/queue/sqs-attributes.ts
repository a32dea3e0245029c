import type { SQSClient } from '@aws-sdk/client-sqs'
import { GetQueueAttributesCommand, GetQueueUrlCommand } from '@aws-sdk/client-sqs'
import { z } from 'zod'
import { parseJsonOrNull } from '../../shared/error-text'

/** What the adapter needs to know about a queue, read once at start. */
export interface QueueAttributes {
  arn: string | null
  visibilityTimeoutSeconds: number
  fifo: boolean
  /** From the RedrivePolicy; null when the queue has no dead-letter queue. */
  maxReceiveCount: number | null
  deadLetterArn: string | null
}

const RedrivePolicy = z.object({
  deadLetterTargetArn: z.string().min(1),
  maxReceiveCount: z.coerce.number().int().min(1)
})

export async function readQueueAttributes(client: SQSClient, queueUrl: string, signal?: AbortSignal): Promise<QueueAttributes> {
  const out = await client.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['QueueArn', 'VisibilityTimeout', 'RedrivePolicy', 'FifoQueue']
    }),
    signal ? { abortSignal: signal } : {}
  )
  const a = out.Attributes ?? {}
  const visibility = Number(a.VisibilityTimeout ?? '30')
  let redrive: z.infer<typeof RedrivePolicy> | null = null
  if (a.RedrivePolicy) {
    const parsed = RedrivePolicy.safeParse(parseJsonOrNull(a.RedrivePolicy))
    if (!parsed.success) throw new Error(`queue ${queueUrl} has a RedrivePolicy that cannot be read: ${a.RedrivePolicy}`)
    redrive = parsed.data
  }
  return {
    arn: a.QueueArn ?? null,
    visibilityTimeoutSeconds: Number.isFinite(visibility) ? visibility : 30,
    fifo: a.FifoQueue === 'true' || queueUrl.endsWith('.fifo'),
    maxReceiveCount: redrive?.maxReceiveCount ?? null,
    deadLetterArn: redrive?.deadLetterTargetArn ?? null
  }
}

/**
 * The URL of the dead-letter queue named by an ARN. SQS requires the DLQ in the same account
 * and region, so when GetQueueUrl is unavailable the source URL with the DLQ's name is right too.
 */
export async function resolveQueueUrl(client: SQSClient, arn: string, sourceUrl: string): Promise<string> {
  const parts = arn.split(':')
  const name = parts[5]
  const account = parts[4]
  if (!name) throw new Error(`dead-letter target ${arn} is not an SQS queue ARN`)
  try {
    const out = await client.send(new GetQueueUrlCommand({ QueueName: name, ...(account ? { QueueOwnerAWSAccountId: account } : {}) }))
    if (out.QueueUrl) return sameHostAs(out.QueueUrl, sourceUrl)
  } catch {
    // Fall through to the derived URL.
  }
  const url = new URL(sourceUrl)
  url.pathname = url.pathname.replace(/[^/]+$/, name)
  return url.toString()
}

/** Emulators answer with hosts that do not resolve (`sqs.us-east-1.localhost`); keep the host we reached. */
function sameHostAs(found: string, sourceUrl: string): string {
  const a = new URL(found)
  const b = new URL(sourceUrl)
  if (a.host === b.host) return found
  b.pathname = a.pathname
  return b.toString()
}
