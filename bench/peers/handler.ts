import { parseQueueMessage } from '../../src/core/parse-message'
import type { Analyzer, Store } from '../../src/core/ports'

/**
 * The per-message work the peers do: what the seed does for one video (mark it processing,
 * analyse, save the result), on the same analyzer and store our worker uses. Returns the video id.
 */
export type PeerHandler = (body: string) => Promise<string>

export function createPeerHandler(analyzer: Analyzer, store: Store | null): PeerHandler {
  return async (body) => {
    const parsed = parseQueueMessage(body)
    if (parsed.kind !== 'jobs') throw new Error(`bench message not understood: ${parsed.kind}`)
    const job = parsed.jobs[0]
    if (!job) throw new Error('bench message without a job')
    const ac = new AbortController()
    if (store) {
      await store.ensureVideo({ id: job.videoId, title: job.title ?? null, source: job.source })
      await store.update(job.videoId, { processingStatus: 'processing', startedAt: new Date() })
    }
    const analysis = await analyzer.analyze(
      { kind: 'url', url: job.source.kind === 'http' ? job.source.url : '' },
      {
        videoId: job.videoId,
        title: job.title ?? null,
        signal: ac.signal,
        setStatus: async () => {},
        onProgress: () => {},
        stage: () => {},
        log: () => {},
        artifactsDir: ''
      }
    )
    if (store) {
      await store.update(job.videoId, {
        processingStatus: 'completed',
        isProcessed: true,
        analysisResult: JSON.stringify(analysis),
        completedAt: new Date()
      })
    }
    return job.videoId
  }
}
