import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type DragEvent } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import type { WorkerEvent } from '../../shared/events'
import type { VideoPage } from '../../shared/video'
import { ConsoleApiError } from '../../shared/console-api'
import { keys } from './api/keys'
import { useActions, useVideos, useWorkerStatus } from './api/queries'
import { useEventStream } from './api/use-event-stream'
import { applyView, countByStatus, defaultView, type ListView, type SortKey } from './lib/filter-videos'
import { askNotificationPermissionOnFirstClick, notifyFailure } from './lib/notify'
import { useKeyboard } from './lib/use-keyboard'
import { Header } from './features/header/Header'
import { StatsPanel } from './features/stats/StatsPanel'
import { FailureGroups } from './features/actions/FailureGroups'
import { AddVideos } from './features/actions/AddVideos'
import { ListToolbar } from './features/videos/ListToolbar'
import { VideoList } from './features/videos/VideoList'
import { VideoDetail } from './features/detail/VideoDetail'
import { FirstRun } from './features/settings/FirstRun'
import { SettingsPanel } from './features/settings/SettingsPanel'
import type { SettingGroup } from '../../shared/settings-catalog'

export function App() {
  const { data: status, error: statusError } = useWorkerStatus()
  const { data: page, error: listError } = useVideos()
  const actions = useActions()
  const readOnly = status?.readOnly ?? false
  const [view, setView] = useState<ListView>(defaultView)
  const [selectedId, setSelectedId] = useState<string | null>(null)
  const [adding, setAdding] = useState(false)
  const [dropped, setDropped] = useState<FileList | null>(null)
  const [settings, setSettings] = useState<{ focus?: SettingGroup } | null>(null)
  const searchRef = useRef<HTMLInputElement>(null)

  const videos = page?.items
  const client = useQueryClient()
  const onFailure = useCallback(
    (event: Extract<WorkerEvent, { type: 'video.failed' }>) => {
      const title = client.getQueryData<VideoPage>(keys.videos)?.items.find((v) => v.id === event.videoId)?.title
      notifyFailure(event, title ?? undefined)
    },
    [client]
  )
  const connection = useEventStream(onFailure)
  useEffect(() => askNotificationPermissionOnFirstClick(), [])

  // Filtering 10,000 rows is fast, but typing should never wait for it.
  const deferredView = useDeferredValue(view)
  const rows = useMemo(() => applyView(videos ?? [], deferredView), [videos, deferredView])
  const counts = useMemo(() => countByStatus(videos ?? []), [videos])

  const move = (delta: number) => {
    if (rows.length === 0) return
    const index = selectedId ? rows.findIndex((row) => row.id === selectedId) : -1
    const next = rows[Math.min(rows.length - 1, Math.max(0, index === -1 ? 0 : index + delta))]
    if (next) setSelectedId(next.id)
  }
  useKeyboard({
    next: () => move(1),
    previous: () => move(-1),
    retry: () => {
      const video = rows.find((row) => row.id === selectedId)
      if (video && !readOnly && video.processingStatus === 'failed') actions.retry.mutate(video.id)
    },
    search: () => searchRef.current?.focus(),
    close: () => (settings ? setSettings(null) : adding ? setAdding(false) : setSelectedId(null))
  })

  const sort = (key: SortKey) =>
    setView((v) => ({ ...v, sort: key, order: v.sort === key && v.order === 'desc' ? 'asc' : v.sort === key ? 'desc' : key === 'title' ? 'asc' : 'desc' }))

  const onDrop = (event: DragEvent) => {
    if (readOnly || event.dataTransfer.files.length === 0) return
    event.preventDefault()
    setAdding(true)
    setDropped(event.dataTransfer.files)
  }

  return (
    <div
      className="app"
      data-testid="app"
      data-ready={page && status ? 'true' : 'false'}
      onDragOver={(event) => {
        if (!readOnly && event.dataTransfer.types.includes('Files')) event.preventDefault()
      }}
      onDrop={onDrop}
    >
      <Header status={status} connection={connection} onAdd={() => setAdding((a) => !a)} onSettings={() => setSettings((s) => (s ? null : {}))} />
      {statusError instanceof ConsoleApiError && statusError.code === 'unauthorized' ? (
        <p className="banner tone-bad" role="alert" data-testid="unauthorized">
          The console server does not accept this page any more (it restarted with a new token): open the address it printed.
        </p>
      ) : null}
      {settings ? null : <FirstRun onConnect={(focus) => setSettings({ focus })} />}
      {settings ? <SettingsPanel {...settings} readOnly={readOnly} onClose={() => setSettings(null)} /> : null}
      <main className={`layout${selectedId ? ' with-detail' : ''}`}>
        <div className="left">
          <StatsPanel />
          {adding && !readOnly ? <AddVideos onClose={() => setAdding(false)} onAdded={() => undefined} dropped={dropped} /> : null}
          <FailureGroups readOnly={readOnly} onShowFailed={() => setView((v) => ({ ...v, statuses: ['failed'] }))} />
          <ListToolbar view={view} counts={counts} shown={rows.length} total={page?.total ?? 0} searchRef={searchRef} onChange={setView} />
          {listError ? <p className="tone-bad">{listError.message}</p> : null}
          <VideoList rows={rows} view={deferredView} onSort={sort} selectedId={selectedId} onSelect={setSelectedId} />
        </div>
        {selectedId ? <VideoDetail key={selectedId} id={selectedId} readOnly={readOnly} onClose={() => setSelectedId(null)} /> : null}
      </main>
    </div>
  )
}
