import os from 'node:os'
import path from 'node:path'
import { stat } from 'node:fs/promises'
import { JobError, isAbortError } from '../../../core/errors'
import type { AnalyzeContext, Analyzer, FetchedVideo } from '../../../core/ports'
import type { Analysis } from '../../../shared/analysis'
import { detectCapabilities, resolveFfmpeg, type FfmpegCapabilities, type FfmpegTools } from '../ffmpeg-path'
import { describeMetadata, metadataTopics, validated } from './describe'
import { fullAnalysis } from './pipeline'
import { probe, type Probe } from './probe'
import { childWatch, run } from './run'
import { findRecognizer, type Recognizer } from './speech'
import { engLangPath, engModelId } from './ocr'
import { findTesseract, type TesseractProgram } from './ocr-cli'
import { errorText } from '../../../shared/error-text'

/** Settings of the local analyzer; everything but `dataDir` has a sensible default. */
export interface LocalAnalyzerOptions {
  ffmpegPath?: string
  ffprobePath?: string
  /** Keyframe paths in the Analysis are relative to this directory. */
  dataDir: string
  /** Longer videos get metadata only, so one huge file cannot occupy the worker for hours. Default 3 h. */
  maxSeconds?: number
  /** Hard limit for one analysis; default 2 min plus twice the video's length. */
  timeoutMs?: number
  /** Parallel keyframe extractions and speech chunks; default the number of cores. */
  concurrency?: number
  /** Keyframes at most (one per shot, spread evenly beyond this). Default 40. */
  maxKeyframes?: number
  /** Read text off keyframes (default true): with the tesseract program where it is installed, else tesseract.js. */
  ocr?: boolean
  /** The tesseract program to use instead of the one on PATH; null reads with tesseract.js only. */
  tesseractPath?: string | null
  /** Speech recognition when there are no subtitles (default true, where pocketsphinx is installed). */
  speech?: boolean
  /** pocketsphinx_continuous to use instead of the one on PATH. */
  pocketsphinxPath?: string
  /** The pocketsphinx model directory (default Debian's `/usr/share/pocketsphinx/model/en-us`). */
  speechModelDir?: string
  env?: NodeJS.ProcessEnv
}

interface Toolbox {
  tools: FfmpegTools
  caps: FfmpegCapabilities
  recognizer: Recognizer | null
  tesseract: TesseractProgram | null
}

/** The offline analyzer: ffmpeg signals, subtitles or pocketsphinx, tesseract OCR, wink-nlp text. */
export function createLocalAnalyzer(opts: LocalAnalyzerOptions): Analyzer {
  const analyzer = createAnalyzer(opts)
  // Every child process a job starts is reported to the worker (see childWatch).
  const ignore = () => undefined
  return { ...analyzer, analyze: (input, ctx) => childWatch.run(ctx.onChildProcess ?? ignore, () => analyzer.analyze(input, ctx)) }
}

