import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { extname, join, resolve, sep } from 'node:path'
import type { ServerResponse } from 'node:http'
import { resolveInside, staticType } from '../bridge/static-files'

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
    'Content-Type': staticType(file),
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
