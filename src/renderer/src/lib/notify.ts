import type { WorkerEvent } from '../../../shared/events'

type Failed = Extract<WorkerEvent, { type: 'video.failed' }>

/** Asks once, on the first click, so the browser does not refuse a prompt without a gesture. */
export function askNotificationPermissionOnFirstClick(): () => void {
  if (typeof Notification === 'undefined' || Notification.permission !== 'default') return () => {}
  const ask = () => void Notification.requestPermission().catch(() => undefined)
  window.addEventListener('pointerdown', ask, { once: true })
  return () => window.removeEventListener('pointerdown', ask)
}

/** An OS notification when a video fails for good while the console is hidden. */
export function notifyFailure(event: Failed, title: string | undefined): void {
  if (!event.final || !document.hidden) return
  if (typeof Notification === 'undefined' || Notification.permission !== 'granted') return
  const notification = new Notification(`Video failed: ${title ?? event.videoId.slice(0, 8)}`, {
    body: `${event.cause}: ${event.error}`.slice(0, 240),
    tag: event.videoId
  })
  notification.onclick = () => window.focus()
}
