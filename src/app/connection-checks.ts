import type { Config } from '../core/config'
import type { CheckBackend, CheckResult } from '../shared/settings'
import { awsOptions } from './select-ports'

const notConfigured = (backend: CheckBackend, message: string): CheckResult => ({ backend, status: 'not-configured', message, details: [] })

/**
 * Checks one backend with a configuration. The SDK-backed checks live in the adapters and load
 * only here, when asked for, as the adapters themselves do in selectPorts.
 */
export async function runCheck(config: Config, backend: CheckBackend): Promise<CheckResult> {
  switch (backend) {
    case 'sqs': {
      if (!config.aws.sqsUrl) return notConfigured('sqs', 'AWS_SQS_URL is not set: the embedded local queue is used.')
      const { checkSqsQueue } = await import('../adapters/queue/sqs-check')
      return checkSqsQueue({ queueUrl: config.aws.sqsUrl, aws: awsOptions(config) })
    }
    case 's3': {
      if (!config.aws.s3Bucket) return notConfigured('s3', 'AWS_S3_BUCKET is not set: S3 sources must name their bucket, and local files are not uploaded.')
      const { checkS3Bucket } = await import('../adapters/source/s3-check')
      return checkS3Bucket({ bucket: config.aws.s3Bucket, aws: awsOptions(config) })
    }
    case 'gemini': {
      if (!config.gemini.apiKey) return notConfigured('gemini', 'GEMINI_API_KEY is not set: videos are analysed locally with ffmpeg.')
      const { checkGemini } = await import('../adapters/analyzer/gemini-check')
      return checkGemini({ apiKey: config.gemini.apiKey, model: config.gemini.model, ...(config.gemini.baseUrl ? { baseUrl: config.gemini.baseUrl } : {}) })
    }
    case 'supabase': {
      if (!config.supabase.url || !config.supabase.serviceRoleKey) return notConfigured('supabase', 'NEXT_PUBLIC_SUPABASE_URL is not set: the videos table is in the embedded database.')
      const { checkSupabase } = await import('../adapters/store/supabase-check')
      return checkSupabase({ url: config.supabase.url, serviceRoleKey: config.supabase.serviceRoleKey })
    }
  }
}
