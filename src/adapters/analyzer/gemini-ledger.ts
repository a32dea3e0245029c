import { mkdir, readFile, rename, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { z } from 'zod'

const Entries = z.array(z.object({ name: z.string().regex(/^files\/[a-z0-9-]+$/), videoId: z.string(), at: z.string() }))
type Entry = z.infer<typeof Entries>[number]

/**
 * Names of uploaded files not yet deleted, kept in DATA_DIR so a crash or a kill between upload and
 * delete leaves nothing on Google's side for long: the next start deletes what is listed.
 * One process owns DATA_DIR, so writes are only serialised within this process.
 */
export interface UploadLedger {
  add(name: string, videoId: string): Promise<void>
  remove(name: string): Promise<void>
  /** Entries left by an earlier run. */
  leftovers(): Promise<Entry[]>
}

export function createUploadLedger(dataDir: string | undefined): UploadLedger {
  if (!dataDir) return { add: async () => {}, remove: async () => {}, leftovers: async () => [] }
  const file = path.join(dataDir, 'gemini-uploads.json')
  let entries: Promise<Entry[]> | null = null
  let chain: Promise<unknown> = Promise.resolve()

  const load = () =>
    (entries ??= readFile(file, 'utf8').then(
      (text) => {
        const parsed = Entries.safeParse(JSON.parse(text))
        return parsed.success ? parsed.data : []
      },
      () => []
    ))

  const update = (change: (list: Entry[]) => Entry[]) => {
    const next = chain.then(async () => {
      const list = change(await load())
      entries = Promise.resolve(list)
      await mkdir(dataDir, { recursive: true })
      await writeFile(`${file}.tmp`, JSON.stringify(list))
      await rename(`${file}.tmp`, file)
    })
    chain = next.catch(() => undefined)
    return next
  }

  return {
    add: (name, videoId) => update((list) => [...list.filter((e) => e.name !== name), { name, videoId, at: new Date().toISOString() }]),
    remove: (name) => update((list) => list.filter((e) => e.name !== name)),
    leftovers: async () => [...(await load())]
  }
}
