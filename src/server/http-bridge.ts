import type { IncomingMessage, ServerResponse } from 'node:http'
import { HTTP_EVENTS_PATH, HTTP_RPC_PREFIX, type ApiErrorCode, type ApiResult } from '../shared/console-api'
import type { CoreHandle } from '../app/open-app'
import { dispatch, refusal } from '../bridge/dispatch'
import { SECURITY_HEADERS } from '../bridge/csp'
import { MEDIA_PREFIX } from '../bridge/media'
import {
  MAX_BODY_BYTES,
  isAllowedHost,
  isAllowedOrigin,
  isAuthorized,
  presentedToken,
  tokenCookie
} from './guards'
import { serveEvents, type SseHub, type SseOptions } from './sse'
import { serveStatic } from './static'
import { sendTokenPage, wantsPage } from './token-page'
import { serveMedia } from './media'
import type { MediaGuard } from '../bridge/media'
import { receiveUpload, UploadRefused } from './upload'
import { HTTP_UPLOAD_PATH } from '../shared/http-upload'

/** Everything the request handler needs, resolved by `startConsoleServer`. */
export interface BridgeContext {
  core: CoreHandle
  allowedHosts: Set<string>
  token?: string
  readOnly: boolean
  staticDir?: string
  dataDir?: string
  /** Which local files `/media` may serve (see `resolveMediaPath`). */
  mediaGuard?: MediaGuard
  hub: SseHub
  sse?: SseOptions
  onInternalError: (error: unknown, where: string) => void
}

const STATUS: Record<ApiErrorCode, number> = {
  'bad-request': 400,
  'not-found': 404,
  'read-only': 403,
  conflict: 409,
  unauthorized: 401,
  internal: 500
}

function sendJson(res: ServerResponse, status: number, body: ApiResult): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' })
  res.end(text)
}

function refuse(res: ServerResponse, code: ApiErrorCode, message: string, status = STATUS[code]): void {
  sendJson(res, status, refusal(code, message))
}

class BodyTooLarge extends Error {}

async function readBody(req: IncomingMessage, limit: number): Promise<string> {
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > limit) throw new BodyTooLarge()
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length
    if (size > limit) throw new BodyTooLarge()
    chunks.push(chunk)
  }
  return Buffer.concat(chunks).toString('utf8')
}

async function handleRpc(ctx: BridgeContext, name: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isAllowedOrigin(req.headers.origin, req.headers.host, ctx.allowedHosts)) {
    return refuse(res, 'unauthorized', `Origin ${req.headers.origin} may not call the console`, 403)
  }
  let raw: string
  try {
    raw = await readBody(req, MAX_BODY_BYTES)
  } catch (error) {
    if (error instanceof BodyTooLarge) return refuse(res, 'bad-request', `Request body over ${MAX_BODY_BYTES} bytes`, 413)
    throw error
  }
  let input: unknown
  if (raw.trim() !== '') {
    // JSON only: a cross-site form cannot send it without a CORS preflight we never answer.
    if (!/^application\/json\b/i.test(req.headers['content-type'] ?? '')) {
      return refuse(res, 'bad-request', 'Send the input as application/json', 415)
    }
    try {
      input = JSON.parse(raw)
    } catch {
      return refuse(res, 'bad-request', 'The request body is not valid JSON')
    }
  }
  const result = await dispatch(ctx.core.api, name, input, {
    readOnly: ctx.readOnly,
    onInternalError: ctx.onInternalError
  })
  sendJson(res, result.ok ? 200 : STATUS[result.error.code], result)
}

async function handleUpload(ctx: BridgeContext, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  if (!isAllowedOrigin(req.headers.origin, req.headers.host, ctx.allowedHosts)) {
    return refuse(res, 'unauthorized', `Origin ${req.headers.origin} may not upload`, 403)
  }
  if (!ctx.dataDir) return refuse(res, 'not-found', 'Uploads need the server to know DATA_DIR')
  try {
    const result = await receiveUpload(ctx.core.api, ctx.dataDir, req, url, { readOnly: ctx.readOnly, onInternalError: ctx.onInternalError })
    sendJson(res, result.ok ? 200 : STATUS[result.error.code], result)
  } catch (error) {
    if (error instanceof UploadRefused) {
      res.setHeader('Connection', 'close')
      return refuse(res, 'bad-request', error.message, error.status)
    }
    throw error
  }
}

/** The HTTP side of the console: guards first, then RPC, events, media or the built renderer. */
export function createRequestHandler(ctx: BridgeContext): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    for (const [header, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(header, value)
    handle(ctx, req, res).catch((error: unknown) => {
      ctx.onInternalError(error, `${req.method} ${req.url}`)
      if (!res.headersSent) refuse(res, 'internal', 'The console server failed; the log has the details')
      else res.destroy()
    })
  }
}

async function handle(ctx: BridgeContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (!isAllowedHost(req.headers.host, ctx.allowedHosts)) {
    return refuse(res, 'unauthorized', 'Host not allowed: open the console by its loopback address or a configured host name', 403)
  }
  const url = new URL(req.url ?? '/', 'http://console.invalid')
  if (ctx.token) {
    const presented = presentedToken(req, url)
    if (!isAuthorized(ctx.token, presented?.token)) {
      if (wantsPage(req, url.pathname)) return sendTokenPage(res, req.method === 'HEAD')
      return refuse(res, 'unauthorized', 'Missing or wrong console token: open the URL with ?token=… or send Authorization: Bearer …')
    }
    // A page opened with ?token= keeps it in a cookie, so its fetches, EventSource and <video> work.
    if (presented?.via === 'query') res.setHeader('Set-Cookie', tokenCookie(ctx.token))
  }
  const method = req.method ?? 'GET'
  if (url.pathname === HTTP_UPLOAD_PATH && method === 'POST') return handleUpload(ctx, req, res, url)
  if (url.pathname.startsWith(HTTP_RPC_PREFIX)) {
    if (method !== 'POST') return refuse(res, 'bad-request', 'Call procedures with POST', 405)
    return handleRpc(ctx, url.pathname.slice(HTTP_RPC_PREFIX.length), req, res)
  }
  if (method !== 'GET' && method !== 'HEAD') return refuse(res, 'bad-request', `${method} is not supported here`, 405)
  if (url.pathname === HTTP_EVENTS_PATH) return serveEvents(req, res, url, ctx.core.events, ctx.hub, ctx.sse)
  if (url.pathname.startsWith(MEDIA_PREFIX)) {
    const served = await serveMedia(ctx.core.api, ctx.dataDir, url.pathname, req, res, ctx.mediaGuard)
    if (!served) refuse(res, 'not-found', 'No such media')
    return
  }
  if (ctx.staticDir && (await serveStatic(ctx.staticDir, url.pathname, res, method === 'HEAD'))) return
  if (url.pathname === '/' && !ctx.staticDir) {
    res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' })
    res.end('The console UI is not built: run `npm run build`. The API answers under /api/.\n')
    return
  }
  refuse(res, 'not-found', `Nothing at ${url.pathname}`)
}
