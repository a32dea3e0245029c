import { randomUUID } from 'node:crypto'
import type { Message, ReceiveMessageCommandOutput, SQSClient } from '@aws-sdk/client-sqs'
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageBatchCommand,
  ReceiveMessageCommand,
  SendMessageCommand
} from '@aws-sdk/client-sqs'
import type { DeadLetterAdmin, Logger, Queue, ReceivedMessage, ReceiveOptions, SendOptions } from '../../core/ports'
import type { AwsClientOptions } from '../aws-clients'
import { createSqsClient } from '../aws-clients'
import { describeAwsError } from '../aws-errors'
import type { QueueAttributes } from './sqs-attributes'
import { readQueueAttributes, resolveQueueUrl } from './sqs-attributes'
import { DLQ_ATTRIBUTES, sqsDeadLetters } from './sqs-dead-letters'
import { isLeaseLost, leaseLost, LeaseTracker } from './sqs-lease'
import { AbandonedPolls } from './sqs-poll'
import type { BackoffOptions } from './sqs-retry'
import { withBackoff } from './sqs-retry'
import { createGroupCommit } from '../group-commit'
import { errorCode, queueNameOf, SqsDeleteError, SYSTEM_ATTRIBUTES, toReceived } from './sqs-messages'
import { createLogger } from '../../shared/logger'

export { LeaseLostError } from '../../core/errors'
export { SqsDeleteError } from './sqs-messages'

/** How long one visibility change (heartbeat, hand-back) may wait for SQS before it counts as failed and is retried. */
const LEASE_REQUEST_TIMEOUT_MS = 5000

/** Options the composition root fills from config (`AWS_SQS_URL`, AWS settings, visibility timeout). */
export interface SqsQueueOptions {
  /** `AWS_SQS_URL`. */
  queueUrl: string
  /** How to build the client; ignored when `client` is given. */
  aws?: AwsClientOptions
  /** A ready client (tests inject fault middleware this way). Not destroyed by `close()`. */
  client?: SQSClient
  /** Visibility timeout sent with each receive; default: the queue's own attribute. */
  visibilityTimeoutSeconds?: number
  logger?: Logger
  backoff?: BackoffOptions
  /** How long close() lets polls abandoned by a stop return what they got (default 2 s). */
  closeGraceMs?: number
}

/** Connects to the queue and reads its attributes (visibility timeout, RedrivePolicy, FIFO). */
export async function createSqsQueue(opts: SqsQueueOptions): Promise<Queue> {
  const logger = opts.logger ?? createLogger({ level: 'warn' })
  const client = opts.client ?? createSqsClient(opts.aws)
  const name = queueNameOf(opts.queueUrl)
  let attrs: QueueAttributes
  try {
    attrs = await withBackoff(
      () => readQueueAttributes(client, opts.queueUrl),
      { what: `attributes of ${name}`, retries: 4, unref: false },
      opts.backoff ?? {},
      logger
    )
  } catch (error) {
    if (!opts.client) client.destroy()
    throw new Error(`SQS queue ${opts.queueUrl} cannot be used (${describeAwsError(error)}): check AWS_SQS_URL, AWS_REGION and the credentials`, {
      cause: error
    })
  }
  return new SqsQueue(opts, client, attrs, logger)
}

/** How one entry of a DeleteMessageBatch call ended. */
interface DeleteAnswer {
  id: string
  failure: { code: string; message: string } | null
}

class SqsQueue implements Queue {
  readonly name: string
  readonly visibilityTimeoutSeconds: number
  readonly maxReceiveCount: number | null
  private readonly url: string
  private readonly closing = new AbortController()
  private readonly leases = new LeaseTracker()
  private readonly abandoned = new AbandonedPolls()
  private closed = false
  private dlqUrl: Promise<string> | null = null
  private dlqAdmin: DeadLetterAdmin | undefined

  constructor(
    private readonly opts: SqsQueueOptions,
    private readonly client: SQSClient,
    private readonly attrs: QueueAttributes,
    private readonly logger: Logger
  ) {
    this.url = opts.queueUrl
    this.name = `sqs (${queueNameOf(opts.queueUrl)})`
    this.visibilityTimeoutSeconds = opts.visibilityTimeoutSeconds ?? attrs.visibilityTimeoutSeconds
    this.maxReceiveCount = attrs.maxReceiveCount
  }

