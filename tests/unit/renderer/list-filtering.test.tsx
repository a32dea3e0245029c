// @vitest-environment jsdom
import { afterEach, describe, expect, it } from 'vitest'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { useState } from 'react'
import { applyView, countByStatus, defaultView, upsertPage, upsertVideo, type ListView } from '../../../src/renderer/src/lib/filter-videos'
import { parseSourceInput } from '../../../src/renderer/src/lib/labels'
import { ListToolbar } from '../../../src/renderer/src/features/videos/ListToolbar'
import { throughput } from '../../../src/renderer/src/lib/throughput'
import { video } from './fixtures'

const a = video({ title: 'Keynote 2026', processingStatus: 'completed', attempts: 1 })
const b = video({ title: 'Board meeting', processingStatus: 'failed', attempts: 3 })
const c = video({ title: null, processingStatus: 'queued' })
const d = video({ title: 'keynote rehearsal', processingStatus: 'downloading', attempts: 2 })
const all = [a, b, c, d]

afterEach(cleanup)

describe('list filtering', () => {
  it('filters by status and searches id prefix or title, case-insensitively', () => {
    expect(applyView(all, { ...defaultView, display: ['failed', 'queued'] }).map((v) => v.id)).toEqual([c.id, b.id])
    expect(applyView(all, { ...defaultView, search: 'KEYNOTE' }).map((v) => v.title)).toEqual(['keynote rehearsal', 'Keynote 2026'])
    expect(applyView(all, { ...defaultView, search: c.id.slice(0, 8) }).map((v) => v.id)).toEqual([c.id])
    expect(applyView(all, { ...defaultView, search: '0000-4000' })).toEqual([]) // id prefix, not substring
    expect(applyView(all, { ...defaultView, display: ['completed'], search: 'rehearsal' })).toEqual([])
  })

  it('sorts by any column in both directions without mutating the input, videos in flight first', () => {
    const input = all.slice()
    // d is downloading: whatever the sort, the videos being worked on stay on top.
    expect(applyView(input, { ...defaultView, sort: 'attempts', order: 'desc' }).map((v) => v.attempts)).toEqual([2, 3, 1, 0])
    expect(applyView(input, { ...defaultView, sort: 'attempts', order: 'asc' }).map((v) => v.attempts)).toEqual([2, 0, 1, 3])
    expect(applyView(input, { ...defaultView, sort: 'title', order: 'asc' }).map((v) => v.title)).toEqual(['keynote rehearsal', null, 'Board meeting', 'Keynote 2026'])
    expect(applyView(input, { ...defaultView, sort: 'processingStatus', order: 'asc' }).map((v) => v.processingStatus)).toEqual(['downloading', 'queued', 'completed', 'failed'])
    expect(input).toEqual(all)
  })

  it('keeps a 10,000-row view correct', () => {
    const many = Array.from({ length: 10_000 }, (_, i) => video({ processingStatus: i % 10 === 0 ? 'failed' : 'completed' }))
    expect(applyView(many, { ...defaultView, display: ['failed'] })).toHaveLength(1000)
    expect(countByStatus(many)).toMatchObject({ failed: 1000, completed: 9000, queued: 0 })
  })

  it('applies live row updates: new rows first, newer copies win, older ones are ignored', () => {
    const newer = { ...b, processingStatus: 'queued' as const, updatedAt: '2030-01-01T00:00:00.000Z' }
    const list = upsertVideo(all, newer)
    expect(list.find((v) => v.id === b.id)?.processingStatus).toBe('queued')
    expect(upsertVideo(list, b)).toBe(list)
    const fresh = video()
    expect(upsertPage({ items: all, total: 4 }, fresh)).toMatchObject({ total: 5, items: [fresh, a, b, c, d] })
  })

  it('toggles status filters and search from the toolbar', () => {
    function Harness() {
      const [view, setView] = useState<ListView>(defaultView)
      const rows = applyView(all, view)
      return (
        <>
          <ListToolbar view={view} counts={countByStatus(all)} shown={rows.length} total={all.length} searchRef={null} onChange={setView} />
          <ul>
            {rows.map((row) => (
              <li key={row.id}>{row.title ?? row.id}</li>
            ))}
          </ul>
        </>
      )
    }
    render(<Harness />)
    expect(screen.getByTestId('filter-failed').textContent).toBe('failed 1')
    fireEvent.click(screen.getByTestId('filter-failed'))
    expect(screen.getByTestId('list-count').textContent).toBe('1 of 4 videos')
    expect(screen.getAllByRole('listitem').map((li) => li.textContent)).toEqual(['Board meeting'])
    fireEvent.click(screen.getByTestId('filter-failed'))
    fireEvent.change(screen.getByTestId('search'), { target: { value: 'keynote' } })
    expect(screen.getAllByRole('listitem')).toHaveLength(2)
    fireEvent.click(screen.getByRole('button', { name: 'clear' }))
    expect(screen.getByTestId('list-count').textContent).toBe('4 videos')
  })
})

describe('add-video input', () => {
  it('recognises YouTube, http, s3:// and file paths, and says what it cannot use', () => {
    expect(parseSourceInput('https://youtu.be/abc')).toEqual({ kind: 'youtube', url: 'https://youtu.be/abc' })
    expect(parseSourceInput('https://www.youtube.com/watch?v=x')).toMatchObject({ kind: 'youtube' })
    expect(parseSourceInput('https://cdn.example/v.mp4')).toEqual({ kind: 'http', url: 'https://cdn.example/v.mp4' })
    expect(parseSourceInput('s3://bucket/dir/v.mp4')).toEqual({ kind: 's3', bucket: 'bucket', key: 'dir/v.mp4' })
    expect(parseSourceInput(' /data/v.mp4 ')).toEqual({ kind: 'file', path: '/data/v.mp4' })
    expect(parseSourceInput('C:\\videos\\v.mp4')).toEqual({ kind: 'file', path: 'C:\\videos\\v.mp4' })
    expect(parseSourceInput('v.mp4')).toMatchObject({ error: expect.stringMatching(/absolute file path/) })
  })
})

describe('throughput chart data', () => {
  it('turns cumulative samples into per-interval counts, surviving a worker restart', () => {
    const at = (m: number) => new Date(Date.UTC(2026, 0, 1, 12, m)).toISOString()
    const points = throughput([
      { at: at(2), processed: 5, failed: 1, inFlight: 2 },
      { at: at(0), processed: 0, failed: 0, inFlight: 0 },
      { at: at(1), processed: 2, failed: 0, inFlight: 1 },
      { at: at(3), processed: 1, failed: 0, inFlight: 0 } // restarted: counters began again
    ])
    expect(points.map((p) => [p.processed, p.failed])).toEqual([
      [0, 0],
      [2, 0],
      [3, 1],
      [1, 0]
    ])
  })
})
