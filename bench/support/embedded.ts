import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Journal, Store } from '../../src/core/ports'

/** The embedded store and journal on a fresh data directory, as the worker uses them by default. */
export interface BenchEmbedded {
  store: Store
  journal: Journal
  dataDir: string
  /** SQL statements sent to the database so far (store and journal alike). */
  statements(): number
  close(): Promise<void>
}

/**
 * Opened through dynamic imports so the bench still runs (and says why a row is missing)
 * while the adapters are being written.
 */
export async function openEmbedded(): Promise<BenchEmbedded> {
  const dataDir = await mkdtemp(join(tmpdir(), 'vp-bench-'))
  try {
    const { openDatabase } = await import('../../src/adapters/embedded/database')
    const { createEmbeddedStore } = await import('../../src/adapters/store/embedded')
    const { createJournal } = await import('../../src/adapters/store/journal')
    const db = await openDatabase(dataDir)
    let statements = 0
    const query = db.query.bind(db)
    // Counted here, below the store and journal, so every contender is counted the same way.
    db.query = ((...args: Parameters<typeof db.query>) => {
      statements += 1
      return query(...args)
    }) as typeof db.query
    const store = createEmbeddedStore(db)
    await store.init()
    const journal = createJournal(db)
    return {
      store,
      journal,
      dataDir,
      statements: () => statements,
      async close() {
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
