import { z } from 'zod'

/**
 * Every setting the app reads, with its validation rule, help text and default. The one place
 * these rules live: the environment loader, the settings store, the CLI's `config set` and the
 * console's settings panel all validate with the same schema.
 */

const url = z.url({ protocol: /^https?$/ })
const text = z.string().min(1)
/** An absolute path on POSIX (`/…`) or Windows (`C:\…`, `\\server\…`). */
const absolutePath = /^(\/|[A-Za-z]:[\\/]|\\\\)/
/** Folders separated by commas, each absolute (a relative one would depend on where the worker starts). */
const mediaRoots = z
  .string()
  .min(1)
  .refine((v) => v.split(',').every((entry) => absolutePath.test(entry.trim())), 'every folder must be an absolute path')
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
/** The day the built-in Gemini list prices were read from Google's pricing page; shown next to costs. */
export const GEMINI_PRICE_LIST_DATE = '2026-12-01'
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

/** The backends a setting belongs to, in the order the console shows them. */
export const SettingGroup = z.enum(['aws', 'sqs', 's3', 'gemini', 'supabase', 'worker', 'console', 'tools'])
export type SettingGroup = z.infer<typeof SettingGroup>

export const settingGroupTitles: Record<SettingGroup, string> = {
  aws: 'AWS account',
  sqs: 'Queue (Amazon SQS)',
  s3: 'Video storage (Amazon S3)',
  gemini: 'Analysis (Google Gemini)',
  supabase: 'Table of record (Supabase)',
  worker: 'Worker',
  console: 'Console',
  tools: 'Tools'
}

/**
 * When a change takes effect: `profile` settings apply when the profile is (re)applied, which
 * reopens the backends; `start` settings shape the console server and apply at the next start;
 * `environment` settings can only come from the environment (DATA_DIR holds the store itself).
 */
export const SettingScope = z.enum(['profile', 'start', 'environment'])
export type SettingScope = z.infer<typeof SettingScope>

export interface SettingSpec {
  schema: z.ZodType
  /** How the value should look, for the one-line error. */
  expected: string
  /** What it does, for the console and `config list`. */
  help: string
  group: SettingGroup
  scope: SettingScope
  secret?: boolean
  /** The value used when unset (typed as the parsed value). */
  fallback?: string | number | boolean
  /** The default in words when it is not a plain value (the SDK's chain, a derived path). */
  defaultText?: string
}

const profile = 'profile' as const

