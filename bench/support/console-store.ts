import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createEmbeddedStore } from '../../src/adapters/store/embedded'
import { openApp } from '../../src/app/open-app'
import { loadConfig } from '../../src/app/load-config'
import type { Analysis } from '../../src/shared/analysis'
import type { Video } from '../../src/shared/video'

/** An analysis of the size a real one has (summary, topics, quiz, chapters): about 4 KB of JSON. */
export function realisticAnalysis(): Analysis {
  const sentence = 'The lecturer explains how the method works, where it fails, and what to measure before trusting it. '
  return {
    summary: sentence.repeat(8).trim(),
    topics: ['queues', 'visibility timeout', 'idempotency', 'dead-letter queue', 'back-pressure', 'long polling', 'group commit', 'benchmarks'],
    quiz: Array.from({ length: 5 }, (_, q) => ({
      question: `Question ${q + 1}: which of these keeps a message from being processed twice at once?`,
      options: ['a visibility timeout', 'a larger batch', 'a shorter poll', 'more consumers'],
      answer: 'a visibility timeout',
      explanation: 'While a message is invisible no other consumer receives it; the heartbeat keeps it so.'
    })),
    chapters: Array.from({ length: 10 }, (_, c) => ({ start: c * 60, end: c * 60 + 60, title: `Chapter ${c + 1}`, summary: sentence })),
    provenance: { engine: 'local', model: 'bench:realistic', transcriptSource: 'subtitles', warnings: [] }
  }
}

/**
 * The real core on the embedded store, as `serve` opens it (openApp on a fresh data dir, nothing
 * configured), holding `count` videos: 85 % completed with an analysis, 10 % failed, 5 % queued,
 * created a second apart. Seeded with one insert, as only the reading is measured.
 */
export async function openConsoleStore(count: number, log: (m: string) => void) {
  const dataDir = await mkdtemp(join(tmpdir(), 'vp-bench-console-'))
  const quiet = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} }
  const app = await openApp(loadConfig({ env: { DATA_DIR: dataDir }, envFileName: null }), { logger: quiet })
  try {
    log(`console: seeding ${count} videos in the embedded store…`)
    await app.db.query(
      `insert into videos (id, title, source, processing_status, analysis_result, is_processed, attempts, error_cause, created_at, updated_at, started_at, completed_at)
       select gen_random_uuid(), 'Clip ' || lpad(i::text, 5, '0'),
              jsonb_build_object('kind', 'file', 'path', '/videos/clip-' || i || '.mp4'),
              case when i % 20 = 0 then 'queued' when i % 10 = 1 then 'failed' else 'completed' end,
              case when i % 20 = 0 then null when i % 10 = 1 then 'Error: the file is not a video (ffprobe found no video stream)' else $2 end,
              i % 20 <> 0 and i % 10 <> 1,
              case when i % 20 = 0 then 0 else 1 end,
              case when i % 10 = 1 and i % 20 <> 0 then 'unreadable-media' end,
              now() - make_interval(secs => $1 - i), now() - make_interval(secs => $1 - i),
              case when i % 20 = 0 then null else now() - make_interval(secs => $1 - i) end,
              case when i % 20 = 0 then null else now() - make_interval(secs => $1 - i) end
         from generate_series(0, $1 - 1) as i`,
      [count, JSON.stringify(realisticAnalysis())]
    )
    const store = createEmbeddedStore(app.db)
    return {
      name: 'real core on the embedded store (PGlite)',
      core: app.core,
      /** As the worker's recorder does it: write the row, then emit `video.updated` with what was saved. */
      async setStatus(video: Video, status: 'processing' | 'downloading') {
        const saved = await store.update(video.id, { processingStatus: status })
        app.core.events.emit({ type: 'video.updated', at: new Date().toISOString(), video: saved })
      },
      async close() {
        await app.close()
        await rm(dataDir, { recursive: true, force: true })
      }
    }
  } catch (error) {
    await app.close()
    await rm(dataDir, { recursive: true, force: true })
    throw error
  }
}