function createAnalyzer(opts: LocalAnalyzerOptions): Analyzer {
  let toolbox: Promise<Toolbox> | null = null
  const getToolbox = () =>
    (toolbox ??= (async () => {
      const tools = await resolveFfmpeg({ ffmpegPath: opts.ffmpegPath, ffprobePath: opts.ffprobePath, env: opts.env })
      const caps = await detectCapabilities(tools.ffmpeg).catch((error: unknown) => {
        const via = { option: 'the ffmpegPath setting', env: 'FFMPEG_PATH', system: 'PATH', npm: '@ffmpeg-installer/ffmpeg' }[tools.origin.ffmpeg]
        throw new Error(`ffmpeg at ${tools.ffmpeg} (from ${via}) does not run: ${errorText(error)}`)
      })
      const recognizer = await findRecognizer(tools.ffmpeg, caps.filters.has('asr'), { bin: opts.pocketsphinxPath, modelDir: opts.speechModelDir })
      // The program reads the model tesseract.js ships, so the two engines read a slide alike.
      const model = path.join(engLangPath(), 'eng.traineddata.gz')
      const tesseract = await findTesseract(opts.tesseractPath, model, path.join(opts.dataDir, 'models', `tessdata-${engModelId()}`))
      return { tools, caps, recognizer, tesseract }
    })().catch((error: unknown) => {
      toolbox = null
      throw error
    }))
  // Aborting this on close stops every child process of this analyzer's running jobs.
  const closing = new AbortController()

  return {
    name: 'local',
    acceptsUrl: () => false,

    async check() {
      const { tools } = await getToolbox()
      const res = await run(tools.ffprobe, ['-hide_banner', '-version'], { timeoutMs: 20_000 }).catch((error: unknown) => {
        throw new Error(`${tools.ffprobe} does not run: ${errorText(error)}`)
      })
      if (res.code !== 0) throw new Error(`${tools.ffprobe} -version exited with ${res.code}: ${res.stderrTail.trim()}`)
    },

    async analyze(input: FetchedVideo, ctx: AnalyzeContext): Promise<Analysis> {
      if (input.kind !== 'file') {
        throw new JobError('The local analyzer needs a downloaded file, not a URL: configure a source that downloads it', { failure: 'unsupported-source', retryable: false })
      }
      const started = Date.now()
      const size = await stat(input.path).then(
        (s) => s.size,
        () => {
          throw new JobError(`Video file not found at ${input.path}`, { failure: 'source-missing', retryable: false })
        }
      )
      if (size === 0) throw new JobError('Cannot analyse this file: it is empty (0 bytes); check the upload', { failure: 'unreadable-media', retryable: false })
      const box = await getToolbox()
      const info = await probe(box.tools.ffprobe, input.path, AbortSignal.any([ctx.signal, closing.signal]), size)
      const m = info.metadata
      if (!info.hasVideo && !m.hasAudio) {
        throw new JobError('Cannot analyse this file: it has no video or audio stream', { failure: 'unreadable-media', retryable: false })
      }
      const warnings: string[] = []
      if (!info.hasVideo) warnings.push('audio only: no picture to analyse')
      if (!m.hasAudio) warnings.push('no audio track')
      const maxSeconds = opts.maxSeconds ?? 3 * 3600
      const duration = m.durationSeconds
      if (duration === null || duration <= 0 || duration > maxSeconds) {
        warnings.push(
          duration === null || duration <= 0
            ? 'duration unknown: metadata only'
            : `longer than the ${Math.round(maxSeconds / 60)} min limit (maxSeconds): metadata only`
        )
        ctx.stage('analyze', Date.now() - started)
        return metadataOnly(info, warnings)
      }
      const timeoutMs = opts.timeoutMs ?? 120_000 + duration * 2000
      const deadline = AbortSignal.timeout(timeoutMs)
      const signal = AbortSignal.any([ctx.signal, closing.signal, deadline])
      try {
        const analysis = await fullAnalysis({
          ...box,
          file: input.path,
          info,
          duration,
          ctx,
          signal,
          warnings,
          settings: {
            dataDir: opts.dataDir,
            maxKeyframes: opts.maxKeyframes ?? 40,
            concurrency: opts.concurrency ?? Math.max(1, os.availableParallelism()),
            ocr: opts.ocr ?? true,
            speech: opts.speech ?? true,
            stepTimeoutMs: timeoutMs
          }
        })
        ctx.log('info', `local analysis: ${analysis.provenance.transcriptSource} transcript, ${analysis.chapters?.length ?? 0} chapters`, {
          timingsMs: analysis.signals?.timingsMs
        })
        return analysis
      } catch (error) {
        if (deadline.aborted && !ctx.signal.aborted && isAbortError(error)) {
          throw new JobError(`Local analysis did not finish within ${Math.round(timeoutMs / 1000)} s (timeoutMs) and was stopped`, {
            failure: 'timeout',
            retryable: false
          })
        }
        throw error
      } finally {
        ctx.stage('analyze', Date.now() - started)
      }
    },

    async close() {
      closing.abort(new DOMException('The local analyzer was closed', 'AbortError'))
    }
  }
}

function metadataOnly(info: Probe, warnings: string[]): Analysis {
  return validated({
    summary: describeMetadata(info.metadata, info.hasVideo),
    topics: metadataTopics(info.metadata, info.hasVideo),
    quiz: [],
    provenance: { engine: 'local', model: 'local:ffprobe', transcriptSource: 'none', warnings },
    metadata: info.metadata
  })
}
