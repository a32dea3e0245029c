import { createLocalAnalyzer } from '../adapters/analyzer/local/index'
import type { EmbeddedDb } from '../adapters/embedded/database'
import { createLocalQueue } from '../adapters/queue/local'
import { createFileSource } from '../adapters/source/file'
import { createHttpSource } from '../adapters/source/http'
import { createLocalMediaGuard } from './local-media-guard'
import { createYoutubeSource } from '../adapters/source/youtube'
import { createEmbeddedStore } from '../adapters/store/embedded'
import type { AwsClientOptions } from '../adapters/aws-clients'
import type { Config } from '../core/config'
import type { Analyzer, Logger, Queue, Source, Store } from '../core/ports'

export interface SelectedPorts {
  queue: Queue
  sources: Source[]
  analyzer: Analyzer
  store: Store
  /** Resources the ports do not close themselves (an S3 client). */
  close(): Promise<void>
}

/** AWS settings for the cloud adapters; unset values fall back to the SDK's provider chain. */
export function awsOptions(config: Config): AwsClientOptions {
  const { aws } = config
  return {
    ...(aws.region ? { region: aws.region } : {}),
    ...(aws.accessKeyId && aws.secretAccessKey
      ? { credentials: { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey, ...(aws.sessionToken ? { sessionToken: aws.sessionToken } : {}) } }
      : {}),
    ...(aws.endpoint ? { endpoint: aws.endpoint } : {}),
    ...(aws.sqsEndpoint ? { sqsEndpoint: aws.sqsEndpoint } : {}),
    ...(aws.s3Endpoint ? { s3Endpoint: aws.s3Endpoint } : {})
  }
}

/**
 * Each port's backend from what is configured; nothing configured means the embedded default.
 * Cloud adapters are imported only in their branch, so the embedded path never loads an SDK.
 */
export async function selectPorts(config: Config, db: EmbeddedDb, logger: Logger): Promise<SelectedPorts> {
  const opened: { close(): Promise<void> | void }[] = []
  try {
    // ── Queue: SQS when AWS_SQS_URL is set, else the durable local queue.
    let queue: Queue
    if (config.aws.sqsUrl) {
      const { createSqsQueue } = await import('../adapters/queue/sqs')
      queue = await createSqsQueue({
        queueUrl: config.aws.sqsUrl,
        aws: awsOptions(config),
        visibilityTimeoutSeconds: config.worker.visibilityTimeoutSeconds,
        logger
      })
    } else {
      queue = createLocalQueue(db, { visibilityTimeoutSeconds: config.worker.visibilityTimeoutSeconds, maxReceiveCount: config.worker.maxReceiveCount })
    }
    opened.push(queue)

    // ── Store: Supabase when its URL and service-role key are set, else embedded.
    let store: Store
    if (config.supabase.url && config.supabase.serviceRoleKey) {
      const { createSupabaseStore } = await import('../adapters/store/supabase')
      store = createSupabaseStore({ url: config.supabase.url, serviceRoleKey: config.supabase.serviceRoleKey, logger })
    } else {
      store = createEmbeddedStore(db)
    }
    opened.push(store)

    // ── Sources: local files, http(s) and YouTube always; S3 when AWS is configured.
    const sources: Source[] = [createFileSource({ check: createLocalMediaGuard(config) }), createHttpSource(), createYoutubeSource()]
    if (config.aws.s3Bucket || config.aws.sqsUrl || config.aws.s3Endpoint) {
      const { createS3Source } = await import('../adapters/source/s3')
      const s3 = createS3Source({ ...(config.aws.s3Bucket ? { bucket: config.aws.s3Bucket } : {}), aws: awsOptions(config) })
      opened.push(s3)
      sources.push(s3)
    }

    // ── Analyzer: Gemini when GEMINI_API_KEY is set, else local (the ffmpeg-based analyzer).
    let analyzer: Analyzer
    if (config.gemini.apiKey) {
      const { createGeminiAnalyzer } = await import('../adapters/analyzer/gemini')
      analyzer = createGeminiAnalyzer({
        apiKey: config.gemini.apiKey,
        model: config.gemini.model,
        ...(config.gemini.baseUrl ? { baseUrl: config.gemini.baseUrl } : {}),
        ...(config.gemini.promptFile ? { promptFile: config.gemini.promptFile } : {}),
        ...(config.gemini.prices ? { prices: config.gemini.prices } : {}),
        ...(config.gemini.processingTimeoutMs ? { pollTimeoutMs: config.gemini.processingTimeoutMs } : {}),
        maxFileBytes: config.gemini.maxFileBytes,
        logger,
        dataDir: config.dataDir
      })
    } else {
      analyzer = createLocalAnalyzer({
        dataDir: config.dataDir,
        ...(config.ffmpegPath ? { ffmpegPath: config.ffmpegPath } : {}),
        ...(config.ffprobePath ? { ffprobePath: config.ffprobePath } : {})
      })
    }
    const extra = opened.filter((p) => p !== queue && p !== store)
    return {
      queue,
      sources,
      analyzer,
      store,
      close: async () => void (await Promise.allSettled(extra.map((p) => p.close())))
    }
  } catch (error) {
    await Promise.allSettled(opened.map((p) => p.close()))
    throw error
  }
}
