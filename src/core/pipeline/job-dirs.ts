import { readFile, readdir, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { isAlive } from '../pid'
import { UUID_SOURCE } from '../../shared/uuid'

/** Inside each job directory: the pid of the process whose job it is. */
const OWNER_FILE = '.video-processor-pid'
const JOB_DIR = new RegExp(`^${UUID_SOURCE}-\\d+$`, 'i')

/**
 * Marks a job directory as this process's. DOWNLOAD_DIR may be shared by workers of other
 * DATA_DIRs on the same machine; the mark keeps their start-up clean-up off running jobs.
 */
export async function markJobDir(dir: string): Promise<void> {
  await writeFile(join(dir, OWNER_FILE), String(process.pid))
}

/** Removes job directories (`<videoId>-<delivery>`) left by a crash: any not marked by another live process. */
export async function removeStaleJobDirs(downloadDir: string): Promise<void> {
  const entries = await readdir(downloadDir).catch(() => [] as string[])
  await Promise.all(
    entries
      .filter((e) => JOB_DIR.test(e))
      .map(async (e) => {
        const pid = Number(await readFile(join(downloadDir, e, OWNER_FILE), 'utf8').catch(() => ''))
        if (pid !== process.pid && isAlive(pid)) return
        // A directory that cannot be removed must not keep the worker from starting.
        await rm(join(downloadDir, e), { recursive: true, force: true }).catch(() => undefined)
      })
  )
}
