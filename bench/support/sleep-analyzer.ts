import type { Analyzer, FetchContext, FetchedVideo, Source } from '../../src/core/ports'
import type { Analysis } from '../../src/shared/analysis'
import type { VideoSource } from '../../src/shared/video-source'
import { sleep } from './stats'

/** Bench-only analyzer: waits `ms` and returns a minimal valid Analysis, so the queue path is what gets measured. */
export function createSleepAnalyzer(ms = 20): Analyzer {
  return {
    name: `bench (sleep ${ms} ms)`,
    acceptsUrl: () => true,
    async check() {},
    async analyze(): Promise<Analysis> {
      await sleep(ms)
      return benchAnalysis(ms)
    }
  }
}

export function benchAnalysis(ms: number): Analysis {
  return {
    summary: `bench job (slept ${ms} ms)`,
    topics: [],
    quiz: [],
    provenance: { engine: 'local', model: `bench:sleep-${ms}ms`, transcriptSource: 'none', warnings: [] }
  }
}

/** Bench-only source: hands the URL straight to the analyzer, nothing is downloaded. */
export function createUrlSource(): Source {
  return {
    name: 'bench (url passthrough)',
    kinds: ['http'],
    async fetch(source: VideoSource, _ctx: FetchContext): Promise<FetchedVideo> {
      if (source.kind !== 'http') throw new Error(`bench source only takes http sources, got ${source.kind}`)
      return { kind: 'url', url: source.url }
    }
  }
}

/** A message in the producers' snake_case format (`video_id`, `source_type`, …). */
export function benchMessage(videoId: string, index: number): string {
  return JSON.stringify({
    video_id: videoId,
    source_type: 'http',
    url: `http://127.0.0.1:9/bench/${index}.mp4`,
    title: `bench ${index}`
  })
}
