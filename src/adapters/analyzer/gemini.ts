import { readFile } from 'node:fs/promises'
import { GoogleGenAI, createPartFromUri, type File as GeminiFile, type GenerateContentResponse, type Part } from '@google/genai'
import { JobError } from '../../core/errors'
import type { AnalyzeContext, Analyzer, FetchedVideo, Logger } from '../../core/ports'
import { Analysis } from '../../shared/analysis'
import type { VideoSource } from '../../shared/video-source'
import { uploadOnce, waitUntilActive } from './gemini-files'
import { generateAnalysis } from './gemini-generate'
import { createUploadLedger } from './gemini-ledger'
import { videoMimeType } from './gemini-mime'
import { DEFAULT_GEMINI_MODEL, bareModel, deprecationWarning, rerouteWarning } from './gemini-models'
import { toTokenUsage, type PriceTable } from './gemini-prices'
import { DEFAULT_RETRY_POLICY, withRetries, type RetryContext, type RetryPolicy } from './gemini-retry'
import { formatBytes } from './gemini-upload'
import { youtubeWatchUrl } from './gemini-youtube'
import { DEFAULT_PROMPT } from './prompt'

export { DEFAULT_GEMINI_MODEL }
const MB = 1024 * 1024
/** The Files API's per-file limit on the free tier (2 GB); paid plans allow more (GEMINI_MAX_FILE_MB). */
export const DEFAULT_MAX_FILE_BYTES = 2_000_000_000

export interface GeminiAnalyzerOptions {
  apiKey: string
  /** GEMINI_MODEL; default {@link DEFAULT_GEMINI_MODEL}. */
  model?: string
  /** GEMINI_BASE_URL: a proxy, regional gateway or test server; else the SDK reads GOOGLE_GEMINI_BASE_URL. */
  baseUrl?: string
  /** GEMINI_PROMPT_FILE: the prompt, with `{{TITLE}}` replaced by the video's title; default the built-in one. */
  promptFile?: string
  /** Limit for the file to become ACTIVE; default 5 min + 1 min per 200 MB. */
  pollTimeoutMs?: number
  /** Limit for the whole upload; default 5 min + 1 min per 50 MB. */
  uploadTimeoutMs?: number
  /** Retries after the first attempt of each call (default 4). */
  maxRetries?: number
  /** GEMINI_PRICES: USD per million tokens by model, winning over the built-in dated list. */
  prices?: PriceTable
  /** GEMINI_MAX_FILE_MB in bytes; default {@link DEFAULT_MAX_FILE_BYTES}. */
  maxFileBytes?: number
  /** Where start-up warnings go (a deprecated model). */
  logger?: Logger
  /** The clock prices are looked up by (tests). */
  now?: () => Date
  /** DATA_DIR: where the names of uploads not yet deleted are kept, so a crash leaves none behind. */
  dataDir?: string
  /** Backoff tuning (tests use small values). */
  retry?: Partial<RetryPolicy>
  poll?: { minIntervalMs?: number; maxIntervalMs?: number }
  /** Per-request timeout for uploads' chunks, files.get/delete, models.get (default 120 s). */
  requestTimeoutMs?: number
  /** Per-attempt timeout of generateContent (default 600 s, the server's own cap). */
  generateTimeoutMs?: number
  maxOutputTokens?: number
  /** After a cancel, how long to wait for a chunk in flight so a file it creates is deleted (default 15 s). */
  uploadSettleMs?: number
}

