import type { VideoStatus } from '../../../../shared/video-status'

export function StatusChip({ status }: { status: VideoStatus }) {
  return (
    <span className={`chip chip-${status}`} data-testid="status-chip">
      {status}
    </span>
  )
}
