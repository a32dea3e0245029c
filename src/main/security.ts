import type { IpcMainInvokeEvent, Session, WebContents } from 'electron'
import { CONSOLE_CSP } from '../bridge/csp'

/** The renderer is served from `app://console/` (a privileged standard scheme), never file://. */
export const APP_SCHEME = 'app'
export const APP_HOST = 'console'
export const APP_URL = `${APP_SCHEME}://${APP_HOST}/index.html`

/**
 * Whether a URL belongs to the console: `app://console/…`, or in development the dev server
 * origin given. Parsed with URL (never startsWith: `app://console.evil` must fail).
 */
export function isAppUrl(raw: string, devOrigin?: string): boolean {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    return false
  }
  if (url.protocol === `${APP_SCHEME}:` && url.host === APP_HOST) return true
  return devOrigin !== undefined && url.origin === devOrigin
}

/** The checks Electron's security guide asks for on every IPC message (item 17). */
export function isTrustedSender(
  event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>,
  mainContents: WebContents | undefined,
  devOrigin?: string
): boolean {
  if (!mainContents || event.sender !== mainContents) return false
  const frame = event.senderFrame
  if (!frame || frame !== mainContents.mainFrame) return false
  return isAppUrl(frame.url, devOrigin)
}

/** A link the renderer asked to open goes to the system browser only when it is plain http(s). */
export function externalUrl(raw: string): string | undefined {
  try {
    const url = new URL(raw)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.toString() : undefined
  } catch {
    return undefined
  }
}

/** The CSP the dev server's responses get (React's refresh preamble needs inline script there only). */
export function cspFor(dev: boolean): string {
  if (!dev) return CONSOLE_CSP
  return CONSOLE_CSP.replace("script-src 'self'", "script-src 'self' 'unsafe-inline'").replace("connect-src 'self'", "connect-src 'self' ws:")
}

/**
 * What the console itself may use: notifications (failure alerts), fullscreen (the video
 * player's button) and writing to the clipboard (the Copy buttons). Reading the clipboard is not
 * among them.
 */
export const ALLOWED_PERMISSIONS: ReadonlySet<string> = new Set(['notifications', 'fullscreen', 'clipboard-sanitized-write'])

/** Whether `permission` is granted to `origin`: only those above, only to the app's own origin. */
export function isPermissionAllowed(permission: string, origin: string, devOrigin?: string): boolean {
  return ALLOWED_PERMISSIONS.has(permission) && isAppUrl(origin, devOrigin)
}

/** Deny every permission but ALLOWED_PERMISSIONS asked by the console itself. */
export function hardenSession(session: Session, devOrigin?: string): void {
  session.setPermissionRequestHandler((_contents, permission, callback, details) => {
    callback(isPermissionAllowed(permission, details.requestingUrl, devOrigin))
  })
  session.setPermissionCheckHandler((_contents, permission, requestingOrigin) => isPermissionAllowed(permission, requestingOrigin, devOrigin))
  // The app:// handler sets its own headers; this covers the dev server in development.
  session.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: {
        ...details.responseHeaders,
        'Content-Security-Policy': [cspFor(devOrigin !== undefined)],
        'X-Content-Type-Options': ['nosniff']
      }
    })
  })
}

/** No navigation away, no new windows, no webviews; http(s) links open in the system browser. */
export function hardenContents(contents: WebContents, openExternal: (url: string) => Promise<void>, devOrigin?: string): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, devOrigin)) event.preventDefault()
  })
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, devOrigin)) event.preventDefault()
  })
  contents.on('will-attach-webview', (event) => event.preventDefault())
  contents.setWindowOpenHandler(({ url }) => {
    const external = externalUrl(url)
    if (external) void openExternal(external)
    return { action: 'deny' }
  })
}
