import { existsSync } from 'node:fs'
import { mkdir, readdir, readFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { PGlite } from '@electric-sql/pglite'
import { embeddedMigrations, type Migration } from './migrations'
import { createFromTemplate, migrated } from './template'
import { errorText } from '../../shared/error-text'

/** The embedded Postgres (PGlite). Single-process: one instance per data directory per process. */
export type EmbeddedDb = PGlite

export interface OpenDatabaseOptions {
  /** Where the shared `*.sql` migrations live; found next to the code by default. */
  migrationsDir?: string
  /** A new database starts from a cached migrated dump when one can be kept (default true; see template.ts). */
  template?: boolean
}

const openByDir = new Map<string, Promise<EmbeddedDb>>()

/**
 * Opens (creating on first use) the embedded database at `DATA_DIR/db` and applies the
 * migrations not yet recorded in `schema_migrations`. `null` (or `memory://`) gives a
 * fresh in-memory database, for tests. Opening the same directory twice in one process
 * returns the same instance: PGlite must not open one data directory twice.
 */
export async function openDatabase(dataDir: string | null, opts: OpenDatabaseOptions = {}): Promise<EmbeddedDb> {
  if (dataDir === null || dataDir === 'memory://') {
    return await create('memory://', opts)
  }
  const dbDir = resolve(dataDir, 'db')
  const cached = openByDir.get(dbDir)
  if (cached) {
    const db = await cached.catch(() => null)
    if (db && !db.closed) return db
  }
  const opening = (async () => {
    await mkdir(dbDir, { recursive: true })
    return await create(dbDir, opts)
  })()
  openByDir.set(dbDir, opening)
  opening.catch(() => openByDir.delete(dbDir))
  return await opening
}

async function allMigrations(migrationsDir: string): Promise<Migration[]> {
  return [...(await sharedMigrations(migrationsDir)), ...embeddedMigrations]
}

async function create(target: string, opts: OpenDatabaseOptions): Promise<PGlite> {
  const migrationsDir = opts.migrationsDir ?? findMigrationsDir()
  const migrations = await allMigrations(migrationsDir)
  const fresh = target === 'memory://' || !existsSync(join(target, 'PG_VERSION'))
  if (fresh && opts.template !== false) return await createFromTemplate(target, migrations, dirname(dirname(migrationsDir)), migrate)
  return await migrated(await PGlite.create(target), migrations, migrate)
}

/** Applies each migration once, in order, each in its own transaction. */
export async function migrate(db: PGlite, migrations: readonly Migration[]): Promise<string[]> {
  await db.exec(`create table if not exists schema_migrations (
    name text primary key,
    applied_at timestamptz not null default now()
  )`)
  const done = new Set((await db.query<{ name: string }>('select name from schema_migrations')).rows.map((r) => r.name))
  const applied: string[] = []
  for (const migration of migrations) {
    if (done.has(migration.name)) continue
    try {
      await db.transaction(async (tx) => {
        await tx.exec(migration.sql)
        await tx.query('insert into schema_migrations (name) values ($1)', [migration.name])
      })
    } catch (error) {
      throw new Error(`Migration ${migration.name} failed: ${errorText(error)}`, { cause: error })
    }
    applied.push(migration.name)
  }
  return applied
}

/** Reads `supabase/migrations/*.sql`, sorted by file name (they start with a timestamp). */
async function sharedMigrations(dir: string): Promise<Migration[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort()
  return await Promise.all(files.map(async (f) => ({ name: f, sql: await readFile(join(dir, f), 'utf8') })))
}

/**
 * Walks up from this module to the folder holding `supabase/migrations`: the repo root
 * under tsx/vitest, the app root (asar) once bundled into `out/main`.
 */
export function findMigrationsDir(from: string = dirname(fileURLToPath(import.meta.url))): string {
  let dir = from
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, 'supabase', 'migrations')
    if (existsSync(candidate)) return candidate
    const parent = dirname(dir)
    if (parent === dir) break
    dir = parent
  }
  throw new Error(`Cannot find supabase/migrations above ${from}: package the folder with the app or pass migrationsDir.`)
}
