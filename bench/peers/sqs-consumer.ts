import type { SQSClient } from '@aws-sdk/client-sqs'
import { Consumer } from 'sqs-consumer'
import type { PeerHandler } from './handler'

export interface RunningPeer {
  stop(): Promise<void>
}

export interface SqsConsumerPeerOptions {
  client: SQSClient
  queueUrl: string
  handler: PeerHandler
  /** 1..10; sqs-consumer runs one batch at a time, so this is also its concurrency. */
  batchSize: number
  /** Independent Consumer instances on the same queue (the documented way to get more concurrency). */
  consumers?: number
  onCompleted(videoId: string, at: number): void
  onError(error: Error): void
}

/**
 * sqs-consumer 14.2 as its README sets it up, with our client pointed at fauxqs. It runs the
 * handlers of one received batch at once (`Promise.all`) and polls again when all are done, so
 * `batchSize × consumers` handlers run at most at once.
 */
export function startSqsConsumerPeer(opts: SqsConsumerPeerOptions): RunningPeer {
  const consumers = Array.from({ length: opts.consumers ?? 1 }, () => {
    const consumer = Consumer.create({
      queueUrl: opts.queueUrl,
      sqs: opts.client,
      batchSize: opts.batchSize,
      handleMessage: async (message) => {
        const videoId = await opts.handler(message.Body ?? '')
        opts.onCompleted(videoId, performance.now())
        // v14: only a returned message is acknowledged (deleted).
        return message
      }
    })
    consumer.on('error', opts.onError)
    consumer.on('processing_error', opts.onError)
    consumer.start()
    return consumer
  })
  return {
    async stop() {
      for (const c of consumers) c.stop({ abort: true })
    }
  }
}
