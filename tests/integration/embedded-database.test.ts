import { randomUUID } from 'node:crypto'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { findMigrationsDir, openDatabase, type EmbeddedDb } from '../../src/adapters/embedded/database'
import { embeddedMigrations } from '../../src/adapters/embedded/migrations'
import { createLocalQueue } from '../../src/adapters/queue/local'
import { createEmbeddedStore } from '../../src/adapters/store/embedded'
import { createJournal } from '../../src/adapters/store/journal'
import { createStatsHistory } from '../../src/adapters/store/stats-history'
import { createUsageLedger } from '../../src/adapters/store/usage-ledger'
import { createEventBus } from '../../src/core/event-bus'
import { createRecorder } from '../../src/core/recorder'
import { JournalEntry } from '../../src/shared/video'
import { memoryLogger } from '../support/memory-logger'

// One data directory for the file: created once (initdb), then closed and reopened.
let dataDir: string
let db: EmbeddedDb
beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'vp-embedded-'))
  db = await openDatabase(dataDir)
})
afterAll(async () => {
  await db?.close()
  await rm(dataDir, { recursive: true, force: true })
})

const queueOpts = { visibilityTimeoutSeconds: 1, maxReceiveCount: 5 }

describe('embedded database on disk', () => {
  it('keeps its files under DATA_DIR/db and shares one instance per directory in a process', async () => {
    expect(await readdir(dataDir)).toEqual(['db'])
    expect(await openDatabase(dataDir)).toBe(db)
  })

  it('applies each migration once: the shared SQL files first, then the embedded ones', async () => {
    const shared = (await readdir(findMigrationsDir())).filter((f) => f.endsWith('.sql')).sort()
    const expected = [...shared, ...embeddedMigrations.map((m) => m.name)]
    const names = async () => (await db.query<{ name: string }>('select name from schema_migrations order by applied_at, name')).rows.map((r) => r.name)
    expect((await names()).sort()).toEqual([...expected].sort())
    await db.close()
    db = await openDatabase(dataDir)
    expect((await names()).sort()).toEqual([...expected].sort())
  })

  it('keeps messages, leases, rows and journal across close and reopen; an expired lease re-delivers', async () => {
    const queue = createLocalQueue(db, queueOpts)
    for (const body of ['one', 'two', 'three']) await queue.send(body)
    const [held, long] = await queue.receive({ max: 2, waitSeconds: 0 })
    expect([held?.body, long?.body]).toEqual(['one', 'two'])
    await queue.changeVisibility(long!.receiptHandle, 300)
    const id = randomUUID()
    await createEmbeddedStore(db).createVideo({ id, title: 'Durable', source: { kind: 'file', path: '/tmp/x.mp4' } })
    await createJournal(db).append({ videoId: id, at: new Date().toISOString(), attempt: 1, type: 'status', status: 'queued', level: 'info', message: 'Queued', data: null })

    // As after a crash: the process that held the leases is gone.
    await db.close()
    db = await openDatabase(dataDir)
    const reopened = createLocalQueue(db, queueOpts)
    const bodies: string[] = []
    let again: typeof held
    while (bodies.length < 2) {
      for (const m of await reopened.receive({ max: 10, waitSeconds: 3 })) {
        bodies.push(m.body)
        if (m.body === 'one') again = m
        await reopened.delete([m.receiptHandle])
      }
    }
    expect(bodies.sort()).toEqual(['one', 'three'])
    expect(again).toMatchObject({ id: held!.id, receiveCount: 2 })
    // The long lease survived the restart: still held, and its handle still works.
    expect(await reopened.counts()).toMatchObject({ visible: 0, inFlight: 1 })
    await reopened.delete([long!.receiptHandle])
    expect(await createEmbeddedStore(db).get(id)).toMatchObject({ id, title: 'Durable', processingStatus: 'queued' })
    expect((await createJournal(db).list(id)).map((e) => e.message)).toEqual(['Queued'])
  })
})

