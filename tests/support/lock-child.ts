/**
 * A process that races for a DATA_DIR lock: waits until the start time given as argv[3] (so
 * every racer tries at once), tries once, prints `got` or `refused`, and holds a lock it got for
 * argv[4] ms before releasing it. argv[5] is the role (`owner` by default, `visitor` for a short
 command).
 */
import { acquireOwnerLock } from '../../src/app/owner-lock'

const [dataDir, startAt, holdMs] = [process.argv[2]!, Number(process.argv[3]), Number(process.argv[4] ?? 1500)]
const role = process.argv[5] === 'visitor' ? 'visitor' : 'owner'
while (Date.now() < startAt) await new Promise((r) => setTimeout(r, 1))
try {
  const lock = await acquireOwnerLock(dataDir, { role, waitForVisitorMs: 0 })
  process.stdout.write(`got ${Date.now()}\n`)
  await new Promise((r) => setTimeout(r, holdMs))
  process.stdout.write(`released ${Date.now()}\n`)
  await lock.release()
} catch (error) {
  process.stdout.write(`refused ${error instanceof Error ? error.message : String(error)}\n`)
}
