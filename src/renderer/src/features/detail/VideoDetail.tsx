import { useCallback, useRef } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import type { Video, VideoPage } from '../../../../shared/video'
import { describeSource } from '../../../../shared/video-source'
import { displayStatus, failureCauseInfo } from '../../../../shared/video-status'
import { isPendingRetry } from '../../../../shared/video-view'
import { keys } from '../../api/keys'
import { useOnline } from '../../api/online'
import { useAnalysisRuns, useMediaFacts, useVideoDetail } from '../../api/queries'
import { useTransport } from '../../api/transport-context'
import { upsertPage } from '../../lib/filter-videos'
import { formatMs } from '../../lib/timeline'
import { CauseChip, OUTLOOK_TEXT, StatusChip } from '../videos/StatusChip'
import { ProgressBar } from '../videos/ProgressBar'
import { AnalysisView } from './AnalysisView'
import { CompareView } from './CompareView'
import { Journal } from './Journal'
import { MediaPanel } from './MediaPanel'
import { Timeline } from './Timeline'
import { cancelVideo, exportVideo, retryVideo } from './video-actions'

const RUNNING = new Set(['processing', 'downloading', 'uploading'])

function Actions({ video, readOnly, runs, onCompare }: { video: Video; readOnly: boolean; runs: number; onCompare(): void }) {
  const { api } = useTransport()
  const online = useOnline()
  const client = useQueryClient()
  const put = (updated: Video) => client.setQueryData<VideoPage>(keys.videos, (page) => upsertPage(page, updated))
  const shown = displayStatus(video)
  return (
    <div className="detail-actions">
      {!readOnly && video.source !== null && (shown === 'failed' || shown === 'cancelled' || shown === 'completed') && !isPendingRetry(video) ? (
        <button type="button" className="primary" disabled={!online} onClick={() => void retryVideo(api, video, put)} data-testid="retry" title="Queue this video again (r)">
          {shown === 'completed' ? 'Run again' : 'Retry'}
        </button>
      ) : null}
      {!readOnly && (video.processingStatus === 'queued' || RUNNING.has(video.processingStatus) || isPendingRetry(video)) ? (
        <button type="button" disabled={!online} onClick={() => void cancelVideo(api, video)} data-testid="cancel">
          {isPendingRetry(video) ? 'Cancel retry' : 'Cancel'}
        </button>
      ) : null}
      {runs >= 2 ? (
        <button type="button" onClick={onCompare} data-testid="compare-open" title="Compare the runs of this video (c)">
          Compare {runs} runs
        </button>
      ) : null}
      <button type="button" disabled={!online} onClick={() => void exportVideo(api, video)} data-testid="export" title="Download a debug bundle (e)">
        Export
      </button>
    </div>
  )
}

export interface VideoDetailProps {
  id: string
  readOnly: boolean
  compare: boolean
  onCompare(open: boolean): void
  onClose(): void
}

/** Everything about one video: state, cause and evidence, the media, timeline, analysis (or two runs compared), journal. */
export function VideoDetail({ id, readOnly, compare, onCompare, onClose }: VideoDetailProps) {
  const { data, isPending, error } = useVideoDetail(id)
  const { mediaUrl } = useTransport()
  const video = data?.video
  const runs = useAnalysisRuns(id, true)
  const settled = video ? video.processingStatus === 'failed' || video.processingStatus === 'queued' : false
  const media = useMediaFacts(id, settled && video?.source !== null)
  const player = useRef<HTMLVideoElement>(null)
  const dock = useRef<HTMLDivElement>(null)
  const seek = useCallback((seconds: number) => {
    const element = player.current
    if (!element) return
    element.currentTime = seconds
    // Keep the player in view: the chapter or keyframe clicked may be far below it.
    dock.current?.scrollIntoView({ block: 'nearest' })
    void element.play().catch(() => undefined)
  }, [])
  if (isPending) return <aside className="detail panel">Loading…</aside>
  if (error) return <aside className="detail panel tone-bad">{error.message}</aside>
  if (!data || !video) {
    return (
      <aside className="detail panel" data-testid="detail-missing">
        <p>This video no longer exists.</p>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </aside>
    )
  }
  const { analysis, journal } = data
  const shown = displayStatus(video)
  const cause = video.errorCause ?? 'other'
  const failure = shown === 'failed' ? (video.analysisResult?.replace(/^Error: /, '') ?? '') : null
  // A failed file gets a player only when it still decodes (ffprobe read it): a broken one would spin forever.
  const playable = video.source?.kind === 'file' && (video.processingStatus === 'completed' || (media.data?.present === true && media.data.metadata !== null))
  const onSeek = playable ? seek : undefined
  return (
    <aside className="detail panel" data-testid="detail" data-status={shown} data-id={video.id} aria-label="Video detail">
      <div className="panel-head">
        <div className="detail-title">
          <h2 data-testid="detail-title">{video.title ?? (video.source ? describeSource(video.source) : video.id)}</h2>
          <p className="muted small mono">
            {video.id} · {video.source ? describeSource(video.source) : 'no source recorded'}
          </p>
        </div>
        <button type="button" className="link" onClick={onClose} aria-label="Close detail (Esc)" data-testid="detail-close">
          ✕
        </button>
      </div>
      <div className="detail-status">
        <StatusChip video={video} />
        <ProgressBar id={video.id} />
        <span className="muted small">
          attempt {video.attempts}
          {video.completedAt && video.startedAt ? ` · took ${formatMs(Date.parse(video.completedAt) - Date.parse(video.startedAt))}` : ''}
        </span>
        <Actions video={video} readOnly={readOnly} runs={runs.data?.length ?? 0} onCompare={() => onCompare(true)} />
      </div>
      {failure !== null ? (
        <div className={`error-box outlook-${failureCauseInfo[cause].retry}`} role="alert" data-testid="error" data-cause={cause}>
          <CauseChip cause={cause} />
          <span className="muted small">
            {' '}
            · attempt {video.attempts} · {OUTLOOK_TEXT[failureCauseInfo[cause].retry]}
            {isPendingRetry(video) ? ' · the queue will deliver it again' : ''}
          </span>
          <p className="advice">{failureCauseInfo[cause].advice}</p>
          <p className="mono" data-testid="error-text">
            {failure}
          </p>
        </div>
      ) : null}
      {shown === 'cancelled' ? (
        <div className="note-box" data-testid="cancelled-note">
          <strong>Cancelled</strong> <span className="muted small">· {video.analysisResult?.replace(/^Error: /, '')}</span>
        </div>
      ) : null}
      {playable ? (
        <div className="player-dock" ref={dock}>
          <video ref={player} className="player" controls preload="metadata" src={mediaUrl(video.id, 'video')} data-testid="player" />
        </div>
      ) : null}
      {compare ? (
        <CompareView runs={runs.data ?? []} onClose={() => onCompare(false)} />
      ) : analysis ? (
        <AnalysisView analysis={analysis} videoId={video.id} onSeek={onSeek} />
      ) : null}
      {settled ? (
        <>
          <h3>Media</h3>
          <MediaPanel facts={media.data} loading={media.isPending && media.fetchStatus !== 'idle'} onSeek={onSeek} />
        </>
      ) : null}
      <h3>Timeline</h3>
      <Timeline video={video} journal={journal} />
      <h3>Log and evidence</h3>
      <Journal entries={journal} />
    </aside>
  )
}
