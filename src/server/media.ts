import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { basicMediaGuard } from '../app/local-media-guard'
import { mediaType, parseRange, resolveMediaPath, type MediaGuard } from '../bridge/media'
import type { ConsoleApi } from '../shared/console-api'

/** Answers a `/media/…` request over HTTP: the whole file or the asked range; false when there is none. */
export async function serveMedia(
  api: ConsoleApi,
  dataDir: string | undefined,
  pathname: string,
  req: IncomingMessage,
  res: ServerResponse,
  guard?: MediaGuard
): Promise<boolean> {
  const file = await resolveMediaPath(api, dataDir, pathname, guard ?? basicMediaGuard(dataDir))
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
