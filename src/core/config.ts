import { isAbsolute, join, resolve } from 'node:path'
import { settingsCatalog, settingNames, validateSetting, type PriceTable, type SettingName } from '../shared/settings-catalog'
import type { SettingSource } from '../shared/settings'
import { defaultConcurrency } from './concurrency-default'

/** A missing or malformed setting. `message` is one line naming the variable and the expected form. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string
  ) {
    super(message)
    this.name = 'ConfigError'
  }
}

/** The worker's settings, validated. Where they came from is the loader's business (src/app). */
export interface Config {
  aws: {
    region: string | undefined
    accessKeyId: string | undefined
    secretAccessKey: string | undefined
    sessionToken: string | undefined
    endpoint: string | undefined
    sqsEndpoint: string | undefined
    s3Endpoint: string | undefined
    sqsUrl: string | undefined
    s3Bucket: string | undefined
  }
  gemini: {
    apiKey: string | undefined
    model: string
    baseUrl: string | undefined
    promptFile: string | undefined
    /** GEMINI_PROCESSING_TIMEOUT_SECONDS in ms; unset: the analyzer's default (5 min + 1 min per 200 MB). */
    processingTimeoutMs: number | undefined
    /** GEMINI_PRICES: cost-estimate prices merged over the analyzer's built-in table. */
    prices: PriceTable | undefined
    /** GEMINI_MAX_FILE_MB in bytes: larger videos fail as too large before uploading. */
    maxFileBytes: number
  }
  supabase: { url: string | undefined; serviceRoleKey: string | undefined }
  dataDir: string
  downloadDir: string
  /** `MEDIA_ROOTS`: the only folders local files are read and served from; empty means any folder. */
  mediaRoots: string[]
  worker: {
    concurrency: number
    pollWaitSeconds: number
    visibilityTimeoutSeconds: number
    maxReceiveCount: number
    shutdownDeadlineSeconds: number
  }
  readOnly: boolean
  host: string
  port: number
  consoleToken: string | undefined
  ffmpegPath: string | undefined
  ffprobePath: string | undefined
  /** The connection profile the values were read for. */
  profile: string
  /** The raw values that were set, for the start-up lines and the console. */
  raw: Partial<Record<SettingName, string>>
  /** Where each set value came from. */
  sources: Partial<Record<SettingName, SettingSource>>
  /** The `.env.local` files that were read. */
  envFiles: string[]
}

export interface ConfigInput {
  /** Raw values by name, already merged by precedence; empty strings count as unset. */
  values: Partial<Record<SettingName, string>>
  sources?: Partial<Record<SettingName, SettingSource>>
  /** Relative paths (DATA_DIR, DOWNLOAD_DIR, GEMINI_PROMPT_FILE) are resolved against it. */
  cwd: string
  /** DATA_DIR when none is set: the platform's per-user folder, chosen by the caller. */
  defaultDataDir: string
  profile?: string
  envFiles?: string[]
}

