import { useCallback, useDeferredValue, useEffect, useMemo, useRef, useState, type DragEvent } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import type { WorkerEvent } from '../../shared/events'
import type { Video, VideoPage } from '../../shared/video'
import { ConsoleApiError } from '../../shared/console-api'
import { isPendingRetry } from '../../shared/video-view'
import { keys } from './api/keys'
import { OnlineContext } from './api/online'
import { useVideos, useWorkerStatus } from './api/queries'
import { useTransport } from './api/transport-context'
import { useEventStream } from './api/use-event-stream'
import { applyView, countByStatus, upsertPage, type ListView, type SortKey } from './lib/filter-videos'
import { askNotificationPermissionOnFirstClick, notifyFailure } from './lib/notify'
import { useRoute } from './lib/route'
import { useTheme } from './lib/theme'
import { useKeyboard } from './lib/use-keyboard'
import { Header } from './features/header/Header'
import { StatsPanel } from './features/stats/StatsPanel'
import { DeadLetters } from './features/actions/DeadLetters'
import { FailureGroups } from './features/actions/FailureGroups'
import { AddVideos } from './features/actions/AddVideos'
import { retryInBulk } from './features/actions/bulk'
import { ListToolbar } from './features/videos/ListToolbar'
import { VideoList } from './features/videos/VideoList'
import { VideoDetail } from './features/detail/VideoDetail'
import { FirstRun } from './features/settings/FirstRun'
import { SettingsPanel } from './features/settings/SettingsPanel'
import type { SettingGroup } from '../../shared/settings-catalog'
import { exportVideo, retryVideo } from './features/detail/video-actions'
import { ConfirmHost } from './features/shell/ConfirmHost'
import { OutageBanner } from './features/shell/OutageBanner'
import { ShortcutsOverlay } from './features/shell/ShortcutsOverlay'
import { Toasts } from './features/shell/Toasts'
import { viewQuery } from './lib/filter-videos'

