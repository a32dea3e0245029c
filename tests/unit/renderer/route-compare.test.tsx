// @vitest-environment jsdom
import { describe, expect, it } from 'vitest'
import { defaultView } from '../../../src/renderer/src/lib/filter-videos'
import { formatRoute, parseRoute } from '../../../src/renderer/src/lib/route'
import { factRows, listDiff, textDiff } from '../../../src/renderer/src/lib/compare'
import { sampleIntervalMs } from '../../../src/renderer/src/lib/throughput'
import { pricesLabel, type Analysis } from '../../../src/shared/analysis'
import { analysisFacts } from '../../../src/shared/video-view'
import { video } from './fixtures'

const id = '3f1c2b8e-1d2a-4c3b-9e8f-0a1b2c3d4e5f'

describe('routes', () => {
  it('round-trips a video, the compare view and every filter through the address', () => {
    const route = {
      videoId: id,
      compare: true,
      view: { ...defaultView, display: ['failed' as const, 'cancelled' as const], causes: ['quota' as const], analyzer: 'local' as const, range: '24h' as const, search: 'moov atom', sort: 'title' as const, order: 'asc' as const }
    }
    const hash = formatRoute(route)
    expect(hash).toBe(`#/videos/${id}/compare?status=failed,cancelled&cause=quota&analyzer=local&range=24h&q=moov+atom&sort=title&order=asc`)
    expect(parseRoute(hash)).toEqual(route)
  })

  it('ignores what it does not know instead of failing on a hand-edited link', () => {
    expect(parseRoute('#/videos/not-an-id?status=failed,bogus&cause=nope&analyzer=x&range=1y&sort=size')).toEqual({
      videoId: null,
      compare: false,
      view: { ...defaultView, display: ['failed'] }
    })
    expect(parseRoute('')).toEqual({ videoId: null, compare: false, view: defaultView })
  })
})

const analysis = (over: Partial<Analysis>): Analysis => ({
  summary: 'A talk about rivers.',
  topics: ['rivers', 'brazil'],
  quiz: [],
  provenance: { engine: 'local', model: 'local:full', transcriptSource: 'none', warnings: [] },
  ...over
})

describe('compare', () => {
  it('marks the words, items and facts that differ between two runs', () => {
    const diff = textDiff('A talk about rivers.', 'A long talk about rivers and bees.')
    expect(diff.changed).toBe(true)
    expect(diff.right.filter((p) => p.kind === 'added').map((p) => p.text.trim())).toEqual(expect.arrayContaining(['long']))
    expect(textDiff('same', 'same').changed).toBe(false)
    const topics = listDiff(['rivers', 'brazil'], ['Rivers', 'bees'], (t) => t.toLowerCase())
    expect(topics.left.map((x) => x.kind)).toEqual(['same', 'removed'])
    expect(topics.right.map((x) => x.kind)).toEqual(['same', 'added'])
    const rows = factRows(analysis({}), analysis({ provenance: { engine: 'gemini', model: 'gemini-3.5-flash', transcriptSource: 'model', warnings: [] }, usage: { promptTokens: 10, outputTokens: 5, totalTokens: 15, costUsd: 0.001 } }))
    expect(rows.filter((r) => r.changed).map((r) => r.label)).toEqual(['engine', 'model', 'transcript', 'prompt tokens', 'output tokens', 'total tokens', 'cost'])
    expect(rows.find((r) => r.label === 'cost')?.right).toBe('$0.0010 (undated prices)')
    const dated = factRows(analysis({}), analysis({ usage: { promptTokens: 10, outputTokens: 5, totalTokens: 15, costUsd: 0.001, pricedBy: 'list prices of 2026-12-01' } }))
    // Every cost carries the date of the prices it was computed with.
    expect(dated.find((r) => r.label === 'cost')?.right).toBe('$0.0010 (2026-12-01 prices)')
    // The list reads the same record from the stored row: its cost cell shows the prices' date.
    const row = video({ processingStatus: 'completed', analysisResult: JSON.stringify({ provenance: { engine: 'gemini', model: 'gemini-3.8-flash' }, usage: { costUsd: 0.001, totalTokens: 15, pricedBy: 'GEMINI_PRICES' } }) })
    expect(pricesLabel(analysisFacts(row)?.pricedBy ?? undefined)).toBe('GEMINI_PRICES')
  })

  it('says what one chart point covers from the samples themselves', () => {
    const at = (s: number) => new Date(Date.UTC(2026, 0, 1, 10, 0, s)).toISOString()
    expect(sampleIntervalMs([0, 10, 20, 31, 40].map((s) => ({ at: at(s), processed: 0, failed: 0, inFlight: 0 })))).toBe(10_000)
    expect(sampleIntervalMs([])).toBeNull()
  })
})
