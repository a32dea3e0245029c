import { useProgress } from '../../api/progress-store'

function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(0)} KiB`
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MiB`
  return `${(bytes / 1024 ** 3).toFixed(2)} GiB`
}

/** Bytes moved while downloading or uploading; indeterminate when the size is unknown. */
export function ProgressBar({ id }: { id: string }) {
  const progress = useProgress(id)
  if (!progress) return null
  const ratio = progress.total ? Math.min(1, progress.bytes / progress.total) : null
  return (
    <span className="progress" title={`${progress.stage}: ${formatBytes(progress.bytes)}${progress.total ? ` of ${formatBytes(progress.total)}` : ''}`}>
      <span className={`progress-fill${ratio === null ? ' indeterminate' : ''}`} style={{ width: ratio === null ? '40%' : `${ratio * 100}%` }} />
    </span>
  )
}
