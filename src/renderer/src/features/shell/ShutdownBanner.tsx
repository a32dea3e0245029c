import { useEffect, useState } from 'react'
import type { ShutdownNotice } from '../../../../shared/preload-api'

/** What the banner says in each phase of the desktop app's shutdown. */
export function shutdownText(notice: ShutdownNotice): string {
  const jobs = (n: number) => `${n} job${n === 1 ? '' : 's'}`
  switch (notice.phase) {
    case 'draining':
      return notice.inFlight === 0
        ? 'Stopping — no jobs in flight'
        : `Stopping — finishing ${jobs(notice.inFlight)} (up to ${notice.deadlineSeconds} s); quit again to hand them back now`
    case 'handing-back':
      return `Stopping — ${jobs(notice.handedBack)} handed back to the queue`
    case 'closing':
      return `Stopping — ${jobs(notice.handedBack)} handed back; closing the database`
  }
}

/** Desktop only: once a quit began, says what the app is waiting for until it exits. */
export function ShutdownBanner({ subscribe }: { subscribe: (callback: (notice: ShutdownNotice) => void) => () => void }) {
  const [notice, setNotice] = useState<ShutdownNotice | null>(null)
  useEffect(() => subscribe(setNotice), [subscribe])
  if (!notice) return null
  return (
    <p className="banner tone-warn shutdown-banner" role="status" data-testid="shutdown" data-phase={notice.phase}>
      {shutdownText(notice)}
    </p>
  )
}
