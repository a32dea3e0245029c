import { randomBytes } from 'node:crypto'
import { readFileSync, rmSync } from 'node:fs'
import { link, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises'
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

/**
 * Who holds the lock: `owner` runs the worker and serves the console for as long as it runs;
 * `visitor` is a short command (`status`, `enqueue`, `export`) that opened the database because
 * nobody owned it, and lets go within seconds.
 */
export type LockRole = 'owner' | 'visitor'

export interface LockHolder {
  pid: number
  role: LockRole
}

export interface OwnerLock {
  readonly path: string
  release(): Promise<void>
}

export interface AcquireOptions {
  /** Default `owner`. */
  role?: LockRole
  /** How long an owner waits for a visitor to let go before giving up (default 60 s). */
  waitForVisitorMs?: number
  /** Told once when the lock is busy with a visitor and this process waits for it. */
  onWait?: (holder: LockHolder) => void
}

export const LOCK_FILE = 'owner.lock'
const TAKEOVER_FILE = 'owner.lock.takeover'
/** A takeover lasts milliseconds; one older than this was left by a process that died in it. */
const TAKEOVER_STALE_MS = 10_000

export { isAlive }

/** The pid written in DATA_DIR/owner.lock when that process is still alive, else null. */
export async function currentOwner(dataDir: string): Promise<number | null> {
  return (await currentHolder(dataDir))?.pid ?? null
}

/** The live holder of DATA_DIR/owner.lock and its role, else null. */
export async function currentHolder(dataDir: string): Promise<LockHolder | null> {
  const holder = parseHolder(await readText(join(dataDir, LOCK_FILE)))
  return holder !== null && isAlive(holder.pid) ? holder : null
}

/**
 * Takes DATA_DIR for this process: PGlite is single-process, so exactly one process may open
 * the embedded database. The lock file holds the holder's pid and role. It is written whole to
 * a private file first and then hard-linked into place, so it never exists half-written: a
 * reader sees a complete holder or no file. A lock left by a dead process is taken over by one
 * process at a time (see `takeOver`). An owner that finds a visitor waits for it to finish
 * rather than failing. Released on `release()` and, as a last resort, when the process exits.
 */
export async function acquireOwnerLock(dataDir: string, opts: AcquireOptions = {}): Promise<OwnerLock> {
  const role = opts.role ?? 'owner'
  const waitMs = opts.waitForVisitorMs ?? 60_000
  await mkdir(dataDir, { recursive: true })
  const path = join(dataDir, LOCK_FILE)
  const started = Date.now()
  let told = false
  for (;;) {
    if (Date.now() - started > waitMs + 30_000) throw new Error(`could not take ${path}: another process keeps creating it`)
    if (await linkLock(path, `${process.pid}\n${role}\n`)) return heldLock(path)
    const text = await readText(path)
    if (text === null) continue // Released between our link and our read: try again.
    const holder = parseHolder(text)
    if (holder?.pid === process.pid) throw new Error(`${dataDir} is already open in this process`)
    if (holder !== null && isAlive(holder.pid)) {
      const waitable = role === 'owner' && holder.role === 'visitor' && Date.now() - started < waitMs
      if (!waitable) throw new OwnerLockError(holder.pid, dataDir)
      if (!told) opts.onWait?.(holder)
      told = true
      await sleep(100)
      continue
    }
    await takeOver(dataDir, path, text)
  }
}

/** Creates `path` with `content` only when it does not exist; false when it does. */
async function linkLock(path: string, content: string): Promise<boolean> {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  await writeFile(temp, content)
  try {
    await link(temp, path)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'EEXIST') return false
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'ENOSYS') throw error
    // A file system without hard links: exclusive create, then write (a reader may briefly see it empty).
    return writeFile(path, content, { flag: 'wx' }).then(
      () => true,
      (e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST') return false
        throw e
      }
    )
  } finally {
    await rm(temp, { force: true })
  }
}

/**
 * Removes a stale lock whose content was `seen`. Several processes may find the same stale lock;
 * if each removed what it found, a late one could remove the fresh lock an earlier one had just
 * taken. So removal is done under a second, short-lived lock, and only when the lock file still
 * holds exactly what was seen (a fresh lock always names a live pid, never the dead one).
 */
async function takeOver(dataDir: string, path: string, seen: string): Promise<void> {
  const guard = join(dataDir, TAKEOVER_FILE)
  if (!(await linkLock(guard, `${process.pid}\n`))) {
    const holder = parseHolder(await readText(guard))
    const age = await stat(guard).then((s) => Date.now() - s.mtimeMs, () => 0)
    if ((holder !== null && !isAlive(holder.pid)) || age > TAKEOVER_STALE_MS) await rm(guard, { force: true })
    else await sleep(20)
    return
  }
  try {
    if ((await readText(path)) === seen) await rm(path, { force: true })
  } finally {
    await rm(guard, { force: true })
  }
}

function heldLock(path: string): OwnerLock {
  const onExit = () => releaseSync(path)
  process.once('exit', onExit)
  return {
    path,
    async release() {
      process.removeListener('exit', onExit)
      if (parseHolder(await readText(path))?.pid === process.pid) await rm(path, { force: true })
    }
  }
}

function parseHolder(text: string | null): LockHolder | null {
  if (text === null) return null
  const [first, second] = text.trim().split('\n')
  const pid = Number.parseInt(first ?? '', 10)
  if (!Number.isInteger(pid)) return null
  // A lock written before roles existed names an owner.
  return { pid, role: second?.trim() === 'visitor' ? 'visitor' : 'owner' }
}

function readText(path: string): Promise<string | null> {
  return readFile(path, 'utf8').catch(() => null)
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

function releaseSync(path: string): void {
  try {
    if (parseHolder(readFileSync(path, 'utf8'))?.pid === process.pid) rmSync(path, { force: true })
  } catch {
    // Already gone.
  }
}