/** The names deployments already set (AWS_*, GEMINI_API_KEY, Supabase, DOWNLOAD_DIR) come first and keep their meaning. */
const specs = {
  AWS_REGION: { schema: text, expected: 'an AWS region such as us-east-1', help: 'Region of the queue and the bucket.', group: 'aws', scope: profile, defaultText: 'us-east-1, or the SDK chain' },
  AWS_ACCESS_KEY_ID: { schema: text, expected: 'an access key id', help: 'Access key of an IAM user that may use the queue and the bucket.', group: 'aws', scope: profile, secret: true, defaultText: "the SDK's provider chain (profile, instance role)" },
  AWS_SECRET_ACCESS_KEY: { schema: text, expected: 'a secret access key', help: 'The secret that goes with the access key id.', group: 'aws', scope: profile, secret: true },
  AWS_SQS_URL: {
    schema: url,
    expected: 'an SQS queue URL such as https://sqs.us-east-1.amazonaws.com/123456789012/videos',
    help: 'Consume this SQS queue instead of the local queue.',
    group: 'sqs',
    scope: profile,
    defaultText: 'the embedded local queue'
  },
  AWS_S3_BUCKET: {
    schema: z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/),
    expected: 'an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)',
    help: 'Default bucket of S3 sources; local files enqueued to SQS are uploaded here first.',
    group: 's3',
    scope: profile
  },
  GEMINI_API_KEY: { schema: text, expected: 'a Gemini API key', help: 'Analyse with Gemini instead of the local analyzer.', group: 'gemini', scope: profile, secret: true, defaultText: 'the local analyzer (ffmpeg)' },
  NEXT_PUBLIC_SUPABASE_URL: {
    schema: url,
    expected: 'a Supabase project URL such as https://abc.supabase.co',
    help: 'Keep the videos table in this Supabase project instead of the embedded database.',
    group: 'supabase',
    scope: profile,
    defaultText: 'the embedded database (PGlite)'
  },
  SUPABASE_SERVICE_ROLE_KEY: { schema: text, expected: 'the service-role key of the Supabase project', help: 'The service_role key (not the anon key): the worker writes every row.', group: 'supabase', scope: profile, secret: true },
  DOWNLOAD_DIR: { schema: text, expected: 'a directory path', help: 'Where videos are streamed before analysis (emptied after each job).', group: 'worker', scope: profile, defaultText: '$DATA_DIR/downloads' },
  MEDIA_ROOTS: {
    schema: mediaRoots,
    expected: 'absolute folder paths separated by commas, such as /srv/videos,/home/me/Videos',
    help: 'The only folders local video files are read and served from (hidden folders never are). Unset: any folder.',
    group: 'worker',
    scope: profile,
    defaultText: 'any folder'
  },
  AWS_SESSION_TOKEN: { schema: text, expected: 'a session token', help: 'Session token of temporary credentials (STS).', group: 'aws', scope: profile, secret: true },
  AWS_ENDPOINT_URL: { schema: url, expected: 'an http(s) URL of an S3/SQS-compatible server', help: 'An S3/SQS-compatible server for both services (LocalStack, fauxqs, MinIO).', group: 'aws', scope: profile, defaultText: 'AWS itself' },
  AWS_ENDPOINT_URL_SQS: { schema: url, expected: 'an http(s) URL of an SQS-compatible server', help: 'An SQS-compatible server; wins over AWS_ENDPOINT_URL.', group: 'sqs', scope: profile, defaultText: 'AWS_ENDPOINT_URL' },
  AWS_ENDPOINT_URL_S3: { schema: url, expected: 'an http(s) URL of an S3-compatible server', help: 'An S3-compatible server; wins over AWS_ENDPOINT_URL.', group: 's3', scope: profile, defaultText: 'AWS_ENDPOINT_URL' },
  GEMINI_MODEL: {
    schema: z.string().regex(/^[\w.-]+$/),
    expected: 'a model id such as gemini-3.8-flash, or an alias such as gemini-flash-latest',
    help: 'The model that analyses videos; Check connection lists those available. The default alias follows Google’s current Flash model.',
    group: 'gemini',
    scope: profile,
    fallback: 'gemini-flash-latest'
  },
  GEMINI_MAX_FILE_MB: {
    schema: int(1, 1_000_000),
    expected: 'a whole number of MB (1 MB = 1,000,000 bytes) from 1 to 1000000',
    help: 'Largest video uploaded to the Gemini Files API; a larger one fails at once as too large. 2000 is the free tier’s 2 GB per file; paid plans allow more.',
    group: 'gemini',
    scope: profile,
    fallback: 2000
  },
  GEMINI_BASE_URL: { schema: url, expected: 'an http(s) URL of the Gemini API', help: 'A proxy or gateway in front of the Gemini API.', group: 'gemini', scope: profile, defaultText: 'Google’s endpoint' },
  GOOGLE_GEMINI_BASE_URL: { schema: url, expected: 'an http(s) URL of the Gemini API', help: 'The Google SDK’s name for GEMINI_BASE_URL (environment only).', group: 'gemini', scope: 'environment' },
  GEMINI_PROMPT_FILE: { schema: text, expected: 'a path to a text file with the prompt', help: 'Your own prompt; {{TITLE}} is replaced by the video’s title.', group: 'gemini', scope: profile, defaultText: 'the built-in prompt' },
  GEMINI_PROCESSING_TIMEOUT_SECONDS: {
    schema: int(1, 86_400),
    expected: 'a whole number of seconds from 1 to 86400 (how long an uploaded video may stay PROCESSING at Gemini)',
    help: 'How long an uploaded video may stay PROCESSING at Gemini before the job fails (and is retried).',
    group: 'gemini',
    scope: profile,
    defaultText: '5 min + 1 min per 200 MB'
  },
  GEMINI_PRICES: {
    schema: priceTable,
    expected: 'JSON prices in USD per million tokens, merged over the built-in table, such as {"gemini-3.8-flash":{"inputPerMTok":1.5,"outputPerMTok":7.5}}',
    help: 'Cost-estimate prices (USD per million tokens) over the built-in table; they apply whatever the date, and win over its dated prices.',
    group: 'gemini',
    scope: profile,
    defaultText: 'built-in list prices'
  },
  DATA_DIR: { schema: text, expected: 'a directory path', help: 'Everything the app keeps: database, settings, downloads, lock. Set it in the environment.', group: 'console', scope: 'environment', defaultText: "the platform's per-user app data folder" },
  WORKER_CONCURRENCY: { schema: int(1, 64), expected: 'a whole number from 1 to 64', help: 'Videos processed at once.', group: 'worker', scope: profile, defaultText: '10 with Gemini (its jobs wait on the network); one per CPU core, at most 8, with the local analyzer' },
  POLL_WAIT_SECONDS: { schema: int(0, 20), expected: 'a whole number of seconds from 0 to 20', help: 'Long-poll wait of each receive.', group: 'worker', scope: profile, fallback: 20 },
  VISIBILITY_TIMEOUT_SECONDS: { schema: int(2, 43_200), expected: 'a whole number of seconds from 2 to 43200', help: 'Lease of a received message (extended while its job runs).', group: 'worker', scope: profile, fallback: 120 },
  MAX_RECEIVE_COUNT: { schema: int(1, 1000), expected: 'a whole number from 1 to 1000', help: 'Deliveries before a failing video fails for good (the queue’s own DLQ limit wins when lower).', group: 'worker', scope: profile, fallback: 5 },
  SHUTDOWN_DEADLINE_SECONDS: { schema: int(0, 3600), expected: 'a whole number of seconds from 0 to 3600', help: 'How long a graceful stop lets jobs in flight finish before handing them back.', group: 'worker', scope: profile, fallback: 30 },
  READ_ONLY: { schema: bool, expected: 'true or false', help: 'The console shows everything and refuses every action (applies at the next start).', group: 'console', scope: 'start', fallback: false },
  HOST: { schema: z.string().regex(/^[\w.:-]+$/), expected: 'a host name or IP address such as 127.0.0.1', help: 'Address the headless console binds (applies at the next start).', group: 'console', scope: 'start', fallback: '127.0.0.1' },
  PORT: { schema: int(0, 65_535), expected: 'a port number from 0 to 65535', help: 'Port of the headless console (applies at the next start).', group: 'console', scope: 'start', fallback: 5317 },
  CONSOLE_TOKEN: { schema: z.string().min(8), expected: 'a token of at least 8 characters', help: 'Token the console asks for (applies at the next start).', group: 'console', scope: 'start', secret: true, defaultText: 'one made per data directory' },
  FFMPEG_PATH: { schema: text, expected: 'the path of an ffmpeg binary', help: 'ffmpeg used by the local analyzer.', group: 'tools', scope: profile, defaultText: 'system ffmpeg, else the bundled one' },
  FFPROBE_PATH: { schema: text, expected: 'the path of an ffprobe binary', help: 'ffprobe used by the local analyzer.', group: 'tools', scope: profile, defaultText: 'system ffprobe, else the bundled one' }
} as const satisfies Record<string, SettingSpec>

