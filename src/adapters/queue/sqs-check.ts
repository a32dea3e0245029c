import { GetQueueAttributesCommand, type SQSClient } from '@aws-sdk/client-sqs'
import type { CheckResult } from '../../shared/settings'
import { createSqsClient, type AwsClientOptions } from '../aws-clients'
import { awsFailureSentence, hostOf } from '../aws-check-errors'
import { errorName } from '../aws-errors'
import { queueNameOf } from './sqs-messages'

export interface SqsCheckOptions {
  queueUrl: string
  aws: AwsClientOptions
  /** A ready client (tests answer like AWS through its middleware); not destroyed. */
  client?: SQSClient
  timeoutMs?: number
}

/**
 * GetQueueAttributes on the configured queue: reachable, FIFO or not, visibility timeout,
 * redrive policy (the DLQ and its receive limit) and the approximate depth.
 */
export async function checkSqsQueue(opts: SqsCheckOptions): Promise<CheckResult> {
  const name = queueNameOf(opts.queueUrl)
  const host = hostOf(opts.aws.sqsEndpoint ?? opts.aws.endpoint ?? opts.queueUrl, opts.queueUrl)
  const client = opts.client ?? createSqsClient({ ...opts.aws, maxAttempts: 1 }, 0)
  try {
    const out = await client.send(new GetQueueAttributesCommand({ QueueUrl: opts.queueUrl, AttributeNames: ['All'] }), {
      abortSignal: AbortSignal.timeout(opts.timeoutMs ?? 10_000)
    })
    const a = out.Attributes ?? {}
    const fifo = a.FifoQueue === 'true' || opts.queueUrl.endsWith('.fifo')
    const visibility = Number(a.VisibilityTimeout ?? 30)
    const redrive = readRedrive(a.RedrivePolicy)
    const waiting = Number(a.ApproximateNumberOfMessages ?? 0)
    const inFlight = Number(a.ApproximateNumberOfMessagesNotVisible ?? 0)
    const delayed = Number(a.ApproximateNumberOfMessagesDelayed ?? 0)
    const dlq = redrive ? `dead-letter queue ${redrive.dlq} after ${redrive.maxReceiveCount} receives` : 'no dead-letter queue'
    return {
      backend: 'sqs',
      status: 'ok',
      message: `Queue ${name} answers: ${fifo ? 'FIFO' : 'standard'}, visibility ${visibility} s, ${dlq}, about ${waiting} message${waiting === 1 ? '' : 's'} waiting.`,
      details: [
        { label: 'queue', value: name },
        { label: 'type', value: fifo ? 'FIFO' : 'standard' },
        { label: 'visibility timeout', value: `${visibility} s` },
        { label: 'redrive policy', value: redrive ? `${redrive.dlq}, maxReceiveCount ${redrive.maxReceiveCount}` : 'none: a failing video fails for good after MAX_RECEIVE_COUNT deliveries' },
        { label: 'approximate depth', value: `${waiting} waiting, ${inFlight} in flight, ${delayed} delayed` }
      ]
    }
  } catch (error) {
    const missing = errorName(error) === 'QueueDoesNotExist' || /NonExistentQueue/.test(String((error as { Code?: string }).Code ?? (error as Error).name))
    const message = missing
      ? `The queue ${name} does not exist at ${host}: check AWS_SQS_URL (and AWS_REGION), or create the queue.`
      : awsFailureSentence(error, { service: 'SQS', host, endpointSetting: opts.aws.sqsEndpoint || opts.aws.endpoint ? 'AWS_SQS_URL and AWS_ENDPOINT_URL' : 'AWS_SQS_URL', what: `the queue ${name}` })
    return { backend: 'sqs', status: 'failed', message, details: [] }
  } finally {
    if (!opts.client) client.destroy()
  }
}

function readRedrive(text: string | undefined): { dlq: string; maxReceiveCount: number } | null {
  if (!text) return null
  try {
    const policy = JSON.parse(text) as { deadLetterTargetArn?: unknown; maxReceiveCount?: unknown }
    const arn = String(policy.deadLetterTargetArn ?? '')
    return { dlq: arn.split(':').pop() || arn, maxReceiveCount: Number(policy.maxReceiveCount) }
  } catch {
    return null
  }
}
