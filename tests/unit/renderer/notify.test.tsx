// @vitest-environment jsdom
import { afterEach, describe, expect, it, vi } from 'vitest'
import { notifyFailure } from '../../../src/renderer/src/lib/notify'

type Shown = { title: string; options?: NotificationOptions }

/** The browser's Notification API as the page sees it (jsdom has none). */
function installNotification(permission: NotificationPermission): Shown[] {
  const shown: Shown[] = []
  class FakeNotification {
    static permission = permission
    onclick: (() => void) | null = null
    constructor(title: string, options?: NotificationOptions) {
      shown.push({ title, options })
    }
  }
  vi.stubGlobal('Notification', FakeNotification)
  return shown
}

function setHidden(hidden: boolean): void {
  Object.defineProperty(document, 'hidden', { configurable: true, get: () => hidden })
}

const failed = {
  type: 'video.failed' as const,
  at: new Date().toISOString(),
  videoId: '00000001-0000-4000-8000-000000000000',
  error: 'video file not found: /x.mp4',
  cause: 'source-missing' as const,
  attempt: 1,
  final: true
}

afterEach(() => {
  vi.unstubAllGlobals()
  setHidden(false)
})

describe('failure notifications', () => {
  it('notifies when a video fails for good while the console is hidden', () => {
    const shown = installNotification('granted')
    setHidden(true)
    notifyFailure(failed, 'Keynote')
    expect(shown).toEqual([{ title: 'Video failed: Keynote', options: { body: 'source-missing: video file not found: /x.mp4', tag: failed.videoId } }])
  })

  it('stays quiet when the console is visible, the failure will be retried, or permission is missing', () => {
    const shown = installNotification('granted')
    notifyFailure(failed, 'Keynote')
    setHidden(true)
    notifyFailure({ ...failed, final: false }, 'Keynote')
    installNotification('denied')
    notifyFailure(failed, 'Keynote')
    expect(shown).toEqual([])
  })
})
