/**
 * Opens an SQS queue at argv[2] (nobody listening) with nothing else keeping the process alive,
 * and prints how that ended: the start-up retries alone must keep the process running until
 * they give up with an error.
 */
import { createSqsQueue } from '../../src/adapters/queue/sqs'

const url = process.argv[2]!
try {
  await createSqsQueue({
    queueUrl: url,
    aws: { region: 'us-east-1', endpoint: new URL(url).origin, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
    backoff: { minTimeoutMs: 100, maxTimeoutMs: 200 }
  })
  process.stdout.write('opened\n')
} catch (error) {
  process.stdout.write(`error: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exitCode = 1
}
