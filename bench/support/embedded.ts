import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Journal, Store } from '../../src/core/ports'
import type { EmbeddedDb } from '../../src/adapters/embedded/database'

/** SQL statements sent so far, by the port that sent them. */
export interface StatementCount {
  store: number
  journal: number
}

/** The embedded store and journal on a fresh data directory, as the worker uses them by default. */
export interface BenchEmbedded {
  store: Store
  journal: Journal
  dataDir: string
  /** The database underneath (for seeding rows in bulk). */
  db: EmbeddedDb
  statements(): StatementCount
  close(): Promise<void>
}

/**
 * A view of `db` that counts every statement sent through it: `query` and `exec` one each, a
 * transaction its statements plus BEGIN and COMMIT. The store and the journal each get their
 * own view, so the table of record and the console's journal are counted apart.
 */
export function countingDb(db: EmbeddedDb, count: () => void): EmbeddedDb {
  return new Proxy(db, {
    get(target, key, receiver) {
      if (key === 'query' || key === 'exec' || key === 'sql') {
        const fn = Reflect.get(target, key, receiver) as (...args: unknown[]) => unknown
        return (...args: unknown[]) => {
          count()
          return fn.apply(target, args)
        }
      }
      if (key === 'transaction') {
        return async <T>(callback: (tx: Parameters<Parameters<EmbeddedDb['transaction']>[0]>[0]) => Promise<T>) => {
          count() // BEGIN
          const out = await target.transaction((tx) => callback(countingTx(tx, count)))
          count() // COMMIT (or ROLLBACK)
          return out
        }
      }
      const value: unknown = Reflect.get(target, key, receiver)
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value
    }
  })
}

function countingTx<T extends object>(tx: T, count: () => void): T {
  return new Proxy(tx, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver)
      if (typeof value !== 'function') return value
      const fn = value as (...args: unknown[]) => unknown
      if (key === 'query' || key === 'exec' || key === 'sql') {
        return (...args: unknown[]) => {
          count()
          return fn.apply(target, args)
        }
      }
      return fn.bind(target)
    }
  })
}

/**
 * A fresh data directory and database per call, so no contender inherits another's rows.
 * The database starts from the migrated snapshot the test suite also uses: what is timed is
 * the run, never the opening. Opened through dynamic imports so a missing adapter becomes a
 * "not run" row rather than a crash.
 */
export async function openEmbedded(): Promise<BenchEmbedded> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vp-bench-'))
  try {
    const { openDatabase } = await import('../../src/adapters/embedded/database')
    const { createEmbeddedStore } = await import('../../src/adapters/store/embedded')
    const { createJournal } = await import('../../src/adapters/store/journal')
    const db = await openDatabase(dataDir)
    const counts: StatementCount = { store: 0, journal: 0 }
    const store = createEmbeddedStore(countingDb(db, () => (counts.store += 1)))
    await store.init()
    counts.store = 0
    const journal = createJournal(countingDb(db, () => (counts.journal += 1)))
    return {
      store,
      journal,
      dataDir,
      db,
      statements: () => ({ ...counts }),
      async close() {
        await journal.close().catch(() => undefined)
        await db.close()
        await rm(dataDir, { recursive: true, force: true })
      }
    }
  } catch (error) {
    await rm(dataDir, { recursive: true, force: true })
    throw error
  }
}

/** The same store, with `close` left to the owner: the worker's `close()` closes every port it was given. */
export function borrowed<T extends { close(): Promise<void> }>(port: T): T {
  return new Proxy(port, {
    get(target, key, receiver) {
      if (key === 'close') return async () => {}
      const value: unknown = Reflect.get(target, key, receiver)
      return typeof value === 'function' ? value.bind(target) : value
    }
  })
}
