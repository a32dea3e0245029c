import { randomUUID } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { mkdir, rm } from 'node:fs/promises'
import type { IncomingMessage } from 'node:http'
import { basename, join } from 'node:path'
import { Transform } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { ApiResult, ConsoleApi } from '../shared/console-api'
import { dispatch } from '../bridge/dispatch'

/** Uploads larger than this are refused (a browser cannot hand us a path, so it sends bytes). */
export const MAX_UPLOAD_BYTES = 20 * 1024 ** 3

/** Browser forms can send these without a CORS preflight; an upload must not be one of them. */
const FORM_TYPES = /^(multipart\/form-data|application\/x-www-form-urlencoded|text\/plain)\b/i

export class UploadRefused extends Error {
  constructor(
    readonly status: number,
    message: string
  ) {
    super(message)
  }
}

function safeName(raw: string | null): string {
  const name = basename(raw ?? '').replace(/[^\w.\- ]+/g, '_').slice(-120)
  return name && name !== '.' && name !== '..' ? name : 'upload.bin'
}

/**
 * `POST /api/upload?name=<file>&title=<title>` with the file as the raw body: streamed to
 * `<dataDir>/uploads/<uuid>-<name>`, then enqueued as a file source through the same
 * `videos.enqueue` as every other add. The browser's answer to drag and drop.
 */
export async function receiveUpload(
  api: ConsoleApi,
  dataDir: string,
  req: IncomingMessage,
  url: URL,
  options: { readOnly: boolean; onInternalError(error: unknown, name: string): void }
): Promise<ApiResult> {
  if (options.readOnly) return { ok: false, error: { code: 'read-only', message: 'The console is read-only: uploads are refused' } }
  const type = req.headers['content-type'] ?? ''
  if (FORM_TYPES.test(type) || type === '') throw new UploadRefused(415, 'Send the file as the raw body (e.g. application/octet-stream)')
  const declared = Number(req.headers['content-length'] ?? 0)
  if (declared > MAX_UPLOAD_BYTES) throw new UploadRefused(413, `Uploads are limited to ${MAX_UPLOAD_BYTES} bytes`)
  const dir = join(dataDir, 'uploads')
  await mkdir(dir, { recursive: true })
  const file = join(dir, `${randomUUID()}-${safeName(url.searchParams.get('name'))}`)
  let size = 0
  const limit = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      size += chunk.length
      done(size > MAX_UPLOAD_BYTES ? new UploadRefused(413, `Uploads are limited to ${MAX_UPLOAD_BYTES} bytes`) : null, chunk)
    }
  })
  try {
    await pipeline(req, limit, createWriteStream(file, { flags: 'wx' }))
  } catch (error) {
    await rm(file, { force: true })
    throw error
  }
  const title = url.searchParams.get('title')?.slice(0, 500) || undefined
  const result = await dispatch(api, 'videos.enqueue', { source: { kind: 'file', path: file }, ...(title ? { title } : {}) }, options)
  if (!result.ok) await rm(file, { force: true })
  return result
}
