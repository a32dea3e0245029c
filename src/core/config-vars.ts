import { z } from 'zod'

const url = z.url({ protocol: /^https?$/ })
const text = z.string().min(1)
const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
const bool = z
  .string()
  .regex(/^(1|0|true|false|yes|no|on|off)$/i)
  .transform((v) => /^(1|true|yes|on)$/i.test(v))

/** USD per million tokens by model id; thinking tokens are billed as output. */
export const PriceTable = z.record(z.string().regex(/^[\w.-]+$/), z.object({ inputPerMTok: z.number().min(0), outputPerMTok: z.number().min(0) }))
export type PriceTable = z.infer<typeof PriceTable>
const priceTable = z
  .string()
  .transform((v, ctx) => {
    try {
      return JSON.parse(v) as unknown
    } catch {
      ctx.addIssue({ code: 'custom', message: 'not JSON' })
      return z.NEVER
    }
  })
  .pipe(PriceTable)

export interface VarSpec {
  schema: z.ZodType
  /** How the value should look, for the one-line error. */
  expected: string
  secret?: boolean
  fallback?: string | number | boolean
}

/** Every variable the app reads. The seed's names come first and keep their meaning. */
const vars = {
  AWS_REGION: { schema: text, expected: 'an AWS region such as us-east-1' },
  AWS_ACCESS_KEY_ID: { schema: text, expected: 'an access key id', secret: true },
  AWS_SECRET_ACCESS_KEY: { schema: text, expected: 'a secret access key', secret: true },
  AWS_SQS_URL: { schema: url, expected: 'an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/videos' },
  AWS_S3_BUCKET: { schema: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/), expected: 'an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)' },
  GEMINI_API_KEY: { schema: text, expected: 'a Gemini API key', secret: true },
  NEXT_PUBLIC_SUPABASE_URL: { schema: url, expected: 'a Supabase project URL such as https://abc.supabase.co' },
  SUPABASE_SERVICE_ROLE_KEY: { schema: text, expected: 'the service-role key of the Supabase project', secret: true },
  DOWNLOAD_DIR: { schema: text, expected: 'a directory path' },
  AWS_SESSION_TOKEN: { schema: text, expected: 'a session token', secret: true },
  AWS_ENDPOINT_URL: { schema: url, expected: 'an http(s) URL of an S3/SQS-compatible server' },
  AWS_ENDPOINT_URL_SQS: { schema: url, expected: 'an http(s) URL of an SQS-compatible server' },
  AWS_ENDPOINT_URL_S3: { schema: url, expected: 'an http(s) URL of an S3-compatible server' },
  GEMINI_MODEL: { schema: z.string().regex(/^[\w.-]+$/), expected: 'a model id such as gemini-3.5-flash', fallback: 'gemini-3.5-flash' },
  GEMINI_BASE_URL: { schema: url, expected: 'an http(s) URL of the Gemini API' },
  GOOGLE_GEMINI_BASE_URL: { schema: url, expected: 'an http(s) URL of the Gemini API' },
  GEMINI_PROMPT_FILE: { schema: text, expected: 'a path to a text file with the prompt' },
  GEMINI_PROCESSING_TIMEOUT_SECONDS: {
    schema: int(1, 86_400),
    expected: 'a whole number of seconds from 1 to 86400 (how long an uploaded video may stay PROCESSING at Gemini)'
  },
  GEMINI_PRICES: {
    schema: priceTable,
    expected: 'JSON prices in USD per million tokens, merged over the built-in table, such as {"gemini-3.5-flash":{"inputPerMTok":1.5,"outputPerMTok":9}}'
  },
  DATA_DIR: { schema: text, expected: 'a directory path' },
  WORKER_CONCURRENCY: { schema: int(1, 64), expected: 'a whole number from 1 to 64', fallback: 2 },
  POLL_WAIT_SECONDS: { schema: int(0, 20), expected: 'a whole number of seconds from 0 to 20', fallback: 20 },
  VISIBILITY_TIMEOUT_SECONDS: { schema: int(2, 43_200), expected: 'a whole number of seconds from 2 to 43200', fallback: 120 },
  MAX_RECEIVE_COUNT: { schema: int(1, 1000), expected: 'a whole number from 1 to 1000', fallback: 5 },
  SHUTDOWN_DEADLINE_SECONDS: { schema: int(0, 3600), expected: 'a whole number of seconds from 0 to 3600', fallback: 30 },
  READ_ONLY: { schema: bool, expected: 'true or false', fallback: false },
  HOST: { schema: z.string().regex(/^[\w.:-]+$/), expected: 'a host name or IP address such as 127.0.0.1', fallback: '127.0.0.1' },
  PORT: { schema: int(0, 65_535), expected: 'a port number from 0 to 65535', fallback: 5317 },
  CONSOLE_TOKEN: { schema: z.string().min(8), expected: 'a token of at least 8 characters', secret: true },
  FFMPEG_PATH: { schema: text, expected: 'the path of an ffmpeg binary' },
  FFPROBE_PATH: { schema: text, expected: 'the path of an ffprobe binary' }
} as const satisfies Record<string, VarSpec>

export type ConfigVarName = keyof typeof vars
export const configVars: Record<ConfigVarName, VarSpec> = vars
