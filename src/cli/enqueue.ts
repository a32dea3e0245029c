import { existsSync, statSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Config } from '../app/load-config'
import { VideoSource } from '../shared/video-source'
import { connect } from './connect'
import { UsageError } from './usage-error'

const YOUTUBE = /^https?:\/\/(www\.|m\.|music\.)?(youtube\.com|youtu\.be)\//i

/** What the operator typed → a VideoSource: youtube, http(s), s3://bucket/key, or a local file made absolute. */
export function parseTarget(target: string, cwd = process.cwd()): VideoSource {
  let candidate: unknown
  if (YOUTUBE.test(target)) candidate = { kind: 'youtube', url: target }
  else if (/^https?:\/\//i.test(target)) candidate = { kind: 'http', url: target }
  else if (/^s3:\/\//i.test(target)) {
    const m = /^s3:\/\/([^/]+)\/(.+)$/i.exec(target)
    if (!m) throw new UsageError(`${target} is not an S3 location: expected s3://bucket/key`)
    candidate = { kind: 's3', bucket: m[1], key: m[2] }
  } else if (/^[a-z][a-z0-9+.-]*:\/\//i.test(target)) {
    throw new UsageError(`${target}: only local files, http(s) URLs, YouTube URLs and s3://bucket/key can be enqueued`)
  } else {
    const path = resolve(cwd, target)
    if (!existsSync(path)) throw new UsageError(`no such file: ${path}`)
    if (!statSync(path).isFile()) throw new UsageError(`not a file: ${path}`)
    candidate = { kind: 'file', path }
  }
  const parsed = VideoSource.safeParse(candidate)
  if (!parsed.success) throw new UsageError(`${target} is not a valid source: ${parsed.error.issues[0]?.message ?? 'invalid'}`)
  return parsed.data
}

/** Adds a video and prints its new id (a UUID, like every id of the `videos` table). */
export async function enqueueCommand(config: Config, target: string, opts: { title?: string }): Promise<number> {
  const source = parseTarget(target)
  const connection = await connect(config)
  try {
    const video = await connection.api['videos.enqueue']({ source, ...(opts.title ? { title: opts.title } : {}) })
    process.stdout.write(`${video.id}\n`)
    return 0
  } finally {
    await connection.close()
  }
}
