import { parseQueueMessage } from '../../src/core/parse-message'
import type { Analyzer, Source, Store } from '../../src/core/ports'
import { Analysis } from '../../src/shared/analysis'
import type { Stage } from '../../src/shared/video-status'

/**
 * The per-message work the peers do, written the plain way a user of sqs-consumer would write
 * it: the status workflow of the `videos` table, step for step what our pipeline records for a new video, on
 * the same store, source and analyzer our worker is given. Returns the video id.
 *
 * Store calls per new video (6 statements, as ours before its journal):
 *   get → ensure the row → processing (attempt, started, cleared result) → downloading →
 *   processing → completed (result, finished, stage timings).
 * A video already completed is skipped after the read, as ours does with a duplicate delivery.
 */
export type PeerHandler = (body: string) => Promise<string>

export function createPeerHandler(analyzer: Analyzer, source: Source, store: Store): PeerHandler {
  return async (body) => {
    const parsed = parseQueueMessage(body)
    if (parsed.kind !== 'jobs') throw new Error(`bench message not understood: ${parsed.kind}`)
    const job = parsed.jobs[0]
    if (!job) throw new Error('bench message without a job')
    const id = job.videoId
    const existing = await store.get(id)
    if (existing?.processingStatus === 'completed') return id
    const row = existing ?? (await store.ensureVideo({ id, title: job.title ?? null, source: job.source }))
    const title = row.title ?? job.title ?? null
    const ac = new AbortController()
    const stageMs: Partial<Record<Stage, number>> = {}
    await store.update(id, {
      processingStatus: 'processing',
      attempts: row.attempts + 1,
      title,
      startedAt: new Date(),
      completedAt: null,
      errorCause: null,
      analysisResult: null,
      isProcessed: false,
      stageMs: {}
    })
    await store.update(id, { processingStatus: 'downloading' })
    const t0 = Date.now()
    const fetched = await source.fetch(job.source, { videoId: id, dir: '', signal: ac.signal, onProgress: () => {}, log: () => {} }, { preferUrl: true })
    stageMs.download = Date.now() - t0
    await store.update(id, { processingStatus: 'processing' })
    const t1 = Date.now()
    const raw = await analyzer.analyze(fetched, {
      videoId: id,
      title,
      signal: ac.signal,
      setStatus: async () => {},
      onProgress: () => {},
      stage: () => {},
      log: () => {},
      artifactsDir: ''
    })
    stageMs.analyze = Date.now() - t1
    const analysis = Analysis.parse(raw)
    await store.update(id, {
      processingStatus: 'completed',
      isProcessed: true,
      analysisResult: JSON.stringify(analysis),
      completedAt: new Date(),
      stageMs
    })
    return id
  }
}
