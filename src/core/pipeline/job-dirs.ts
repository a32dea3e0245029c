import { execFile } from 'node:child_process'
import { appendFile, readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { promisify } from 'node:util'
import { z } from 'zod'
import { isAlive } from '../pid'
import { UUID_SOURCE } from '../../shared/uuid'

/** Inside each job directory: the pid of the process whose job it is. */
const OWNER_FILE = '.video-processor-pid'
/** Inside each job directory: one JSON line per child process the job started. */
const CHILDREN_FILE = '.video-processor-children'
const JOB_DIR = new RegExp(`^${UUID_SOURCE}-\\d+$`, 'i')

const Child = z.object({ pid: z.number().int().positive(), command: z.string(), startedAt: z.string().nullable() })
type Child = z.infer<typeof Child>

/**
 * Marks a job directory as this process's. DOWNLOAD_DIR may be shared by workers of other
 * DATA_DIRs on the same machine; the mark keeps their start-up clean-up off running jobs.
 */
export async function markJobDir(dir: string): Promise<void> {
  await writeFile(join(dir, OWNER_FILE), String(process.pid))
}

/**
 * Notes a child process (ffmpeg…) of the job in its directory, with the program and, where the
 * system tells it, its start time: after a crash the next start ends it only if that pid still
 * runs the same program, never an unrelated process that got the pid later.
 */
export async function recordChild(dir: string, pid: number, command: string): Promise<void> {
  const child: Child = { pid, command: basename(command), startedAt: await processStart(pid) }
  await appendFile(join(dir, CHILDREN_FILE), `${JSON.stringify(child)}\n`)
}

export interface StaleSweep {
  dirs: number
  /** Child processes of a dead worker that were still running and were ended. */
  killed: { pid: number; command: string }[]
}

/**
 * Removes job directories (`<videoId>-<delivery>`) left by a crash: any not marked by another
 * live process. The child processes such a directory lists are ended first when they still run.
 */
export async function removeStaleJobDirs(downloadDir: string): Promise<StaleSweep> {
  const entries = await readdir(downloadDir).catch(() => [] as string[])
  const sweep: StaleSweep = { dirs: 0, killed: [] }
  await Promise.all(
    entries
      .filter((e) => JOB_DIR.test(e))
      .map(async (e) => {
        const dir = join(downloadDir, e)
        const pid = Number(await readFile(join(dir, OWNER_FILE), 'utf8').catch(() => ''))
        if (pid !== process.pid && isAlive(pid)) return
        for (const child of await readChildren(dir)) if (await endIfSame(child)) sweep.killed.push({ pid: child.pid, command: child.command })
        // A directory that cannot be removed must not keep the worker from starting.
        await rm(dir, { recursive: true, force: true }).then(
          () => (sweep.dirs += 1),
          () => undefined
        )
      })
  )
  return sweep
}

async function readChildren(dir: string): Promise<Child[]> {
  const text = await readFile(join(dir, CHILDREN_FILE), 'utf8').catch(() => '')
  return text.split('\n').flatMap((line) => {
    try {
      const parsed = Child.safeParse(JSON.parse(line))
      return parsed.success ? [parsed.data] : []
    } catch {
      return []
    }
  })
}

async function endIfSame(child: Child): Promise<boolean> {
  if (child.pid === process.pid || !isAlive(child.pid)) return false
  const startedAt = await processStart(child.pid)
  if (child.startedAt !== null && startedAt !== null) {
    if (startedAt !== child.startedAt) return false
  } else if ((await programOf(child.pid)) !== child.command.slice(0, 15)) return false
  try {
    // The child leads its own process group: end it and whatever it started.
    process.kill(-child.pid, 'SIGKILL')
  } catch {
    try {
      process.kill(child.pid, 'SIGKILL')
    } catch {
      return false
    }
  }
  return true
}

/** The process's start time in clock ticks since boot (Linux), which tells a reused pid apart; null elsewhere. */
async function processStart(pid: number): Promise<string | null> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => null)
  if (stat === null) return null
  // Fields after the command (in parentheses, which may hold spaces); start time is field 22.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return fields[19] ?? null
}

/** The program name of a running process (as `ps` shows it, at most 15 characters), or null. */
async function programOf(pid: number): Promise<string | null> {
  const out = await promisify(execFile)('ps', ['-o', 'comm=', '-p', String(pid)]).catch(() => null)
  const name = out?.stdout.trim()
  return name ? basename(name).slice(0, 15) : null
}
