import { ReceiveMessageCommand } from '@aws-sdk/client-sqs'
import { afterAll, beforeAll } from 'vitest'
import { createSqsQueue } from '../../src/adapters/queue/sqs'
import { startAwsLocal, type AwsLocal } from '../support/aws-local'
import { queueConformance } from './queue-suite'

// SQS as the SDK sees it: fauxqs 1.x in this process on 127.0.0.1; one server, a fresh queue pair per test.
let aws: AwsLocal
let n = 0
beforeAll(async () => {
  aws = await startAwsLocal()
})
afterAll(async () => {
  await aws?.stop()
})

const settings = { visibilityTimeoutSeconds: 1, maxReceiveCount: 2 }
const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }

queueConformance(
  'sqs (fauxqs)',
  async ({ fifo }) => {
    const suffix = fifo ? '.fifo' : ''
    const name = `conf-${++n}`
    const dlq = await aws.createQueue(`${name}-dlq${suffix}`)
    const q = await aws.createQueue(`${name}${suffix}`, {
      VisibilityTimeout: String(settings.visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: settings.maxReceiveCount })
    })
    const queue = await createSqsQueue({ queueUrl: q.url, aws: aws.aws, logger: silent, backoff: { minTimeoutMs: 50, maxTimeoutMs: 200 } })
    return {
      queue,
      deadLetters: async () => {
        const out = await aws.sqs.send(new ReceiveMessageCommand({ QueueUrl: dlq.url, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }))
        return (out.Messages ?? []).map((m) => m.Body ?? '')
      },
      cleanup: () => queue.close()
    }
  },
  { ...settings, groups: true, delay: true, staleDeleteRejects: false }
)
