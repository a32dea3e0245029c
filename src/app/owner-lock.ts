import { readFileSync, rmSync } from 'node:fs'
import { mkdir, open, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { isAlive } from '../core/pid'

/** DATA_DIR is owned by a live process; the message is one line naming the pid. */
export class OwnerLockError extends Error {
  constructor(
    readonly pid: number,
    readonly dataDir: string
  ) {
    super(
      `${dataDir} is in use by process ${pid} (a running worker or console): stop it, or set DATA_DIR to another folder` +
        ` (if ${pid} is not video-processor, delete ${join(dataDir, LOCK_FILE)})`
    )
    this.name = 'OwnerLockError'
  }
}

export interface OwnerLock {
  readonly path: string
  release(): Promise<void>
}

export const LOCK_FILE = 'owner.lock'

export { isAlive }

/** The pid written in DATA_DIR/owner.lock when that process is still alive, else null. */
export async function currentOwner(dataDir: string): Promise<number | null> {
  const pid = await readPid(join(dataDir, LOCK_FILE))
  return pid !== null && isAlive(pid) ? pid : null
}

/**
 * Takes DATA_DIR for this process: PGlite is single-process, so exactly one process may open
 * the embedded database. The lock file holds the owner's pid; a lock left by a dead process is
 * taken over. Released on `release()` and, as a last resort, when the process exits.
 */
export async function acquireOwnerLock(dataDir: string): Promise<OwnerLock> {
  await mkdir(dataDir, { recursive: true })
  const path = join(dataDir, LOCK_FILE)
  for (let tries = 0; tries < 5; tries++) {
    try {
      const handle = await open(path, 'wx')
      await handle.writeFile(`${process.pid}\n`)
      await handle.close()
      const onExit = () => releaseSync(path)
      process.once('exit', onExit)
      return {
        path,
        async release() {
          process.removeListener('exit', onExit)
          if ((await readPid(path)) === process.pid) await rm(path, { force: true })
        }
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const pid = await readPid(path)
    if (pid !== null && pid !== process.pid && isAlive(pid)) throw new OwnerLockError(pid, dataDir)
    if (pid === process.pid) throw new Error(`${dataDir} is already open in this process`)
    // Stale (dead pid, or a half-written file): remove and try again.
    await rm(path, { force: true })
  }
  throw new Error(`could not take ${path}: another process keeps creating it`)
}

async function readPid(path: string): Promise<number | null> {
  const text = await readFile(path, 'utf8').catch(() => null)
  if (text === null) return null
  const pid = Number.parseInt(text.trim(), 10)
  return Number.isInteger(pid) ? pid : null
}

function releaseSync(path: string): void {
  try {
    if (Number.parseInt(readFileSync(path, 'utf8').trim(), 10) === process.pid) rmSync(path, { force: true })
  } catch {
    // Already gone.
  }
}
