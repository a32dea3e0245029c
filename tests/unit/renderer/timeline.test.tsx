// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, render, screen } from '@testing-library/react'
import { Timeline } from '../../../src/renderer/src/features/detail/Timeline'
import { formatClock } from '../../../src/shared/clock-time'
import { buildTimeline, formatMs, stageWaterfall } from '../../../src/renderer/src/lib/timeline'
import { entry, video } from './fixtures'

const t = (s: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + s * 1000).toISOString()

// A video queued, failed on attempt 1 after downloading, retried and completed on attempt 2.
const journal = [
  entry(1, t(0), 0, 'queued'),
  entry(2, t(2), 1, 'processing'),
  entry(3, t(3), 1, 'downloading'),
  entry(4, t(3.5), 1, null, 'downloaded 1 MB'),
  entry(5, t(8), 1, 'failed'),
  entry(6, t(8), 1, 'failed'), // the row update repeats the status
  entry(7, t(20), 1, 'queued'),
  entry(8, t(21), 2, 'processing'),
  entry(9, t(31), 2, 'completed')
]

afterEach(cleanup)

describe('timeline', () => {
  it('turns status changes into per-attempt waterfalls; a status lasts until the next change', () => {
    const attempts = buildTimeline(journal, new Date(t(100)))
    expect(attempts.map((a) => a.attempt)).toEqual([0, 1, 2])
    expect(attempts[0]!.bars).toEqual([{ label: 'queued', status: 'queued', offsetMs: 0, ms: 2000 }])
    expect(attempts[1]!.bars.map((b) => [b.status, b.offsetMs, b.ms])).toEqual([
      ['processing', 0, 1000],
      ['downloading', 1000, 5000],
      ['failed', 6000, 12000],
      ['queued', 18000, 1000]
    ])
    expect(attempts[2]).toMatchObject({ outcome: 'completed', totalMs: 10_000 })
    expect(attempts[2]!.bars.at(-1)).toMatchObject({ status: 'completed', ms: 0 })
  })

  it('lets the current status of a running video run until now', () => {
    const running = buildTimeline([entry(1, t(0), 1, 'processing')], new Date(t(7)))
    expect(running[0]!.bars[0]!.ms).toBe(7000)
  })

  it('lays the stages out in pipeline order, each starting where the previous ended', () => {
    expect(stageWaterfall({ analyze: 3000, download: 500, save: 20 })).toEqual({
      bars: [
        { label: 'download', offsetMs: 0, ms: 500 },
        { label: 'analyze', offsetMs: 500, ms: 3000 },
        { label: 'save', offsetMs: 3500, ms: 20 }
      ],
      totalMs: 3520
    })
  })

  it('formats durations and chapter times', () => {
    expect([formatMs(340), formatMs(1234), formatMs(125_000)]).toEqual(['340 ms', '1.2 s', '2 min 5 s'])
    expect([formatClock(5), formatClock(62), formatClock(3723)]).toEqual(['0:05', '1:02', '1:02:03'])
  })

  it('renders one waterfall per attempt and the stage waterfall', () => {
    render(<Timeline video={video({ stageMs: { download: 500, analyze: 3000 } })} journal={journal} />)
    expect(screen.getAllByTestId('attempt-timeline')).toHaveLength(3)
    expect(screen.getByText(/Attempt 2/).textContent).toContain('completed')
    const stages = screen.getByTestId('stage-waterfall')
    expect(stages.textContent).toContain('download')
    expect(stages.textContent).toContain('3.0 s')
  })
})