export type SettingName = keyof typeof specs
export const settingsCatalog: Record<SettingName, SettingSpec> = specs
export const settingNames = Object.keys(specs) as SettingName[]
export const SettingName = z.enum(settingNames as [SettingName, ...SettingName[]])

export function isSettingName(name: string): name is SettingName {
  return Object.hasOwn(specs, name)
}

/** The default as shown to an operator. */
export function defaultLabel(spec: SettingSpec): string | null {
  if (spec.defaultText) return spec.defaultText
  return spec.fallback === undefined ? null : String(spec.fallback)
}

/**
 * Validates one value with its rule. The error is one line naming the variable and the
 * expected form, and never shows a secret.
 */
export function validateSetting(name: SettingName, value: string): { ok: true; value: unknown } | { ok: false; message: string } {
  const spec = settingsCatalog[name]
  const parsed = spec.schema.safeParse(value.trim())
  if (parsed.success) return { ok: true, value: parsed.data }
  const shown = spec.secret ? '(hidden)' : JSON.stringify(value)
  return { ok: false, message: `${name}=${shown} is not valid: expected ${spec.expected}` }
}

/** Shows the end of a secret at most, and only of long ones. */
export function maskSecret(value: string): string {
  return value.length >= 20 ? `****${value.slice(-4)}` : '****'
}

/** An endpoint URL may carry a password (`http://user:pass@proxy`): shown masked, like the secrets. */
export function maskUrlPassword(value: string): string {
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value)) return value
  const url = new URL(value)
  if (!url.password) return value
  url.password = '****'
  return url.href
}

/** A value as it may be shown in the console, a log or the CLI. */
export function maskSetting(name: SettingName, value: string): string {
  return settingsCatalog[name].secret ? maskSecret(value) : maskUrlPassword(value)
}

/** Profile names: short, safe as JSON keys and in a shell. */
export const ProfileName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/i, 'a profile name is 1-32 letters, digits, "-" or "_", starting with a letter or digit')
