import { JobError } from '../../src/core/errors'
import type { Analyzer, FetchedVideo, Source } from '../../src/core/ports'
import type { Analysis } from '../../src/shared/analysis'

/** An analyzer whose runs wait for the test; `plan` decides per call what a run does. */
export function gateAnalyzer() {
  const calls = new Map<string, number>()
  let running = 0
  let most = 0
  let open = false
  const waiters: (() => void)[] = []
  let plan: (videoId: string, call: number) => 'ok' | 'retryable' | 'permanent' = () => 'ok'
  const analyzer: Analyzer = {
    name: 'gate',
    acceptsUrl: () => true,
    async check() {},
    async analyze(_input: FetchedVideo, ctx): Promise<Analysis> {
      const call = (calls.get(ctx.videoId) ?? 0) + 1
      calls.set(ctx.videoId, call)
      running += 1
      most = Math.max(most, running)
      try {
        if (!open) await new Promise<void>((resolve) => waiters.push(resolve))
        const what = plan(ctx.videoId, call)
        if (what === 'retryable') throw new JobError('the service is busy', { failure: 'network', retryable: true })
        if (what === 'permanent') throw new JobError('the model refused', { failure: 'model-refusal', retryable: false })
        return { summary: 's', topics: [], quiz: [], provenance: { engine: 'local', model: 'gate', transcriptSource: 'none', warnings: [] } }
      } finally {
        running -= 1
      }
    }
  }
  return {
    analyzer,
    calls: (id: string) => calls.get(id) ?? 0,
    get most() {
      return most
    },
    release() {
      open = true
      for (const w of waiters.splice(0)) w()
    },
    hold() {
      open = false
    },
    setPlan(p: typeof plan) {
      plan = p
    }
  }
}

export const urlSource: Source = {
  name: 'url',
  kinds: ['http'],
  fetch: async (source) => ({ kind: 'url', url: source.kind === 'http' ? source.url : '' })
}

