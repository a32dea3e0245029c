import type { Video } from '../../../../shared/video'
import { displayStatus, failureCauseInfo, type DisplayStatus, type FailureCause } from '../../../../shared/video-status'
import { isPendingRetry } from '../../../../shared/video-view'

/** The state as shown: cancelled apart from failed, and a failure that the queue will retry says so. */
export function StatusChip({ video, status }: { video?: Pick<Video, 'processingStatus' | 'errorCause' | 'completedAt'>; status?: DisplayStatus }) {
  const shown = status ?? (video ? displayStatus(video) : 'queued')
  const pending = video ? isPendingRetry(video) : false
  return (
    <span className={`chip chip-${shown}`} data-testid="status-chip" data-status={shown} title={pending ? 'failed; the queue will deliver it again after a backoff' : undefined}>
      {shown}
      {pending ? ' · retry pending' : ''}
    </span>
  )
}

const OUTLOOK_TEXT = { likely: 'a retry usually helps', 'after-fix': 'retry after fixing the cause', unlikely: 'a retry will likely fail again' } as const

export function CauseChip({ cause }: { cause: FailureCause }) {
  const info = failureCauseInfo[cause]
  return (
    <span className={`cause-chip outlook-${info.retry}`} data-testid="cause-chip" data-cause={cause} title={`${info.advice} (${OUTLOOK_TEXT[info.retry]})`}>
      {info.label}
    </span>
  )
}

export { OUTLOOK_TEXT }