  async receive({ max, waitSeconds, signal }: ReceiveOptions): Promise<ReceivedMessage[]> {
    const count = Math.min(10, Math.floor(max))
    if (count < 1 || this.closed || signal?.aborted) return []
    let abandoned = false
    const command = new ReceiveMessageCommand({
      QueueUrl: this.url,
      MaxNumberOfMessages: count,
      WaitTimeSeconds: Math.max(0, Math.min(20, Math.round(waitSeconds))),
      MessageSystemAttributeNames: [...SYSTEM_ATTRIBUTES],
      ...(this.opts.visibilityTimeoutSeconds !== undefined ? { VisibilityTimeout: this.opts.visibilityTimeoutSeconds } : {})
    })
    // Only close() cuts the HTTP request; the caller's abort abandons the poll (see AbandonedPolls).
    const poll = withBackoff(
      async (): Promise<ReceiveMessageCommandOutput> =>
        abandoned ? { $metadata: {} } : await this.client.send(command, { abortSignal: this.closing.signal }),
      { what: `receive on ${this.name}`, retries: Infinity, signal: this.closing.signal, giveUp: () => abandoned },
      this.opts.backoff ?? {},
      this.logger
    )
    let onAbort = () => {}
    const aborted = new Promise<'abandoned'>((resolve) => {
      onAbort = () => resolve('abandoned')
      signal?.addEventListener('abort', onAbort, { once: true })
    })
    try {
      const result = await Promise.race([poll.then((out) => ({ out }), (error: unknown) => ({ error })), aborted])
      if (result === 'abandoned') {
        abandoned = true
        this.abandoned.adopt(
          poll.then((out) => out.Messages ?? []),
          (messages) => this.handBack(messages)
        )
        return []
      }
      if ('out' in result) return (result.out.Messages ?? []).map(toReceived)
      if (this.closing.signal.aborted) return []
      throw new Error(`SQS receive from ${this.name} failed: ${describeAwsError(result.error)}`, { cause: result.error })
    } finally {
      signal?.removeEventListener('abort', onAbort)
    }
  }

  /**
   * Deletes of concurrent jobs share DeleteMessageBatch calls (10 entries each): while one call
   * is out, the deletes that come meanwhile wait for the next, so a busy worker sends a fraction
   * of a request per message and an idle one sends its delete at once.
   */
  private readonly deletes = createGroupCommit<DeleteAnswer, { id: string }>(
    async (items) => {
      const chunks: string[][] = []
      for (let i = 0; i < items.length; i += 10) chunks.push(items.slice(i, i + 10).map((x) => x.id))
      const answers = await Promise.all(
        chunks.map(async (chunk) => {
          const out = await this.retry('delete', 5, undefined, () =>
            this.client.send(new DeleteMessageBatchCommand({ QueueUrl: this.url, Entries: chunk.map((h, i) => ({ Id: String(i), ReceiptHandle: h })) }))
          )
          const failures = new Map((out.Failed ?? []).map((f) => [chunk[Number(f.Id)], { code: f.Code ?? 'Unknown', message: f.Message ?? '' }]))
          return chunk.map((id): DeleteAnswer => ({ id, failure: failures.get(id) ?? null }))
        })
      )
      return answers.flat()
    },
    // A failed call is SQS unreachable after its retries: sending the deletes one by one would only repeat it.
    { splitOnError: false }
  )

  async delete(receiptHandles: string[]): Promise<void> {
    if (receiptHandles.length === 0) return
    await this.leases.settle(receiptHandles)
    const answers = await Promise.all(receiptHandles.map((id) => this.deletes.submit({ id })))
    const failed = answers.flatMap((a, i) => {
      const failure = a ? a.failure : { code: 'Unknown', message: 'no answer for this entry' }
      return failure ? [{ receiptHandle: receiptHandles[i]!, ...failure }] : []
    })
    this.leases.markDeleted(receiptHandles.filter((h) => !failed.some((f) => f.receiptHandle === h)))
    if (failed.length > 0) throw new SqsDeleteError(this.name, failed, receiptHandles.length)
  }

  changeVisibility(receiptHandle: string, seconds: number): Promise<void> {
    if (this.leases.isDeleted(receiptHandle)) {
      return Promise.reject(leaseLost(this.name, 'Deleted', 'the message was already deleted by this worker'))
    }
    return this.leases.track(receiptHandle, async () => {
      try {
        await this.retry(
          'visibility change',
          3,
          undefined,
          () =>
            this.client.send(
              new ChangeMessageVisibilityCommand({
                QueueUrl: this.url,
                ReceiptHandle: receiptHandle,
                VisibilityTimeout: Math.max(0, Math.min(43_200, Math.round(seconds)))
              }),
              // A renewal that waits longer is worth less than a fresh try on a new connection.
              { requestTimeout: LEASE_REQUEST_TIMEOUT_MS }
            ),
          this.leaseBackoff()
        )
      } catch (error) {
        if (isLeaseLost(error)) throw leaseLost(this.name, errorCode(error), describeAwsError(error))
        throw error
      }
    })
  }

