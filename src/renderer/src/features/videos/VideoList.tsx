import { useEffect, useRef } from 'react'
import { useVirtualizer } from '@tanstack/react-virtual'
import { pricesLabel } from '../../../../shared/analysis'
import type { Video } from '../../../../shared/video'
import { describeSource } from '../../../../shared/video-source'
import { analysisFacts, errorTextOf } from '../../../../shared/video-view'
import type { ListView, SortKey } from '../../lib/filter-videos'
import { formatAge, formatMs } from '../../lib/timeline'
import { useNow } from '../../lib/use-now'
import { CauseChip, StatusChip } from './StatusChip'
import { ProgressBar } from './ProgressBar'

const ROW_HEIGHT = 44

const COLUMNS: { key: SortKey | null; label: string; className: string }[] = [
  { key: 'title', label: 'Video', className: 'col-title' },
  { key: 'processingStatus', label: 'Status', className: 'col-status' },
  { key: null, label: 'Reason', className: 'col-reason' },
  { key: null, label: 'Source', className: 'col-source' },
  { key: null, label: 'Analyzer', className: 'col-analyzer' },
  { key: null, label: 'Took', className: 'col-took' },
  { key: null, label: 'Cost', className: 'col-cost' },
  { key: 'attempts', label: 'Tries', className: 'col-attempts' },
  { key: 'updatedAt', label: 'Updated', className: 'col-age' }
]

export interface VideoListProps {
  rows: Video[]
  view: ListView
  onSort(key: SortKey): void
  selectedId: string | null
  onSelect(id: string): void
}

function took(video: Video): string {
  if (!video.startedAt || !video.completedAt) return '—'
  return formatMs(Math.max(0, Date.parse(video.completedAt) - Date.parse(video.startedAt)))
}

/** The video table, virtualised: only the rows on screen exist in the DOM, so 10,000 stay smooth. */
export function VideoList({ rows, view, onSort, selectedId, onSelect }: VideoListProps) {
  const scroller = useRef<HTMLDivElement>(null)
  const now = useNow()
  const virtualizer = useVirtualizer({
    count: rows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    getItemKey: (index) => rows[index]?.id ?? index
  })
  // A filter that leaves fewer rows than the list was scrolled past would show none: back to the top.
  const filterKey = JSON.stringify([view.display, view.causes, view.analyzer, view.range, view.search])
  useEffect(() => {
    scroller.current?.scrollTo({ top: 0 })
    virtualizer.scrollToOffset(0)
  }, [filterKey, virtualizer])
  const selectedIndex = selectedId ? rows.findIndex((row) => row.id === selectedId) : -1
  useEffect(() => {
    if (selectedIndex >= 0) virtualizer.scrollToIndex(selectedIndex, { align: 'auto' })
  }, [selectedIndex, virtualizer])

  return (
    <div className="video-table" role="grid" aria-rowcount={rows.length} data-testid="video-list">
      <div className="video-head" role="row">
        {COLUMNS.map((column) =>
          column.key ? (
            <button
              key={column.label}
              type="button"
              role="columnheader"
              className={`${column.className} sort${view.sort === column.key ? ' sorted' : ''}`}
              aria-sort={view.sort === column.key ? (view.order === 'asc' ? 'ascending' : 'descending') : 'none'}
              onClick={() => column.key && onSort(column.key)}
            >
              {column.label}
              {view.sort === column.key ? (view.order === 'asc' ? ' ▲' : ' ▼') : ''}
            </button>
          ) : (
            <span key={column.label} role="columnheader" className={`${column.className} sort`}>
              {column.label}
            </span>
          )
        )}
      </div>
      <div className="video-scroll" ref={scroller} data-testid="video-scroll">
        {rows.length === 0 ? <p className="empty">No videos match. Add one with “Add videos”, or clear the filters.</p> : null}
        <div style={{ height: virtualizer.getTotalSize(), position: 'relative' }}>
          {virtualizer.getVirtualItems().map((item) => {
            const video = rows[item.index]
            if (!video) return null
            const active = video.id === selectedId
            const facts = analysisFacts(video)
            const error = errorTextOf(video)
            return (
              <div
                key={item.key}
                role="row"
                aria-selected={active}
                className={`video-row${active ? ' selected' : ''}`}
                data-testid="video-row"
                data-id={video.id}
                data-status={video.processingStatus}
                data-cause={video.errorCause ?? ''}
                style={{ transform: `translateY(${item.start}px)`, height: ROW_HEIGHT }}
                onClick={() => onSelect(video.id)}
              >
                <span className="col-title">
                  <span className="title">{video.title ?? (video.source ? describeSource(video.source) : video.id)}</span>
                  <span className="sub mono">{video.id.slice(0, 8)}</span>
                </span>
                <span className="col-status">
                  <StatusChip video={video} />
                  {video.processingStatus === 'downloading' || video.processingStatus === 'uploading' ? <ProgressBar id={video.id} /> : null}
                </span>
                <span className="col-reason" title={error ?? ''}>
                  {video.processingStatus === 'failed' && video.errorCause ? <CauseChip cause={video.errorCause} /> : null}
                  <span className="reason-text">{error ?? ''}</span>
                </span>
                <span className="col-source" title={video.source ? describeSource(video.source) : ''}>
                  {video.source?.kind ?? '—'}
                </span>
                <span className="col-analyzer" title={facts?.model ?? ''}>
                  {facts?.engine ?? '—'}
                </span>
                <span className="col-took">{took(video)}</span>
                <span className="col-cost" title={facts?.pricedBy ?? ''}>
                  {facts?.costUsd ? (
                    <>
                      ${facts.costUsd.toFixed(4)} <small className="muted">{pricesLabel(facts.pricedBy ?? undefined)}</small>
                    </>
                  ) : facts?.engine === 'local' ? '$0' : '—'}
                </span>
                <span className="col-attempts">{video.attempts}</span>
                <span className="col-age" title={video.updatedAt}>
                  {formatAge(video.updatedAt, now)}
                </span>
              </div>
            )
          })}
        </div>
      </div>
    </div>
  )
}
