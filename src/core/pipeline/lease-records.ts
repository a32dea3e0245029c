import { createHash } from 'node:crypto'
import { mkdir, readFile, readdir, rm, unlink, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'
import { isAlive } from '../pid'
import type { Queue, ReceivedMessage } from '../ports'
import { withinBudget } from '../budget'

/**
 * Leases this process holds, one small file each under `DATA_DIR/leases`. DATA_DIR has one
 * owner at a time, so a file whose process is gone is a lease of a crashed owner: the next
 * owner gives those messages back at start instead of leaving them invisible for the rest of
 * the visibility timeout.
 */
const DIR = 'leases'
const Record = z.object({ pid: z.number().int(), messageId: z.string(), receiptHandle: z.string().min(1) })

const fileOf = (dataDir: string, receiptHandle: string) =>
  join(dataDir, DIR, `${createHash('sha256').update(receiptHandle).digest('hex').slice(0, 32)}.json`)

/**
 * Records the leases of the messages of one receive: the folder is made once for the batch,
 * then one file per message. Resolves with the messages whose record could not be written.
 */
export async function recordLeases(dataDir: string, messages: ReceivedMessage[]): Promise<{ message: ReceivedMessage; error: unknown }[]> {
  const folderError = await mkdir(join(dataDir, DIR), { recursive: true }).then(
    () => null,
    (error: unknown) => error
  )
  const results = await Promise.allSettled(
    messages.map(async (message) => {
      if (folderError !== null) throw folderError
      const record: z.infer<typeof Record> = { pid: process.pid, messageId: message.id, receiptHandle: message.receiptHandle }
      await writeFile(fileOf(dataDir, message.receiptHandle), JSON.stringify(record))
    })
  )
  return results.flatMap((r, i) => (r.status === 'rejected' ? [{ message: messages[i]!, error: r.reason as unknown }] : []))
}

export async function forgetLease(dataDir: string, message: ReceivedMessage): Promise<void> {
  await unlink(fileOf(dataDir, message.receiptHandle)).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'ENOENT') throw error
  })
}

/**
 * Hands back the messages a dead owner of this DATA_DIR still leased. The delivery counts (a
 * message that crashes its worker each time must still reach the dead-letter queue). A handle
 * whose lease already ran out is refused by the queue; either way the record goes. Returns the
 * dead owners' pids, whose claims on rows are released next.
 */
export async function releaseDeadLeases(dataDir: string, queue: Queue, warn: (line: string) => void): Promise<number[]> {
  const dir = join(dataDir, DIR)
  const files = await readdir(dir).catch(() => [] as string[])
  const deadPids = new Set<number>()
  await Promise.all(
    files
      .filter((f) => f.endsWith('.json'))
      .map(async (name) => {
        const file = join(dir, name)
        const parsed = Record.safeParse(await readFile(file, 'utf8').then((t) => JSON.parse(t) as unknown, () => null))
        if (parsed.success && (parsed.data.pid === process.pid || isAlive(parsed.data.pid))) return
        if (parsed.success) {
          deadPids.add(parsed.data.pid)
          await withinBudget(queue.changeVisibility(parsed.data.receiptHandle, 0), 5000).then(
            () => {
              warn(`message ${parsed.data.messageId} was held by process ${parsed.data.pid}, which is gone: handed back to the queue`)
            },
            () => undefined
          )
        }
        await rm(file, { force: true })
      })
  )
  return [...deadPids]
}
