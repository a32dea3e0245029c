import { createHash, randomUUID } from 'node:crypto'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import type { Migration } from './migrations'

/**
 * New databases (in memory for tests, or a fresh DATA_DIR) start from a cached, already
 * migrated data directory: initdb plus migrations take seconds, loading a dump about one.
 * The dump lives in `node_modules/.cache/video-processor/`, keyed by PGlite's version and
 * the migrations' text, so a changed migration or a PGlite upgrade makes a new one.
 * Without a writable cache the database is simply made from scratch.
 */
export async function createFromTemplate(
  target: string,
  migrations: readonly Migration[],
  repoRoot: string,
  migrate: (db: PGlite, migrations: readonly Migration[]) => Promise<unknown>
): Promise<PGlite> {
  const file = templateFile(migrations, repoRoot)
  if (file && existsSync(file)) {
    const loaded = await PGlite.create(target, { loadDataDir: new Blob([await readFile(file)]) }).catch(() => null)
    if (loaded) return await migrated(loaded, migrations, migrate)
    await rm(file, { force: true }) // unreadable dump: make a new one below
  }
  const db = await migrated(await PGlite.create(target), migrations, migrate)
  if (file) await saveTemplate(db, file).catch(() => undefined)
  return db
}

/** Runs the migrations on a just-opened database; closes it if they fail. */
export async function migrated(
  db: PGlite,
  migrations: readonly Migration[],
  migrate: (db: PGlite, migrations: readonly Migration[]) => Promise<unknown>
): Promise<PGlite> {
  try {
    await migrate(db, migrations)
    return db
  } catch (error) {
    await db.close().catch(() => undefined)
    throw error
  }
}

function templateFile(migrations: readonly Migration[], repoRoot: string): string | null {
  const modules = join(repoRoot, 'node_modules')
  if (!existsSync(modules)) return null
  const hash = createHash('sha256')
  hash.update(pgliteVersion())
  for (const m of migrations) hash.update(`\0${m.name}\0${m.sql}`)
  return join(modules, '.cache', 'video-processor', `pglite-${hash.digest('hex').slice(0, 16)}.tgz`)
}

function pgliteVersion(): string {
  try {
    const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite')
    const pkg: unknown = JSON.parse(readFileSync(join(dirname(entry), '..', 'package.json'), 'utf8'))
    return typeof pkg === 'object' && pkg !== null && 'version' in pkg ? String(pkg.version) : 'unknown'
  } catch {
    return 'unknown'
  }
}

/** Writes the dump under a unique name, then renames: concurrent test workers never see half a file. */
async function saveTemplate(db: PGlite, file: string): Promise<void> {
  const dump = await db.dumpDataDir('gzip')
  await mkdir(dirname(file), { recursive: true })
  const partial = `${file}.${randomUUID()}.partial`
  await writeFile(partial, Buffer.from(await dump.arrayBuffer()))
  await rename(partial, file).catch(async (error: unknown) => {
    await rm(partial, { force: true })
    throw error
  })
}
