import { DeleteMessageCommand, ReceiveMessageCommand, type SQSClient } from '@aws-sdk/client-sqs'
import { sleep } from '../support/stats'
import type { PeerHandler } from './handler'
import type { RunningPeer } from './sqs-consumer'

export interface SeedLoopOptions {
  client: SQSClient
  queueUrl: string
  handler: PeerHandler
  /** How long the loop sleeps when a poll came back empty. */
  emptyPollSleepMs?: number
  onCompleted(videoId: string, at: number): void
  onError(error: Error): void
}

/**
 * The simplest worker loop, the one this worker grew out of: receive up to 10 (short poll), handle them one at a time,
 * delete each after it is handled, sleep 5 s when the queue was empty.
 */
export function startSeedLoop(opts: SeedLoopOptions): RunningPeer {
  const pause = opts.emptyPollSleepMs ?? 5000
  let stopped = false
  let wake: (() => void) | null = null
  const loop = async () => {
    while (!stopped) {
      try {
        const out = await opts.client.send(new ReceiveMessageCommand({ QueueUrl: opts.queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }))
        const messages = out.Messages ?? []
        if (messages.length === 0) {
          await Promise.race([sleep(pause), new Promise<void>((resolve) => (wake = resolve))])
          continue
        }
        for (const message of messages) {
          if (stopped) break
          const videoId = await opts.handler(message.Body ?? '')
          opts.onCompleted(videoId, performance.now())
          await opts.client.send(new DeleteMessageCommand({ QueueUrl: opts.queueUrl, ReceiptHandle: message.ReceiptHandle }))
        }
      } catch (error) {
        opts.onError(error instanceof Error ? error : new Error(String(error)))
        await sleep(pause)
      }
    }
  }
  const done = loop()
  return {
    async stop() {
      stopped = true
      wake?.()
      await done
    }
  }
}