  async send(body: string, opts: SendOptions = {}): Promise<{ messageId: string }> {
    return this.sendTo(this.url, this.attrs.fifo, body, opts)
  }

  async deadLetter(message: ReceivedMessage, reason: string): Promise<'moved' | 'kept'> {
    if (!this.attrs.deadLetterArn) {
      // Nowhere to move it: keep it (never drop a message), hidden as long as SQS allows.
      await this.changeVisibility(message.receiptHandle, 43_200)
      return 'kept'
    }
    const url = await this.deadLetterUrl(this.attrs.deadLetterArn)
    await this.sendTo(url, this.attrs.fifo, message.body, {
      groupId: message.groupId ?? 'default',
      deduplicationId: message.id,
      attributes: {
        [DLQ_ATTRIBUTES.reason]: reason.slice(0, 1000),
        [DLQ_ATTRIBUTES.source]: message.id,
        [DLQ_ATTRIBUTES.receives]: String(message.receiveCount)
      }
    })
    // Only once it is safely in the DLQ is it deleted here; a failed send leaves it in place.
    await this.delete([message.receiptHandle])
    return 'moved'
  }

  get deadLetters(): DeadLetterAdmin | undefined {
    const arn = this.attrs.deadLetterArn
    if (!arn) return undefined
    this.dlqAdmin ??= sqsDeadLetters({
      client: this.client,
      name: `SQS ${arn.split(':').pop() ?? arn}`,
      url: () => this.deadLetterUrl(arn),
      sendBack: async (body, groupId) => {
        await this.sendTo(this.url, this.attrs.fifo, body, groupId ? { groupId } : {})
      }
    })
    return this.dlqAdmin
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    // A poll abandoned at stop may just have been handed a job given back: let it return it.
    await this.abandoned.settle(this.opts.closeGraceMs ?? 2000)
    this.closing.abort()
    if (!this.opts.client) this.client.destroy()
  }

  private async handBack(messages: Message[]): Promise<void> {
    this.logger.info(`SQS: ${messages.length} message(s) reached a long poll nobody waited for; handing them back`)
    await Promise.all(
      messages.map((m) => (m.ReceiptHandle ? this.changeVisibility(m.ReceiptHandle, 0).catch(() => undefined) : undefined))
    )
  }

  private async sendTo(
    url: string,
    fifo: boolean,
    body: string,
    opts: SendOptions & { attributes?: Record<string, string> }
  ): Promise<{ messageId: string }> {
    if (fifo && opts.delaySeconds) this.logger.debug('SQS FIFO queues take no per-message delay; sending without it')
    const out = await this.retry('send', 5, undefined, () =>
      this.client.send(
        new SendMessageCommand({
          QueueUrl: url,
          MessageBody: body,
          // FIFO: one default group keeps strict order; a fresh dedup id so a deliberate re-send is never swallowed.
          ...(fifo
            ? { MessageGroupId: opts.groupId ?? 'default', MessageDeduplicationId: opts.deduplicationId ?? randomUUID() }
            : opts.delaySeconds
              ? { DelaySeconds: Math.min(900, Math.round(opts.delaySeconds)) }
              : {}),
          ...(opts.attributes
            ? { MessageAttributes: Object.fromEntries(Object.entries(opts.attributes).map(([k, v]) => [k, { DataType: 'String', StringValue: v }])) }
            : {})
        })
      )
    )
    if (!out.MessageId) throw new Error(`SQS send to ${url} returned no MessageId`)
    return { messageId: out.MessageId }
  }

  private deadLetterUrl(arn: string): Promise<string> {
    this.dlqUrl ??= resolveQueueUrl(this.client, arn, this.url).catch((error: unknown) => {
      this.dlqUrl = null
      throw error
    })
    return this.dlqUrl
  }

  private retry<T>(
    what: string,
    retries: number,
    signal: AbortSignal | undefined,
    fn: (s: AbortSignal | undefined) => Promise<T>,
    backoff: BackoffOptions = this.opts.backoff ?? {}
  ): Promise<T> {
    return withBackoff(fn, { what: `${what} on ${this.name}`, retries, ...(signal ? { signal } : {}) }, backoff, this.logger)
  }

  /** A heartbeat retry is only worth it while the lease lasts: short pauses, a few tries. */
  private leaseBackoff(): BackoffOptions {
    const b = this.opts.backoff ?? {}
    return { minTimeoutMs: Math.min(250, b.minTimeoutMs ?? 250), maxTimeoutMs: Math.min(2000, b.maxTimeoutMs ?? 2000) }
  }
}
