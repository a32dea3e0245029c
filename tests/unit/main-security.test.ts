import { EventEmitter } from 'node:events'
import type { Session, WebContents } from 'electron'
import { describe, expect, it } from 'vitest'
import { hardenContents, hardenSession } from '../../src/main/security'

type OpenHandler = (details: { url: string }) => { action: 'allow' | 'deny' }

/** A WebContents reduced to what hardenContents touches. */
function fakeContents() {
  const emitter = new EventEmitter()
  let openHandler: OpenHandler | undefined
  const contents = Object.assign(emitter, {
    setWindowOpenHandler(handler: OpenHandler) {
      openHandler = handler
    }
  })
  const navigate = (event: 'will-navigate' | 'will-redirect' | 'will-attach-webview', url = '') => {
    let prevented = false
    emitter.emit(event, { preventDefault: () => (prevented = true) }, url)
    return prevented
  }
  return { contents: contents as unknown as WebContents, navigate, open: (url: string) => openHandler!({ url }) }
}

describe('window hardening', () => {
  it('keeps navigation on the console and denies every new window, opening http(s) outside', () => {
    const opened: string[] = []
    const fake = fakeContents()
    hardenContents(fake.contents, async (url) => void opened.push(url))
    expect(fake.navigate('will-navigate', 'app://console/index.html')).toBe(false)
    expect(fake.navigate('will-navigate', 'https://evil.example/')).toBe(true)
    expect(fake.navigate('will-redirect', 'file:///etc/passwd')).toBe(true)
    expect(fake.navigate('will-attach-webview')).toBe(true)
    expect(fake.open('https://docs.example/help')).toEqual({ action: 'deny' })
    expect(fake.open('file:///etc/passwd')).toEqual({ action: 'deny' })
    expect(opened).toEqual(['https://docs.example/help'])
  })

  it('grants notifications, fullscreen and clipboard writes to the console only, denies the rest, and sets the CSP on responses', () => {
    let request: ((c: unknown, permission: string, callback: (ok: boolean) => void, details: { requestingUrl: string }) => void) | undefined
    let check: ((c: unknown, permission: string, origin: string) => boolean) | undefined
    let headers: ((details: { responseHeaders?: Record<string, string[]> }, callback: (r: { responseHeaders: Record<string, string[]> }) => void) => void) | undefined
    const session = {
      setPermissionRequestHandler: (fn: typeof request) => (request = fn),
      setPermissionCheckHandler: (fn: typeof check) => (check = fn),
      webRequest: { onHeadersReceived: (fn: typeof headers) => (headers = fn) }
    } as unknown as Session
    hardenSession(session)
    const ask = (permission: string, url: string) => {
      let answer: boolean | undefined
      request!(null, permission, (ok) => (answer = ok), { requestingUrl: url })
      return answer
    }
    expect(ask('notifications', 'app://console/index.html')).toBe(true)
    expect(ask('notifications', 'https://evil.example/')).toBe(false)
    expect(ask('media', 'app://console/index.html')).toBe(false)
    expect(ask('geolocation', 'app://console/index.html')).toBe(false)
    expect(check!(null, 'clipboard-read', 'app://console')).toBe(false)
    // The player's fullscreen button and the Copy buttons, from the console's own origin only.
    expect(ask('fullscreen', 'app://console/index.html')).toBe(true)
    expect(check!(null, 'fullscreen', 'app://console')).toBe(true)
    expect(ask('clipboard-sanitized-write', 'app://console/index.html')).toBe(true)
    expect(check!(null, 'clipboard-sanitized-write', 'app://console')).toBe(true)
    expect(ask('fullscreen', 'https://evil.example/')).toBe(false)
    expect(check!(null, 'clipboard-sanitized-write', 'app://console.evil')).toBe(false)
    expect(check!(null, 'clipboard-sanitized-write', 'https://evil.example')).toBe(false)
    let result: Record<string, string[]> = {}
    headers!({ responseHeaders: { 'Content-Type': ['text/html'] } }, (r) => (result = r.responseHeaders))
    expect(result['Content-Security-Policy']?.[0]).toContain("script-src 'self'")
    expect(result['Content-Type']).toEqual(['text/html'])
  })
})