export function createGeminiAnalyzer(opts: GeminiAnalyzerOptions): Analyzer {
  if (!opts.apiKey.trim()) throw new Error('GEMINI_API_KEY is empty: set it to a Gemini API key, or unset it to use the local analyzer')
  const model = bareModel(opts.model ?? DEFAULT_GEMINI_MODEL)
  const baseUrl = opts.baseUrl ?? (process.env.GEMINI_BASE_URL || process.env.GOOGLE_GEMINI_BASE_URL || undefined)
  if (baseUrl !== undefined && !URL.canParse(baseUrl)) throw new Error(`GEMINI_BASE_URL is not a URL: '${baseUrl}'`)
  const requestTimeoutMs = opts.requestTimeoutMs ?? 120_000
  const ai = new GoogleGenAI({
    apiKey: opts.apiKey,
    vertexai: false,
    // 2.x defaults to v1beta and 3.x to v1: pinned so an SDK upgrade does not move the endpoint.
    apiVersion: 'v1beta',
    // No retryOptions: the SDK's retries ignore RetryInfo and network errors; ours (gemini-retry) do not.
    httpOptions: { ...(baseUrl ? { baseUrl } : {}), timeout: requestTimeoutMs }
  })
  const policy: RetryPolicy = { ...DEFAULT_RETRY_POLICY, ...opts.retry, ...(opts.maxRetries !== undefined ? { retries: opts.maxRetries } : {}) }
  const priceOptions = opts.prices ? { overrides: opts.prices } : {}
  const now = opts.now ?? (() => new Date())
  const maxFileBytes = opts.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES
  const promptFile = opts.promptFile ?? (process.env.GEMINI_PROMPT_FILE || undefined)
  let prompt: Promise<string> | null = null
  const loadPrompt = () =>
    (prompt ??= promptFile === undefined ? Promise.resolve(DEFAULT_PROMPT) : readFile(promptFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      prompt = null
      throw new Error(`Cannot read the Gemini prompt file ${promptFile} (${error.code ?? error.message}): fix GEMINI_PROMPT_FILE`)
    }))

  const retryContext = (call: string, ctx: AnalyzeContext | null, extra: Partial<RetryContext> = {}): RetryContext => ({
    call,
    model,
    apiKey: opts.apiKey,
    policy,
    warn: (message, data) => ctx?.log('warn', message, data),
    ...(ctx ? { signal: ctx.signal } : {}),
    ...extra
  })

  const ledger = createUploadLedger(opts.dataDir)
  const noLog: AnalyzeContext['log'] = () => {}
  const noted = (p: Promise<void>, log: AnalyzeContext['log']) =>
    p.catch((error: Error) => log('warn', `Could not update the list of Gemini uploads in DATA_DIR: ${error.message}`))

  /** Deletes an uploaded file, even after a cancel (no job signal here); 403/404 mean it is gone already. */
  async function discard(name: string, log: AnalyzeContext['log']): Promise<void> {
    try {
      await withRetries(() => ai.files.delete({ name }), { ...retryContext('delete', null), policy: { ...policy, retries: 2 } })
      log('debug', `Deleted the uploaded file ${name}`)
    } catch (error) {
      const status = error instanceof JobError ? error.detail?.httpStatus : undefined
      if (status !== 403 && status !== 404) {
        log('warn', `Could not delete the uploaded file ${name}; it is deleted at the next start, or by Gemini after 48 h`, { error: (error as Error).message })
        return
      }
    }
    await noted(ledger.remove(name), log)
  }

  async function uploadAndWait(input: { path: string; sizeBytes: number }, ctx: AnalyzeContext, uploaded: (f: GeminiFile) => void): Promise<Part> {
    const mimeType = await videoMimeType(input.path)
    await ctx.setStatus('uploading')
    let t = performance.now()
    const { file: created, sizeBytes, resumed } = await withRetries(
      () =>
        uploadOnce({
          baseUrl,
          apiKey: opts.apiKey,
          path: input.path,
          mimeType,
          displayName: `job-${ctx.videoId}`.slice(0, 128),
          maxBytes: maxFileBytes,
          requestTimeoutMs,
          resumes: policy.retries,
          resumeDelayMs: policy.minDelayMs,
          signal: ctx.signal,
          deadlineMs: opts.uploadTimeoutMs ?? 5 * 60_000 + (input.sizeBytes / (50 * MB)) * 60_000,
          settleMs: opts.uploadSettleMs ?? 15_000,
          onProgress: (sent, total) => ctx.onProgress(sent, total),
          warn: (message, data) => ctx.log('warn', message, data),
          discard: (name) => discard(name, ctx.log)
        }),
      retryContext('upload', ctx)
    )
    const file = created as GeminiFile
    uploaded(file)
    await noted(ledger.add(created.name, ctx.videoId), ctx.log)
    ctx.stage('upload', performance.now() - t)
    ctx.log('info', `Uploaded ${formatBytes(sizeBytes)} to Gemini as ${created.name}${resumed ? ` (resumed ${resumed} time${resumed === 1 ? '' : 's'})` : ''}`)
    await ctx.setStatus('processing')
    t = performance.now()
    const poll = {
      timeoutMs: opts.pollTimeoutMs ?? 5 * 60_000 + (input.sizeBytes / (200 * MB)) * 60_000,
      minIntervalMs: opts.poll?.minIntervalMs ?? 1000,
      maxIntervalMs: opts.poll?.maxIntervalMs ?? 10_000
    }
    const { file: active, polls } = await waitUntilActive(ai, file, poll, retryContext('files.get', ctx))
    ctx.stage('wait', performance.now() - t)
    ctx.log('info', `Gemini processed the video (${polls} poll${polls === 1 ? '' : 's'})`)
    if (!active.uri || !active.mimeType) throw new JobError(`Gemini returned file ${file.name} without a URI`, { failure: 'other', retryable: true })
    return createPartFromUri(active.uri, active.mimeType)
  }

  return {
    name: `gemini (${model})`,
    acceptsUrl: (source: VideoSource) => source.kind === 'youtube',
    async check() {
      await loadPrompt()
      for (const left of await ledger.leftovers()) await discard(left.name, noLog)
      const deprecated = deprecationWarning(model)
      if (deprecated) opts.logger?.warn(deprecated)
      try {
        const found = await withRetries(() => ai.models.get({ model }), retryContext('models.get', null))
        const methods = found.supportedActions
        if (methods && methods.length > 0 && !methods.includes('generateContent')) {
          throw new Error(`Gemini model '${model}' does not support generateContent: set GEMINI_MODEL to a Flash model such as ${DEFAULT_GEMINI_MODEL}`)
        }
      } catch (error) {
        if (error instanceof JobError && error.detail?.httpStatus === 404) {
          throw new Error(`Gemini model '${model}' does not exist or has been retired (HTTP 404): set GEMINI_MODEL to a current model such as ${DEFAULT_GEMINI_MODEL}`, { cause: error })
        }
        throw error instanceof JobError ? new Error(error.message, { cause: error }) : error
      }
    },
    async analyze(input: FetchedVideo, ctx: AnalyzeContext): Promise<Analysis> {
      const template = await loadPrompt()
      const text = template.replaceAll('{{TITLE}}', ctx.title ? ` (titled "${ctx.title.slice(0, 200)}")` : '')
      let uploaded: GeminiFile | null = null
      try {
        let video: Part
        if (input.kind === 'url') {
          const url = youtubeWatchUrl(input.url)
          if (!url) throw new JobError(`Gemini takes only YouTube URLs directly, not ${input.url}: download it first`, { failure: 'bad-message', retryable: false })
          video = { fileData: { fileUri: url } }
        } else {
          video = await uploadAndWait(input, ctx, (f) => (uploaded = f))
        }
        const t = performance.now()
        const retry = retryContext('generate', ctx, { youtube: input.kind === 'url' })
        const at = now()
        const usageOf = (responses: GenerateContentResponse[]) => toTokenUsage(responses, model, at, priceOptions)
        const generated = await generateAnalysis({
          ai, model, video, prompt: text, retry, ctx, usageOf,
          timeoutMs: opts.generateTimeoutMs ?? 600_000,
          maxOutputTokens: opts.maxOutputTokens ?? 8192
        })
        ctx.stage('analyze', performance.now() - t)
        const usage = usageOf(generated.responses)
        ctx.log('info', `Gemini used ${usage.totalTokens} tokens${usage.costUsd != null ? ` (~$${usage.costUsd.toFixed(4)}, ${usage.pricedBy ?? 'no price'})` : ''}`, { usage })
        const answered = generated.responses.at(-1)?.modelVersion
        const rerouted = rerouteWarning(model, answered)
        if (rerouted) ctx.log('warn', rerouted)
        return Analysis.parse({
          ...generated.analysis,
          provenance: { engine: 'gemini', model: generated.responses.at(-1)?.modelVersion ?? model, transcriptSource: 'none', warnings: [...generated.warnings, ...(rerouted ? [rerouted] : [])] },
          usage
        })
      } finally {
        const name = (uploaded as GeminiFile | null)?.name
        if (name) await discard(name, ctx.log)
      }
    }
  }
}