/** Validates raw values into a Config. Throws {@link ConfigError} on the first bad variable. */
export function buildConfig(input: ConfigInput): Config {
  const raw: Partial<Record<SettingName, string>> = {}
  const values: Partial<Record<SettingName, unknown>> = {}
  for (const name of settingNames) {
    const value = input.values[name]
    if (value === undefined || value.trim() === '') continue
    raw[name] = value
    const checked = validateSetting(name, value)
    if (!checked.ok) throw new ConfigError(name, checked.message)
    values[name] = checked.value
  }
  const str = (name: SettingName) => values[name] as string | undefined
  const num = (name: SettingName) => (values[name] as number | undefined) ?? (settingsCatalog[name].fallback as number)
  const at = (path: string) => (isAbsolute(path) ? path : resolve(input.cwd, path))

  const dataDir = at(str('DATA_DIR') ?? input.defaultDataDir)
  const config: Config = {
    aws: {
      region: str('AWS_REGION'),
      accessKeyId: str('AWS_ACCESS_KEY_ID'),
      secretAccessKey: str('AWS_SECRET_ACCESS_KEY'),
      sessionToken: str('AWS_SESSION_TOKEN'),
      endpoint: str('AWS_ENDPOINT_URL'),
      sqsEndpoint: str('AWS_ENDPOINT_URL_SQS') ?? str('AWS_ENDPOINT_URL'),
      s3Endpoint: str('AWS_ENDPOINT_URL_S3') ?? str('AWS_ENDPOINT_URL'),
      sqsUrl: str('AWS_SQS_URL'),
      s3Bucket: str('AWS_S3_BUCKET')
    },
    gemini: {
      apiKey: str('GEMINI_API_KEY'),
      model: str('GEMINI_MODEL') ?? (settingsCatalog.GEMINI_MODEL.fallback as string),
      baseUrl: str('GEMINI_BASE_URL') ?? str('GOOGLE_GEMINI_BASE_URL'),
      promptFile: str('GEMINI_PROMPT_FILE') ? at(str('GEMINI_PROMPT_FILE')!) : undefined,
      processingTimeoutMs: values['GEMINI_PROCESSING_TIMEOUT_SECONDS'] === undefined ? undefined : (values['GEMINI_PROCESSING_TIMEOUT_SECONDS'] as number) * 1000,
      prices: values['GEMINI_PRICES'] as PriceTable | undefined,
      maxFileBytes: num('GEMINI_MAX_FILE_MB') * 1_000_000
    },
    supabase: { url: str('NEXT_PUBLIC_SUPABASE_URL'), serviceRoleKey: str('SUPABASE_SERVICE_ROLE_KEY') },
    dataDir,
    downloadDir: at(str('DOWNLOAD_DIR') ?? join(dataDir, 'downloads')),
    mediaRoots: (str('MEDIA_ROOTS') ?? '')
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry !== '')
      .map((entry) => resolve(entry)),
    worker: {
      concurrency: (values['WORKER_CONCURRENCY'] as number | undefined) ?? defaultConcurrency(str('GEMINI_API_KEY') ? 'gemini' : 'local'),
      pollWaitSeconds: num('POLL_WAIT_SECONDS'),
      visibilityTimeoutSeconds: num('VISIBILITY_TIMEOUT_SECONDS'),
      maxReceiveCount: num('MAX_RECEIVE_COUNT'),
      shutdownDeadlineSeconds: num('SHUTDOWN_DEADLINE_SECONDS')
    },
    readOnly: (values['READ_ONLY'] as boolean | undefined) ?? false,
    host: str('HOST') ?? (settingsCatalog.HOST.fallback as string),
    port: num('PORT'),
    consoleToken: str('CONSOLE_TOKEN'),
    ffmpegPath: str('FFMPEG_PATH'),
    ffprobePath: str('FFPROBE_PATH'),
    profile: input.profile ?? 'local',
    raw,
    sources: Object.fromEntries(Object.keys(raw).map((name) => [name, input.sources?.[name as SettingName] ?? 'environment'])),
    envFiles: input.envFiles ?? []
  }
  checkPairs(config)
  return config
}

/** Settings that only make sense together: half a credential is a mistake worth one clear line. */
function checkPairs(c: Config): void {
  if (c.supabase.url && !c.supabase.serviceRoleKey)
    throw new ConfigError('SUPABASE_SERVICE_ROLE_KEY', 'SUPABASE_SERVICE_ROLE_KEY is missing: it is required when NEXT_PUBLIC_SUPABASE_URL is set')
  if (c.supabase.serviceRoleKey && !c.supabase.url)
    throw new ConfigError('NEXT_PUBLIC_SUPABASE_URL', 'NEXT_PUBLIC_SUPABASE_URL is missing: it is required when SUPABASE_SERVICE_ROLE_KEY is set')
  if (c.aws.accessKeyId && !c.aws.secretAccessKey)
    throw new ConfigError('AWS_SECRET_ACCESS_KEY', 'AWS_SECRET_ACCESS_KEY is missing: it is required when AWS_ACCESS_KEY_ID is set')
}
