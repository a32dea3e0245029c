import { mkdir, stat } from 'node:fs/promises'
import path from 'node:path'
import pLimit from 'p-limit'
import { run } from './run'

export interface ExtractedFrame {
  time: number
  shot: number
  /** Absolute path of the JPEG. */
  file: string
}

/**
 * One input-seek per keyframe (fast: only the GOP around the time is decoded). JPEG rather
 * than WebP: every ffmpeg build, the OCR engine and every browser read it. One decoder and one
 * filter thread: a single frame gains nothing from more, and each ffmpeg then holds ~10 MB less
 * (720p; two run at once, beside the OCR worker).
 */
export async function extractKeyframes(o: {
  ffmpeg: string
  file: string
  videoStream: number
  times: { time: number; shot: number }[]
  dir: string
  concurrency: number
  signal: AbortSignal
  timeoutMs: number
}): Promise<ExtractedFrame[]> {
  await mkdir(o.dir, { recursive: true })
  const limit = pLimit(o.concurrency)
  const frames = await Promise.all(
    o.times.map((t, i) =>
      limit(async (): Promise<ExtractedFrame | null> => {
        const file = path.join(o.dir, `keyframe-${String(i + 1).padStart(3, '0')}.jpg`)
        const res = await run(
          o.ffmpeg,
          [
            '-hide_banner', '-nostdin', '-loglevel', 'error', '-y',
            '-threads', '1', '-ss', t.time.toFixed(3), '-i', o.file,
            '-map', `0:${o.videoStream}`, '-frames:v', '1',
            '-filter_threads', '1', '-vf', "scale='min(960,iw)':-2", '-q:v', '4', '-f', 'image2', file
          ],
          { signal: o.signal, timeoutMs: o.timeoutMs }
        )
        const written = res.code === 0 && (await stat(file).then((s) => s.size > 0, () => false))
        return written ? { time: t.time, shot: t.shot, file } : null
      })
    )
  )
  return frames.filter((f): f is ExtractedFrame => f !== null)
}