export function App() {
  const { data: status, error: statusError } = useWorkerStatus()
  const { data: page, error: listError } = useVideos()
  const { api } = useTransport()
  const readOnly = status?.readOnly ?? false
  const [route, navigate] = useRoute()
  const { view, videoId: selectedId, compare } = route
  const [adding, setAdding] = useState(false)
  const [help, setHelp] = useState(false)
  const [dropped, setDropped] = useState<FileList | null>(null)
  const [settings, setSettings] = useState<{ focus?: SettingGroup } | null>(null)
  const [theme, nextTheme] = useTheme()
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
  const online = connection.state !== 'reconnecting'
  useEffect(() => askNotificationPermissionOnFirstClick(), [])

  const setView = (next: ListView, opts?: { replace?: boolean }) => navigate({ ...route, view: next }, opts)
  const select = (id: string | null) => navigate({ ...route, videoId: id, compare: false })
  // Filtering 10,000 rows is fast, but typing should never wait for it.
  const deferredView = useDeferredValue(view)
  const rows = useMemo(() => applyView(videos ?? [], deferredView), [videos, deferredView])
  const counts = useMemo(() => countByStatus(videos ?? []), [videos])
  const pendingRetries = useMemo(() => (videos ?? []).filter(isPendingRetry).length, [videos])
  const selected: Video | undefined = selectedId ? videos?.find((v) => v.id === selectedId) : undefined

  const move = (delta: number) => {
    if (rows.length === 0) return
    const index = selectedId ? rows.findIndex((row) => row.id === selectedId) : -1
    const next = rows[Math.min(rows.length - 1, Math.max(0, index === -1 ? 0 : index + delta))]
    if (next) navigate({ ...route, videoId: next.id, compare: false }, { replace: true })
  }
  const blocked = !online || readOnly
  useKeyboard({
    next: () => move(1),
    previous: () => move(-1),
    retry: () => {
      if (selected && !blocked && (selected.processingStatus === 'failed' || selected.processingStatus === 'completed')) {
        void retryVideo(api, selected, (updated) => client.setQueryData<VideoPage>(keys.videos, (p) => upsertPage(p, updated)))
      }
    },
    exportBundle: () => {
      if (selected && online) void exportVideo(api, selected)
    },
    compare: () => {
      if (selectedId) navigate({ ...route, compare: !compare })
    },
    theme: nextTheme,
    help: () => setHelp((h) => !h),
    search: () => searchRef.current?.focus(),
    close: () => (help ? setHelp(false) : settings ? setSettings(null) : selectedId ? select(null) : setAdding(false))
  })

  const sort = (key: SortKey) =>
    setView({ ...view, sort: key, order: view.sort === key && view.order === 'desc' ? 'asc' : view.sort === key ? 'desc' : key === 'title' ? 'asc' : 'desc' })

  const onDrop = (event: DragEvent) => {
    if (readOnly || !online || event.dataTransfer.files.length === 0) return
    event.preventDefault()
    setAdding(true)
    setDropped(event.dataTransfer.files)
  }
  const filtered = rows.length !== (videos?.length ?? 0)

  return (
    <OnlineContext.Provider value={online}>
      <div
        className="app"
        data-testid="app"
        data-ready={page && status ? 'true' : 'false'}
        data-online={online}
        onDragOver={(event) => {
          if (!readOnly && event.dataTransfer.types.includes('Files')) event.preventDefault()
        }}
        onDrop={onDrop}
      >
        <Header
          status={status}
          connection={connection}
          onAdd={() => setAdding((a) => !a)}
          onSettings={() => setSettings((s) => (s ? null : {}))}
          theme={theme}
          onTheme={nextTheme}
          onHelp={() => setHelp(true)}
        />
        <OutageBanner connection={connection} />
        {statusError instanceof ConsoleApiError && statusError.code === 'unauthorized' ? (
          <p className="banner tone-bad" role="alert" data-testid="unauthorized">
            The console server does not accept this page any more (it restarted with a new token): open the address it printed.
          </p>
        ) : null}
        {settings ? null : <FirstRun onConnect={(focus) => setSettings({ focus })} />}
        {settings ? <SettingsPanel {...settings} readOnly={readOnly} onClose={() => setSettings(null)} /> : null}
        <main className={`layout${selectedId ? ' with-detail' : ''}`}>
          <div className="left">
            <StatsPanel table={{ total: page?.total ?? 0, counts }} />
            {adding && !readOnly ? <AddVideos onClose={() => setAdding(false)} onAdded={() => undefined} dropped={dropped} /> : null}
            <FailureGroups
              readOnly={readOnly}
              pendingRetries={pendingRetries}
              onShowCause={(cause) => setView({ ...view, display: [], causes: [cause] })}
              onShowFailed={() => setView({ ...view, display: ['failed'], causes: [] })}
            />
            <DeadLetters readOnly={readOnly} />
            <ListToolbar view={view} counts={counts} shown={rows.length} total={page?.total ?? 0} searchRef={searchRef} onChange={setView} />
            {filtered && !readOnly && rows.some((r) => r.processingStatus === 'failed') ? (
              <p className="view-actions">
                <button type="button" disabled={!online} data-testid="retry-view" onClick={() => void retryInBulk(api, { filter: viewQuery(view) }, 'in this view')}>
                  Retry the failed videos in this view…
                </button>
              </p>
            ) : null}
            {listError && online ? <p className="tone-bad">{listError.message}</p> : null}
            <VideoList rows={rows} view={deferredView} onSort={sort} selectedId={selectedId} onSelect={(id) => select(id)} />
          </div>
          {selectedId ? (
            <>
              <div className="drawer-backdrop" onClick={() => select(null)} aria-hidden />
              <VideoDetail key={selectedId} id={selectedId} readOnly={readOnly} compare={compare} onCompare={(open) => navigate({ ...route, compare: open })} onClose={() => select(null)} />
            </>
          ) : null}
        </main>
        <Toasts />
        <ConfirmHost />
        {help ? <ShortcutsOverlay onClose={() => setHelp(false)} /> : null}
      </div>
    </OnlineContext.Provider>
  )
}
