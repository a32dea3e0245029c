import { readFile, rename, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { z } from 'zod'

/**
 * Whether the operator last started or stopped the worker from the console, kept in DATA_DIR so
 * a worker someone stopped stays stopped when the process restarts.
 */
const Intent = z.object({ state: z.enum(['running', 'stopped']), at: z.iso.datetime({ offset: true }) })
export type WorkerIntent = z.infer<typeof Intent>

const FILE = 'worker-intent.json'

export async function readWorkerIntent(dataDir: string): Promise<WorkerIntent | null> {
  const raw = await readFile(join(dataDir, FILE), 'utf8').catch(() => null)
  if (raw === null) return null
  try {
    const parsed = Intent.safeParse(JSON.parse(raw))
    return parsed.success ? parsed.data : null
  } catch {
    return null
  }
}

export async function saveWorkerIntent(dataDir: string, state: WorkerIntent['state'], at: Date): Promise<void> {
  const file = join(dataDir, FILE)
  // Written whole then renamed: a crash mid-write never leaves a half file that reads as "running".
  await writeFile(`${file}.tmp`, `${JSON.stringify({ state, at: at.toISOString() })}\n`)
  await rename(`${file}.tmp`, file)
}
