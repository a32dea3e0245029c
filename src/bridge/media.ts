import { extname, isAbsolute, resolve, sep } from 'node:path'
import type { ConsoleApi } from '../shared/console-api'
import { UUID_SOURCE } from '../shared/uuid'
import { resolveInside } from './static-files'

/**
 * `/media/<videoId>/video` is a local video's file (served with Range, so the player can seek
 * to a chapter); `/media/<videoId>/keyframe/<n>` the n-th keyframe image of its analysis. Only
 * files the table points at are served, nothing else on disk. The HTTP server and Electron's
 * `app://` protocol both answer these paths with what this module resolves.
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

const ROUTE = new RegExp(`^/media/(${UUID_SOURCE})/(video|keyframe/(\\d{1,4}))$`, 'i')

/** Decides whether a local path may be served as a video; resolves with its real path, rejects otherwise. */
export type MediaGuard = (path: string) => Promise<string>

/**
 * Resolves a media URL path to a file on disk, or undefined. A row's path is anyone's input (a
 * queue message, a Supabase row), so the video passes the guard and a keyframe must lie inside
 * DATA_DIR.
 */
export async function resolveMediaPath(api: ConsoleApi, dataDir: string | undefined, pathname: string, guard: MediaGuard): Promise<string | undefined> {
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
