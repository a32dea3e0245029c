import { createReadStream } from 'node:fs'
import { readFile, stat } from 'node:fs/promises'
import { extname, join } from 'node:path'
import { Readable } from 'node:stream'
import type { Protocol } from 'electron'
import type { ConsoleApi } from '../shared/console-api'
import { basicMediaGuard } from '../app/local-media-guard'
import { SECURITY_HEADERS } from '../bridge/csp'
import { MEDIA_PREFIX, mediaType, parseRange, resolveMediaPath, type MediaGuard } from '../bridge/media'
import { resolveInside, staticType } from '../bridge/static-files'
import { APP_HOST, APP_SCHEME } from './security'

function reply(status: number, body = ''): Response {
  return new Response(body, { status, headers: SECURITY_HEADERS })
}

async function media(api: ConsoleApi, dataDir: string, pathname: string, request: Request, guard?: MediaGuard): Promise<Response> {
  const file = await resolveMediaPath(api, dataDir, pathname, guard ?? basicMediaGuard(dataDir))
  const info = file ? await stat(file).catch(() => undefined) : undefined
  if (!file || !info?.isFile()) return reply(404)
  const range = parseRange(request.headers.get('range') ?? undefined, info.size)
  if (range === null) return new Response(null, { status: 416, headers: { 'Content-Range': `bytes */${info.size}` } })
  const { start, end } = range ?? { start: 0, end: Math.max(0, info.size - 1) }
  const body = info.size === 0 ? null : (Readable.toWeb(createReadStream(file, { start, end })) as ReadableStream<Uint8Array>)
  return new Response(body, {
    status: range ? 206 : 200,
    headers: {
      ...SECURITY_HEADERS,
      'Content-Type': mediaType(file),
      'Content-Length': String(info.size === 0 ? 0 : end - start + 1),
      'Accept-Ranges': 'bytes',
      ...(range ? { 'Content-Range': `bytes ${start}-${end}/${info.size}` } : {})
    }
  })
}

/**
 * `app://console/…`: the built renderer with the CSP as a header, and `/media/…` for local
 * videos and keyframes. GET only, one host, no path outside the renderer folder.
 */
export function registerAppProtocol(protocol: Protocol, rendererDir: string, api: ConsoleApi, dataDir: string, guard?: MediaGuard): void {
  protocol.handle(APP_SCHEME, async (request) => {
    const url = new URL(request.url)
    if (url.host !== APP_HOST) return reply(404)
    if (request.method !== 'GET' && request.method !== 'HEAD') return reply(405)
    if (url.pathname.startsWith(MEDIA_PREFIX)) return media(api, dataDir, url.pathname, request, guard)
    const file = resolveInside(rendererDir, url.pathname === '/' ? '/index.html' : url.pathname)
    if (!file) return reply(403)
    const target = extname(file) === '' ? join(rendererDir, 'index.html') : file
    const body = await readFile(target).catch(() => undefined)
    if (!body) return reply(404)
    return new Response(body, {
      headers: { ...SECURITY_HEADERS, 'Content-Type': staticType(target) }
    })
  })
}
