/**
 * A process that takes and lets go of a DATA_DIR lock over and over for argv[4] ms, starting at
 * argv[3] (so every racer starts at once). While it holds the lock it creates a marker file that
 * must not exist: finding one means two processes held the lock at the same time. Prints
 * `held N` and `overlap M`.
 */
import { open, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { acquireOwnerLock, OwnerLockError } from '../../src/app/owner-lock'

const [dataDir, startAt, durationMs] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4])]
const marker = join(dataDir, 'holder.marker')
while (Date.now() < startAt) await new Promise((r) => setTimeout(r, 1))
let held = 0
let overlap = 0
while (Date.now() < startAt + durationMs) {
  let lock
  try {
    lock = await acquireOwnerLock(dataDir, { waitForVisitorMs: 0 })
  } catch (error) {
    if (!(error instanceof OwnerLockError)) throw error
    continue
  }
  held++
  const mine = await open(marker, 'wx').catch(() => null)
  if (!mine) overlap++
  await new Promise((r) => setTimeout(r, 2))
  if (mine) {
    await mine.close()
    await rm(marker, { force: true })
  }
  await lock.release()
}
process.stdout.write(`held ${held}\noverlap ${overlap}\n`)
