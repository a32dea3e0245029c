import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import type { ServerResponse } from 'node:http'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json'
}

/** Resolves a URL path inside `root`, or undefined when it would escape it. */
export function resolveInside(root: string, urlPath: string): string | undefined {
  let decoded: string
  try {
    decoded = decodeURIComponent(urlPath)
  } catch {
    return undefined
  }
  if (decoded.includes('\0')) return undefined
  const base = resolve(root)
  const target = resolve(join(base, decoded))
  return target === base || target.startsWith(base + sep) ? target : undefined
}

/**
 * Serves the built renderer (out/renderer). Unknown paths without an extension get
 * index.html, so a reload on a client route works. Returns false when nothing was served.
 */
export async function serveStatic(root: string, urlPath: string, res: ServerResponse, headOnly = false): Promise<boolean> {
  const candidate = resolveInside(root, urlPath === '/' ? '/index.html' : urlPath)
  if (!candidate) return false
  let file = candidate
  let info = await stat(file).catch(() => undefined)
  if (!info?.isFile() && extname(urlPath) === '') {
    file = join(resolve(root), 'index.html')
    info = await stat(file).catch(() => undefined)
  }
  if (!info?.isFile()) return false
  const hashed = file.includes(`${sep}assets${sep}`)
  res.writeHead(200, {
    'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'Content-Length': String(info.size),
    'Cache-Control': hashed ? 'public, max-age=31536000, immutable' : 'no-cache'
  })
  if (headOnly) {
    res.end()
    return true
  }
  await new Promise<void>((done) => {
    createReadStream(file).on('error', () => res.destroy()).on('close', done).pipe(res)
  })
  return true
}
