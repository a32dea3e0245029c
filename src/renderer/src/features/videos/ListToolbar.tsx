import type { Ref } from 'react'
import { FailureCause, failureCauseInfo, type DisplayStatus } from '../../../../shared/video-status'
import { isFiltered, plural, RANGES, type ListView, type RangeKey } from '../../lib/filter-videos'

export interface ListToolbarProps {
  view: ListView
  counts: Record<DisplayStatus, number>
  shown: number
  total: number
  searchRef: Ref<HTMLInputElement>
  onChange(view: ListView, opts?: { replace?: boolean }): void
}

/** The chips group the three working states as one, "in progress". */
const CHIPS: { label: string; statuses: DisplayStatus[]; tone: string }[] = [
  { label: 'queued', statuses: ['queued'], tone: 'queued' },
  { label: 'in progress', statuses: ['processing', 'downloading', 'uploading'], tone: 'processing' },
  { label: 'completed', statuses: ['completed'], tone: 'completed' },
  { label: 'failed', statuses: ['failed'], tone: 'failed' },
  { label: 'cancelled', statuses: ['cancelled'], tone: 'cancelled' }
]

/** Search (title, id, path/URL, error text), state chips with counts, and filters by cause, analyzer and time. */
export function ListToolbar({ view, counts, shown, total, searchRef, onChange }: ListToolbarProps) {
  const toggle = (statuses: DisplayStatus[]) => {
    const on = statuses.every((s) => view.display.includes(s))
    onChange({ ...view, display: on ? view.display.filter((s) => !statuses.includes(s)) : [...view.display, ...statuses.filter((s) => !view.display.includes(s))] })
  }
  return (
    <div className="toolbar">
      <input
        ref={searchRef}
        className="search"
        type="search"
        data-testid="search"
        placeholder="Search title, id, path/URL, error   ( / )"
        aria-label="Search videos by title, id, path or URL, or error text"
        value={view.search}
        onChange={(event) => onChange({ ...view, search: event.target.value }, { replace: true })}
      />
      <div className="filters" role="group" aria-label="Filter by state">
        {CHIPS.map((chip) => {
          const on = chip.statuses.every((s) => view.display.includes(s))
          const count = chip.statuses.reduce((sum, s) => sum + counts[s], 0)
          return (
            <button key={chip.label} type="button" className={`filter chip-${chip.tone}${on ? ' on' : ''}`} aria-pressed={on} data-testid={`filter-${chip.statuses[0]}`} onClick={() => toggle(chip.statuses)}>
              {chip.label} <span className="count">{count}</span>
            </button>
          )
        })}
      </div>
      <div className="selects">
        <select aria-label="Filter by cause" data-testid="filter-cause" value={view.causes[0] ?? ''} onChange={(e) => onChange({ ...view, causes: e.target.value ? [e.target.value as FailureCause] : [] })}>
          <option value="">any cause</option>
          {FailureCause.options.map((cause) => (
            <option key={cause} value={cause}>
              {failureCauseInfo[cause].label}
            </option>
          ))}
        </select>
        <select
          aria-label="Filter by analyzer"
          data-testid="filter-analyzer"
          value={view.analyzer ?? ''}
          onChange={(e) => onChange({ ...view, analyzer: e.target.value === 'gemini' || e.target.value === 'local' ? e.target.value : null })}
        >
          <option value="">any analyzer</option>
          <option value="gemini">gemini</option>
          <option value="local">local</option>
        </select>
        <select aria-label="Filter by time" data-testid="filter-range" value={view.range ?? ''} onChange={(e) => onChange({ ...view, range: (e.target.value || null) as RangeKey | null })}>
          <option value="">any time</option>
          {(Object.keys(RANGES) as RangeKey[]).map((key) => (
            <option key={key} value={key}>
              changed in the {RANGES[key].label}
            </option>
          ))}
        </select>
        {isFiltered(view) ? (
          <button type="button" className="link" data-testid="clear-filters" onClick={() => onChange({ ...view, display: [], causes: [], analyzer: null, range: null, search: '' })}>
            clear
          </button>
        ) : null}
      </div>
      <span className="muted list-count" data-testid="list-count">
        {shown === total ? plural(total, 'video') : `${shown} of ${plural(total, 'video')}`}
      </span>
    </div>
  )
}
