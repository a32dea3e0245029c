import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, isAbsolute, resolve, sep } from 'node:path'
import { checkLocalMedia, localMediaRules } from '../core/local-media'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { ConsoleApi } from '../shared/console-api'
import { resolveInside } from './static'

/**
 * `GET /media/<videoId>/video` streams a local video's file (with Range, so the player can
 * seek to a chapter); `GET /media/<videoId>/keyframe/<n>` the n-th keyframe image of its
 * analysis. Only files the table points at are served, nothing else on disk.
 */
export const MEDIA_PREFIX = '/media/'

const TYPES: Record<string, string> = {
  '.mp4': 'video/mp4',
  '.m4v': 'video/mp4',
  '.mov': 'video/quicktime',
  '.webm': 'video/webm',
  '.mkv': 'video/x-matroska',
  '.ogv': 'video/ogg',
  '.avi': 'video/x-msvideo',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.webp': 'image/webp'
}

const ROUTE = /^\/media\/([0-9a-f-]{36})\/(video|keyframe\/(\d{1,4}))$/i

/** Decides whether a local path may be served as a video; resolves with its real path, rejects otherwise. */
export type MediaGuard = (path: string) => Promise<string>

/**
 * Without a guard of the configuration: the rules that need no settings or tools (absolute, no
 * hidden folder, a regular file); the app passes one that also asks ffprobe and MEDIA_ROOTS.
 */
export function basicMediaGuard(dataDir: string | undefined): MediaGuard {
  const rules = localMediaRules({ mediaRoots: [], dataDir: dataDir ?? '/nonexistent' })
  return (path) => checkLocalMedia(path, rules)
}

/**
 * Resolves a media URL path to a file on disk, or undefined. Shared by the server and Electron's
 * protocol handler. A row's path is anyone's input (a queue message, a Supabase row), so the
 * video passes the guard and a keyframe must lie inside DATA_DIR.
 */
export async function resolveMediaPath(api: ConsoleApi, dataDir: string | undefined, pathname: string, guard: MediaGuard = basicMediaGuard(dataDir)): Promise<string | undefined> {
  const match = ROUTE.exec(pathname)
  if (!match?.[1]) return undefined
  const detail = await api['videos.get']({ id: match[1].toLowerCase() }).catch(() => null)
  if (!detail) return undefined
  if (match[2] === 'video') {
    const source = detail.video.source
    if (source?.kind !== 'file' || !isAbsolute(source.path)) return undefined
    return guard(source.path).catch(() => undefined)
  }
  const keyframe = detail.analysis?.keyframes?.[Number(match[3])]
  if (!keyframe || !dataDir) return undefined
  if (!isAbsolute(keyframe.path)) return resolveInside(dataDir, `/${keyframe.path}`)
  const base = resolve(dataDir)
  return keyframe.path.startsWith(base + sep) ? keyframe.path : undefined
}

export function mediaType(file: string): string {
  return TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream'
}

/** Parses a single `bytes=a-b` range; undefined when absent, null when unsatisfiable. */
export function parseRange(header: string | undefined, size: number): { start: number; end: number } | null | undefined {
  if (!header) return undefined
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim())
  if (!match) return undefined
  const [, from = '', to = ''] = match
  let start: number
  let end: number
  if (from === '') {
    const suffix = Number(to)
    if (!suffix) return null
    start = Math.max(0, size - suffix)
    end = size - 1
  } else {
    start = Number(from)
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1)
  }
  return start <= end && start < size ? { start, end } : null
}

export async function serveMedia(
  api: ConsoleApi,
  dataDir: string | undefined,
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
  guard?: MediaGuard
): Promise<boolean> {
  const file = await resolveMediaPath(api, dataDir, pathname, guard)
  if (!file) return false
  const info = await stat(file).catch(() => undefined)
  if (!info?.isFile()) return false
  const range = parseRange(req.headers.range, info.size)
  if (range === null) {
    res.writeHead(416, { 'Content-Range': `bytes */${info.size}` })
    res.end()
    return true
  }
  const { start, end } = range ?? { start: 0, end: info.size - 1 }
  res.writeHead(range ? 206 : 200, {
    'Content-Type': mediaType(file),
    'Content-Length': String(end - start + 1),
    'Accept-Ranges': 'bytes',
    'Cache-Control': 'no-cache',
    ...(range ? { 'Content-Range': `bytes ${start}-${end}/${info.size}` } : {})
  })
  if (req.method === 'HEAD' || info.size === 0) {
    res.end()
    return true
  }
  await new Promise<void>((done) => {
    createReadStream(file, { start, end }).on('error', () => res.destroy()).on('close', done).pipe(res)
  })
  return true
}
