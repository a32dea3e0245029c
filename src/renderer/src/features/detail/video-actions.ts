import type { ConsoleApi } from '../../../../shared/console-api'
import type { Video } from '../../../../shared/video'
import { failureCauseInfo } from '../../../../shared/video-status'
import { retryOutlook } from '../../../../shared/video-view'
import { confirmAction } from '../../lib/confirm'
import { downloadBundle } from '../../lib/download'
import { toastError, toastStore } from '../../lib/toasts'

/** Retry one video; when its cause says the same input fails again, ask first and say why. */
export async function retryVideo(api: ConsoleApi, video: Video, onDone?: (updated: Video) => void): Promise<void> {
  if (video.processingStatus === 'failed' && retryOutlook(video) === 'unlikely') {
    const info = failureCauseInfo[video.errorCause ?? 'other']
    const ok = await confirmAction({
      title: 'Retry a video that will likely fail again?',
      body: [`It failed for “${info.label}”: ${info.advice}`, 'Retry it anyway if the input has changed since.'],
      confirmLabel: 'Retry anyway',
      tone: 'warn'
    })
    if (!ok) return
  }
  try {
    const updated = await api['videos.retry']({ id: video.id })
    onDone?.(updated)
    toastStore.push({ tone: 'ok', text: `${video.title ?? video.id.slice(0, 8)} re-queued` })
  } catch (error) {
    toastError('Retry', error)
  }
}

export async function cancelVideo(api: ConsoleApi, video: Video): Promise<void> {
  try {
    const { cancelled } = await api['videos.cancel']({ id: video.id })
    toastStore.push(cancelled ? { tone: 'ok', text: `${video.title ?? video.id.slice(0, 8)} cancelled` } : { tone: 'info', text: 'Nothing to cancel: it is not waiting or running any more' })
  } catch (error) {
    toastError('Cancel', error)
  }
}

export async function exportVideo(api: ConsoleApi, video: Video): Promise<void> {
  try {
    const bundle = await api['videos.export']({ id: video.id })
    downloadBundle(bundle)
    toastStore.push({ tone: 'ok', text: `Exported ${bundle.fileName} (${bundle.files.length} files)` })
  } catch (error) {
    toastError('Export', error)
  }
}
