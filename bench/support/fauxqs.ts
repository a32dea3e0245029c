import type { AddressInfo } from 'node:net'
import { CreateQueueCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs'
import { buildApp } from 'fauxqs'

/** fauxqs 1.x inside this process, on 127.0.0.1 and a port the OS picks. */
export interface FauxqsHarness {
  endpoint: string
  /** A client with an explicit endpoint: fauxqs's queue URL host does not resolve here. */
  client(): SQSClient
  createQueue(name: string, attributes?: Record<string, string>): Promise<string>
  stop(): Promise<void>
}

export const BENCH_REGION = 'us-east-1'
export const BENCH_CREDENTIALS = { accessKeyId: 'bench', secretAccessKey: 'bench' }

export async function startFauxqs(): Promise<FauxqsHarness> {
  // startFauxqs() binds 0.0.0.0; buildApp() lets us listen on loopback only.
  const app = buildApp({ logger: false })
  await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = app.server.address() as AddressInfo
  const endpoint = `http://127.0.0.1:${port}`
  const clients: SQSClient[] = []
  const client = () => {
    const c = new SQSClient({ endpoint, region: BENCH_REGION, credentials: BENCH_CREDENTIALS })
    clients.push(c)
    return c
  }
  const admin = client()
  return {
    endpoint,
    client,
    async createQueue(name, attributes) {
      const out = await admin.send(new CreateQueueCommand({ QueueName: name, Attributes: attributes }))
      if (!out.QueueUrl) throw new Error(`fauxqs returned no QueueUrl for ${name}`)
      return out.QueueUrl
    },
    async stop() {
      for (const c of clients) c.destroy()
      await app.close()
    }
  }
}

/**
 * Sends bodies in batches of 10 and calls `onSend(index, at)` just before each batch goes
 * out, so latency counts from the send, not from when the burst started.
 */
export async function sendBurst(
  client: SQSClient,
  queueUrl: string,
  bodies: string[],
  onSend: (index: number, at: number) => void,
  parallel = 4
): Promise<void> {
  const batches: number[][] = []
  for (let i = 0; i < bodies.length; i += 10) batches.push(Array.from({ length: Math.min(10, bodies.length - i) }, (_, k) => i + k))
  let next = 0
  const lane = async () => {
    while (next < batches.length) {
      const batch = batches[next++] ?? []
      const at = performance.now()
      for (const i of batch) onSend(i, at)
      const out = await client.send(
        new SendMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: batch.map((i) => ({ Id: String(i), MessageBody: bodies[i] ?? '' }))
        })
      )
      if (out.Failed?.length) throw new Error(`send failed: ${out.Failed[0]?.Message ?? 'unknown'}`)
    }
  }
  await Promise.all(Array.from({ length: parallel }, lane))
}
