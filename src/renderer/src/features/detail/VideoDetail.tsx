import type { Video } from '../../../../shared/video'
import { useActions, useVideoDetail } from '../../api/queries'
import { CAUSE_LABEL, errorText, sourceLabel } from '../../lib/labels'
import { formatMs } from '../../lib/timeline'
import { StatusChip } from '../videos/StatusChip'
import { ProgressBar } from '../videos/ProgressBar'
import { AnalysisView } from './AnalysisView'
import { Journal } from './Journal'
import { Timeline } from './Timeline'

const RUNNING = new Set(['processing', 'downloading', 'uploading'])

function Actions({ video, readOnly }: { video: Video; readOnly: boolean }) {
  const { retry, cancel } = useActions()
  if (readOnly) return null
  const error = retry.error ?? cancel.error
  return (
    <div className="detail-actions">
      {video.processingStatus === 'failed' || video.processingStatus === 'completed' ? (
        <button type="button" className="primary" disabled={retry.isPending} onClick={() => retry.mutate(video.id)} data-testid="retry" title="Queue this video again (r)">
          {video.processingStatus === 'failed' ? 'Retry' : 'Run again'}
        </button>
      ) : null}
      {video.processingStatus === 'queued' || RUNNING.has(video.processingStatus) ? (
        <button type="button" disabled={cancel.isPending} onClick={() => cancel.mutate(video.id)} data-testid="cancel">
          Cancel
        </button>
      ) : null}
      {error ? <span className="tone-bad small">{error.message}</span> : null}
    </div>
  )
}

/** Everything about one video: status, error, timeline, analysis, journal. */
export function VideoDetail({ id, readOnly, onClose }: { id: string; readOnly: boolean; onClose(): void }) {
  const { data, isPending, error } = useVideoDetail(id)
  if (isPending) return <aside className="detail panel">Loading…</aside>
  if (error) return <aside className="detail panel tone-bad">{error.message}</aside>
  if (!data) {
    return (
      <aside className="detail panel">
        <p>This video no longer exists.</p>
        <button type="button" onClick={onClose}>
          Close
        </button>
      </aside>
    )
  }
  const { video, analysis, journal } = data
  const failure = video.processingStatus === 'failed' ? errorText(video.analysisResult) : null
  const playable = video.source?.kind === 'file'
  return (
    <aside className="detail panel" data-testid="detail" data-status={video.processingStatus} aria-label="Video detail">
      <div className="panel-head">
        <div>
          <h2 data-testid="detail-title">{video.title ?? sourceLabel(video.source)}</h2>
          <p className="muted small mono">
            {video.id} · {sourceLabel(video.source)}
          </p>
        </div>
        <button type="button" className="link" onClick={onClose} aria-label="Close detail (Esc)">
          ✕
        </button>
      </div>
      <div className="detail-status">
        <StatusChip status={video.processingStatus} />
        <ProgressBar id={video.id} />
        <span className="muted small">
          attempt {video.attempts}
          {video.completedAt && video.startedAt ? ` · ${formatMs(Date.parse(video.completedAt) - Date.parse(video.startedAt))}` : ''}
        </span>
        <Actions video={video} readOnly={readOnly} />
      </div>
      {failure !== null ? (
        <div className="error-box" role="alert" data-testid="error">
          <strong>{video.errorCause ? CAUSE_LABEL[video.errorCause] : 'Failed'}</strong>
          <span className="muted small"> · attempt {video.attempts}</span>
          <p className="mono">{failure}</p>
        </div>
      ) : null}
      <h3>Timeline</h3>
      <Timeline video={video} journal={journal} />
      {analysis ? <AnalysisView analysis={analysis} videoId={video.id} playable={playable} /> : null}
      <h3>Log</h3>
      <Journal entries={journal} />
    </aside>
  )
}