describe('journal', () => {
  it('lists a video\'s entries oldest first; a limit keeps the latest', async () => {
    const journal = createJournal(db)
    const videoId = randomUUID()
    const other = randomUUID()
    const at = (s: number) => new Date(Date.UTC(2026, 10, 26, 5, 0, s)).toISOString()
    for (let i = 0; i < 5; i++) {
      await journal.append({ videoId, at: at(i), attempt: 1, type: 'log', status: null, level: 'info', message: `line ${i}`, data: i === 4 ? { raw: 'x', n: 1 } : null })
    }
    await journal.append({ videoId: other, at: at(9), attempt: 1, type: 'status', status: 'failed', level: 'error', message: 'other', data: null })
    const all = await journal.list(videoId)
    expect(all.map((e) => e.message)).toEqual(['line 0', 'line 1', 'line 2', 'line 3', 'line 4'])
    for (const entry of all) expect(JournalEntry.parse(entry)).toEqual(entry)
    expect(all[4]).toMatchObject({ videoId, attempt: 1, type: 'log', level: 'info', data: { raw: 'x', n: 1 } })
    expect(Date.parse(all[0]!.at)).toBe(Date.parse(at(0)))
    expect((await journal.list(videoId, 2)).map((e) => e.message)).toEqual(['line 3', 'line 4'])
    expect(await journal.list(other)).toEqual([expect.objectContaining({ status: 'failed', level: 'error' })])
    expect(await journal.list('not-a-uuid')).toEqual([])
  })

  it('records statistics samples and reads them since a time, in order', async () => {
    const history = createStatsHistory(db)
    const base = Date.UTC(2030, 0, 1)
    for (let i = 2; i >= 0; i--) {
      await history.recordSample({ at: new Date(base + i * 1000).toISOString(), processed: i, failed: 0, inFlight: 1 })
    }
    // Older than the retention: pruned on a later history's first sample.
    await history.recordSample({ at: new Date(Date.now() - 40 * 86_400_000).toISOString(), processed: 9, failed: 9, inFlight: 9 })
    await createStatsHistory(db).recordSample({ at: new Date(base + 5000).toISOString(), processed: 5, failed: 0, inFlight: 0 })
    expect((await history.samples(new Date(0))).some((s) => s.processed === 9)).toBe(false)
    const since = (await history.samples(new Date(base + 1000))).filter((s) => Date.parse(s.at) < base + 5000)
    expect(since).toEqual([
      { at: new Date(base + 1000).toISOString(), processed: 1, failed: 0, inFlight: 1 },
      { at: new Date(base + 2000).toISOString(), processed: 2, failed: 0, inFlight: 1 }
    ])
  })

  it('sums token usage per video and model', async () => {
    const usage = createUsageLedger(db)
    const a = randomUUID()
    const b = randomUUID()
    await usage.addUsage(a, { promptTokens: 100, outputTokens: 20, totalTokens: 120, costUsd: 0.01 }, 'gemini-x')
    await usage.addUsage(a, { promptTokens: 50, outputTokens: 10, thoughtsTokens: 5, totalTokens: 65, costUsd: null }, 'gemini-x')
    await usage.addUsage(b, { promptTokens: 1, outputTokens: 1, totalTokens: 2 }, 'gemini-y')
    const rows = await db.query<Record<string, unknown>>(
      `select video_id::text, model, prompt_tokens::float8, output_tokens::float8, thoughts_tokens::float8, total_tokens::float8, cost_usd::float8, calls::int
         from token_usage where video_id = any($1::uuid[]) order by model`,
      [[a, b]]
    )
    expect(rows.rows).toEqual([
      { video_id: a, model: 'gemini-x', prompt_tokens: 150, output_tokens: 30, thoughts_tokens: 5, total_tokens: 185, cost_usd: 0.01, calls: 2 },
      { video_id: b, model: 'gemini-y', prompt_tokens: 1, output_tokens: 1, thoughts_tokens: 0, total_tokens: 2, cost_usd: 0, calls: 1 }
    ])
  })

  it('lists the latest entries by their numeric order, across a change in the number of digits', async () => {
    const videoId = randomUUID()
    const base = Number((await db.query<{ next: string }>('select coalesce(max(id), 0)::text as next from journal_entries')).rows[0]!.next)
    // Ids just below and at the next power of ten: as text, "99…" sorts after "100…".
    const low = 10 ** String(base + 1).length - 1
    for (const [id, message] of [[low, 'older'], [low + 1, 'newer']] as const) {
      await db.query(`insert into journal_entries (id, video_id, at, attempt, type, status, level, message, data) values ($1, $2, now(), 1, 'log', null, 'info', $3, null)`, [id, videoId, message])
    }
    await db.query(`select setval(pg_get_serial_sequence('journal_entries', 'id'), $1)`, [low + 1])
    const journal = createJournal(db)
    expect((await journal.list(videoId, 1)).map((e) => e.message)).toEqual(['newer'])
    expect((await journal.list(videoId)).map((e) => e.message)).toEqual(['older', 'newer'])
  })

  it('groups appends made close together into one insert; a read sees them; a bad one fails alone', async () => {
    const journal = createJournal(db)
    const videoId = randomUUID()
    const entry = (message: string, data: Record<string, unknown> | null = null) =>
      ({ videoId, at: new Date().toISOString(), attempt: 1, type: 'log', status: null, level: 'info' as const, message, data })
    const inserts = countJournalInserts(db)
    try {
      const writes = Array.from({ length: 30 }, (_, i) => journal.append(entry(`e${i}`)))
      expect((await journal.list(videoId)).map((e) => e.message)).toEqual(Array.from({ length: 30 }, (_, i) => `e${i}`))
      await Promise.all(writes)
      expect(inserts.count).toBe(1)
      const results = await Promise.allSettled([journal.append(entry('ok 1')), journal.append(entry('bad', { raw: 'a\u0000b' })), journal.append(entry('ok 2'))])
      expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled'])
      expect((await journal.list(videoId, 2)).map((e) => e.message)).toEqual(['ok 1', 'ok 2'])
      // close writes what still waits
      void journal.append(entry('last'))
      await journal.close()
      expect((await journal.list(videoId, 1)).map((e) => e.message)).toEqual(['last'])
    } finally {
      inserts.restore()
    }
  })

  it('recorder: a burst of journal lines goes out in a few inserts, in order; a bad line costs only itself', async () => {
    const journal = createJournal(db)
    const store = createEmbeddedStore(db)
    const logger = memoryLogger()
    const recorder = createRecorder({ bus: createEventBus(), store, journal, clock: { now: () => new Date() }, logger })
    const [a, b] = [randomUUID(), randomUUID()]
    const inserts = countJournalInserts(db)
    try {
      recorder.setAttempt(a, 1)
      for (let i = 0; i < 40; i++) {
        recorder.log('info', `a${i}`, a)
        recorder.emit({ type: 'video.stage', at: recorder.now(), videoId: b, stage: 'download', ms: i })
        // Some lines arrive while the first write is in flight.
        if (i % 10 === 9) await Promise.resolve()
      }
      await recorder.flush()
      expect(inserts.count).toBeLessThanOrEqual(5)
      expect((await journal.list(a)).map((e) => e.message)).toEqual(Array.from({ length: 40 }, (_, i) => `a${i}`))
      expect((await journal.list(a))[0]).toMatchObject({ attempt: 1, type: 'log' })
      expect((await journal.list(b)).map((e) => e.data?.ms)).toEqual(Array.from({ length: 40 }, (_, i) => i))

      recorder.log('info', 'before', a)
      recorder.log('warn', 'bad', a, { raw: 'a\u0000b' })
      recorder.log('info', 'after', a, { raw: 'fine' })
      recorder.log('warn', 'bad again', a, { raw: '\u0000' })
      await recorder.flush()
      expect((await journal.list(a, 2)).map((e) => e.message)).toEqual(['before', 'after'])
      expect(logger.lines.filter((l) => l.startsWith('warn journal write failed'))).toHaveLength(1)
      // flush with nothing pending resolves at once
      await recorder.flush()
    } finally {
      inserts.restore()
    }
  })
})

/** Counts the INSERTs into the journal table made through `db.query` until `restore()`. */
function countJournalInserts(db: EmbeddedDb): { readonly count: number; restore(): void } {
  let count = 0
  const query = db.query.bind(db)
  const original = db.query
  db.query = ((...args: Parameters<typeof db.query>) => {
    if (String(args[0]).includes('insert into journal_entries')) count += 1
    return query(...args)
  }) as typeof db.query
  return {
    get count() {
      return count
    },
    restore: () => {
      db.query = original
    }
  }
}
