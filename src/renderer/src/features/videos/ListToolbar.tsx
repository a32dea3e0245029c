import type { Ref } from 'react'
import type { VideoStatus } from '../../../../shared/video-status'
import type { ListView } from '../../lib/filter-videos'
import { STATUSES } from '../../lib/labels'

export interface ListToolbarProps {
  view: ListView
  counts: Record<VideoStatus, number>
  shown: number
  total: number
  searchRef: Ref<HTMLInputElement>
  onChange(view: ListView): void
}

/** Search by id or title, and status filter chips with their counts. */
export function ListToolbar({ view, counts, shown, total, searchRef, onChange }: ListToolbarProps) {
  const toggle = (status: VideoStatus) =>
    onChange({
      ...view,
      statuses: view.statuses.includes(status) ? view.statuses.filter((s) => s !== status) : [...view.statuses, status]
    })
  return (
    <div className="toolbar">
      <input
        ref={searchRef}
        className="search"
        type="search"
        data-testid="search"
        placeholder="Search id or title   ( / )"
        aria-label="Search videos by id or title"
        value={view.search}
        onChange={(event) => onChange({ ...view, search: event.target.value })}
      />
      <div className="filters" role="group" aria-label="Filter by status">
        {STATUSES.map((status) => (
          <button
            key={status}
            type="button"
            className={`filter chip-${status}${view.statuses.includes(status) ? ' on' : ''}`}
            aria-pressed={view.statuses.includes(status)}
            data-testid={`filter-${status}`}
            onClick={() => toggle(status)}
          >
            {status} <span className="count">{counts[status]}</span>
          </button>
        ))}
        {view.statuses.length > 0 || view.search ? (
          <button type="button" className="link" onClick={() => onChange({ ...view, statuses: [], search: '' })}>
            clear
          </button>
        ) : null}
      </div>
      <span className="muted" data-testid="list-count">
        {shown === total ? `${total} videos` : `${shown} of ${total}`}
      </span>
    </div>
  )
}
