import { stat } from 'node:fs/promises'
import { JobError } from '../../../core/errors'
import type { AnalyzeContext, Analyzer, FetchedVideo } from '../../../core/ports'
import { Analysis } from '../../../shared/analysis'
import { resolveFfmpeg, type FfmpegTools } from '../ffmpeg-path'
import { describeMetadata, metadataTopics } from './describe'
import { probe } from './probe'
import { run } from './run'

/** Settings of the local analyzer; everything but `dataDir` has a sensible default. */
export interface LocalAnalyzerOptions {
  ffmpegPath?: string
  ffprobePath?: string
  /** Keyframe paths in the Analysis are relative to this directory. */
  dataDir: string
  /** Longer videos get metadata only, so one huge file cannot occupy the worker for hours. Default 3 h. */
  maxSeconds?: number
  env?: NodeJS.ProcessEnv
}

export function createLocalAnalyzer(opts: LocalAnalyzerOptions): Analyzer {
  let tools: Promise<FfmpegTools> | null = null
  // Aborting this on close stops every child process of this analyzer's running jobs.
  const closing = new AbortController()
  const getTools = () => (tools ??= resolveFfmpeg({ ffmpegPath: opts.ffmpegPath, ffprobePath: opts.ffprobePath, env: opts.env }))

  return {
    name: 'local',
    acceptsUrl: () => false,

    async check() {
      const t = await getTools().catch((error: unknown) => {
        tools = null
        throw error
      })
      for (const bin of [t.ffmpeg, t.ffprobe]) {
        const res = await run(bin, ['-hide_banner', '-version'], { timeoutMs: 20_000 }).catch((error: unknown) => {
          throw new Error(`${bin} does not run: ${error instanceof Error ? error.message : String(error)}`)
        })
        if (res.code !== 0) throw new Error(`${bin} -version exited with ${res.code}: ${res.stderrTail.trim()}`)
      }
    },

    async analyze(input: FetchedVideo, ctx: AnalyzeContext): Promise<Analysis> {
      if (input.kind !== 'file') {
        throw new JobError('The local analyzer needs a downloaded file, not a URL: configure a source that downloads it', {
          cause: 'other',
          retryable: false
        })
      }
      const started = Date.now()
      const signal = AbortSignal.any([ctx.signal, closing.signal])
      const size = await stat(input.path).then(
        (s) => s.size,
        () => {
          throw new JobError(`Video file not found at ${input.path}`, { cause: 'source-missing', retryable: false })
        }
      )
      if (size === 0) throw new JobError('Cannot analyse this file: it is empty (0 bytes); check the upload', { cause: 'other', retryable: false })
      const t = await getTools()
      const info = await probe(t.ffprobe, input.path, signal, size)
      const m = info.metadata
      if (!info.hasVideo && !m.hasAudio) {
        throw new JobError('Cannot analyse this file: it has no video or audio stream', { cause: 'other', retryable: false })
      }
      const warnings: string[] = []
      if (!info.hasVideo) warnings.push('audio only: no picture to analyse')
      if (!m.hasAudio) warnings.push('no audio track')
      if (m.durationSeconds === null) warnings.push('duration unknown')
      const maxSeconds = opts.maxSeconds ?? 3 * 3600
      if (m.durationSeconds !== null && m.durationSeconds > maxSeconds) {
        warnings.push(`longer than the ${Math.round(maxSeconds / 60)} min limit: metadata only`)
      }
      warnings.push('content not analysed: metadata only')
      const analysis = Analysis.parse({
        summary: describeMetadata(m, info.hasVideo),
        topics: metadataTopics(m, info.hasVideo),
        quiz: [],
        provenance: { engine: 'local', model: 'local:ffprobe', transcriptSource: 'none', warnings },
        metadata: m
      })
      ctx.stage('analyze', Date.now() - started)
      return analysis
    },

    async close() {
      closing.abort(new DOMException('The local analyzer was closed', 'AbortError'))
    }
  }
}
