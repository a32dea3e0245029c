import { TEST_CREDENTIALS, TEST_REGION } from './aws-local'
import { TEST_SERVICE_KEY } from './fake-supabase'

// The environment variables that point the product at the stand-ins, as a user would set them.

/** AWS_* for fauxqs at `endpoint`: the queue at `queueUrl`, and the bucket when one is given. */
export function awsSettings(endpoint: string, queueUrl: string, bucket?: string | null): Record<string, string> {
  return {
    AWS_REGION: TEST_REGION,
    AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
    AWS_ENDPOINT_URL: endpoint,
    AWS_SQS_URL: queueUrl,
    ...(bucket ? { AWS_S3_BUCKET: bucket } : {})
  }
}

/** GEMINI_* for the Gemini fake. */
export function geminiSettings(gemini: { apiKey: string; url: string }): Record<string, string> {
  return { GEMINI_API_KEY: gemini.apiKey, GEMINI_BASE_URL: gemini.url }
}

/** The Supabase URL and service-role key for the PostgREST fake at `url`. */
export function supabaseSettings(url: string): Record<string, string> {
  return { NEXT_PUBLIC_SUPABASE_URL: url, SUPABASE_SERVICE_ROLE_KEY: TEST_SERVICE_KEY }
}
