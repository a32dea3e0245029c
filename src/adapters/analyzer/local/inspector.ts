import { mkdtemp, readFile, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { JobError } from '../../../core/errors'
import type { MediaInspector } from '../../../core/debug-ports'
import { resolveFfmpeg, type FfmpegTools } from '../ffmpeg-path'
import { extractKeyframes } from './keyframes'
import { probe } from './probe'
import { errorText } from '../../../shared/error-text'

/** Looks into a media file with ffprobe and ffmpeg, for the console's evidence panel. */
export function createMediaInspector(opts: { ffmpegPath?: string; ffprobePath?: string } = {}): MediaInspector {
  let tools: Promise<FfmpegTools> | null = null
  const getTools = () =>
    (tools ??= resolveFfmpeg(opts).catch((error: unknown) => {
      tools = null
      throw error
    }))

  return {
    async probe(file, signal) {
      const { ffprobe } = await getTools()
      const size = await stat(file).then((s) => s.size, () => null)
      try {
        return (await probe(ffprobe, file, signal, size)).metadata
      } catch (error) {
        // What ffprobe itself printed is the evidence: keep it under the summary line.
        const said = error instanceof JobError && typeof error.detail?.['ffprobe'] === 'string' ? `\n${error.detail['ffprobe'].trim()}` : ''
        throw new Error(`${errorText(error)}${said}`, { cause: error })
      }
    },

    async stills(file, { count, durationSeconds, signal }) {
      const { ffmpeg } = await getTools()
      const span = durationSeconds && durationSeconds > 0 ? durationSeconds : 0
      const times = span > 0 ? Array.from({ length: count }, (_, i) => ({ time: (span * (i + 0.5)) / count, shot: i })) : [{ time: 0, shot: 0 }]
      const dir = await mkdtemp(path.join(tmpdir(), 'vp-stills-'))
      try {
        const frames = await extractKeyframes({ ffmpeg, file, videoStream: 0, times, dir, concurrency: 2, signal, timeoutMs: 20_000 }).catch(() => [])
        return await Promise.all(frames.map(async (f) => ({ time: f.time, jpeg: new Uint8Array(await readFile(f.file)) })))
      } finally {
        await rm(dir, { recursive: true, force: true })
      }
    }
  }
}
