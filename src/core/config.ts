import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import { configVars, type ConfigVarName, type PriceTable, type VarSpec } from './config-vars'

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

/** The worker's settings, read from the environment and `.env.local` (the real environment wins). */
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
  }
  supabase: { url: string | undefined; serviceRoleKey: string | undefined }
  dataDir: string
  downloadDir: string
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
  /** The raw values that were set (after merging `.env.local`), for `describeConfig`. */
  raw: Partial<Record<ConfigVarName, string>>
  /** The `.env.local` file that was read, if any. */
  envFile: string | null
}

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Name of the dotenv file in `cwd`; `null` reads none. */
  envFileName?: string | null
  platform?: NodeJS.Platform
  home?: string
}

/** The platform's per-user application data folder for this app. */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, home = homedir(), env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'win32') return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'video-processor')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'video-processor')
  return join(env['XDG_DATA_HOME'] || join(home, '.local', 'share'), 'video-processor')
}

/** Reads and validates the configuration. Throws {@link ConfigError} on the first bad variable. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env
  const cwd = opts.cwd ?? process.cwd()
  const fileName = opts.envFileName === undefined ? '.env.local' : opts.envFileName
  let fileVars: Record<string, string> = {}
  let envFile: string | null = null
  if (fileName) {
    const path = resolve(cwd, fileName)
    if (existsSync(path)) {
      fileVars = parseDotenv(readFileSync(path))
      envFile = path
    }
  }
  const raw: Partial<Record<ConfigVarName, string>> = {}
  const values: Partial<Record<ConfigVarName, unknown>> = {}
  for (const [name, spec] of Object.entries(configVars) as [ConfigVarName, VarSpec][]) {
    // An empty value counts as unset, as in most dotenv setups.
    const value = nonEmpty(env[name]) ?? nonEmpty(fileVars[name])
    if (value === undefined) continue
    raw[name] = value
    const parsed = spec.schema.safeParse(value.trim())
    if (!parsed.success) {
      const shown = spec.secret ? '(hidden)' : JSON.stringify(value)
      throw new ConfigError(name, `${name}=${shown} is not valid: expected ${spec.expected}`)
    }
    values[name] = parsed.data
  }
  const str = (name: ConfigVarName) => values[name] as string | undefined
  const num = (name: ConfigVarName) => (values[name] as number | undefined) ?? (configVars[name].fallback as number)

  const dataDir = resolve(cwd, str('DATA_DIR') ?? defaultDataDir(opts.platform, opts.home, env))
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
      model: str('GEMINI_MODEL') ?? (configVars.GEMINI_MODEL.fallback as string),
      baseUrl: str('GEMINI_BASE_URL') ?? str('GOOGLE_GEMINI_BASE_URL'),
      promptFile: str('GEMINI_PROMPT_FILE') ? resolve(cwd, str('GEMINI_PROMPT_FILE')!) : undefined,
      processingTimeoutMs: values['GEMINI_PROCESSING_TIMEOUT_SECONDS'] === undefined ? undefined : (values['GEMINI_PROCESSING_TIMEOUT_SECONDS'] as number) * 1000,
      prices: values['GEMINI_PRICES'] as PriceTable | undefined
    },
    supabase: { url: str('NEXT_PUBLIC_SUPABASE_URL'), serviceRoleKey: str('SUPABASE_SERVICE_ROLE_KEY') },
    dataDir,
    downloadDir: resolve(cwd, str('DOWNLOAD_DIR') ?? join(dataDir, 'downloads')),
    worker: {
      concurrency: num('WORKER_CONCURRENCY'),
      pollWaitSeconds: num('POLL_WAIT_SECONDS'),
      visibilityTimeoutSeconds: num('VISIBILITY_TIMEOUT_SECONDS'),
      maxReceiveCount: num('MAX_RECEIVE_COUNT'),
      shutdownDeadlineSeconds: num('SHUTDOWN_DEADLINE_SECONDS')
    },
    readOnly: (values['READ_ONLY'] as boolean | undefined) ?? false,
    host: str('HOST') ?? (configVars.HOST.fallback as string),
    port: num('PORT'),
    consoleToken: str('CONSOLE_TOKEN'),
    ffmpegPath: str('FFMPEG_PATH'),
    ffprobePath: str('FFPROBE_PATH'),
    raw,
    envFile
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

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value
}

/** Shows the end of a secret at most, and only of long ones. */
export function maskSecret(value: string): string {
  return value.length >= 20 ? `****${value.slice(-4)}` : '****'
}

/** An endpoint URL may carry a password (`http://user:pass@proxy`): shown masked, like the secrets. */
function maskUrlPassword(value: string): string {
  if (!/^https?:\/\//i.test(value) || !URL.canParse(value)) return value
  const url = new URL(value)
  if (!url.password) return value
  url.password = '****'
  return url.href
}

/** Every known variable with its effective value, secrets masked: safe for logs and the console. */
export function publicConfig(config: Config): Record<string, string> {
  const out: Record<string, string> = {}
  const effective: Partial<Record<ConfigVarName, string>> = {
    DATA_DIR: config.dataDir,
    DOWNLOAD_DIR: config.downloadDir,
    GEMINI_MODEL: config.gemini.model,
    WORKER_CONCURRENCY: String(config.worker.concurrency),
    POLL_WAIT_SECONDS: String(config.worker.pollWaitSeconds),
    VISIBILITY_TIMEOUT_SECONDS: String(config.worker.visibilityTimeoutSeconds),
    MAX_RECEIVE_COUNT: String(config.worker.maxReceiveCount),
    SHUTDOWN_DEADLINE_SECONDS: String(config.worker.shutdownDeadlineSeconds),
    READ_ONLY: String(config.readOnly),
    HOST: config.host,
    PORT: String(config.port)
  }
  for (const [name, spec] of Object.entries(configVars) as [ConfigVarName, VarSpec][]) {
    const value = config.raw[name] ?? effective[name]
    if (value === undefined) out[name] = '(not set)'
    else out[name] = spec.secret ? maskSecret(value) : maskUrlPassword(value)
  }
  return out
}

/** Printable start-up lines in the seed's style (`Name: value`), secrets masked. */
export function describeConfig(config: Config): string[] {
  const lines = ['Configuration:']
  if (config.envFile) lines.push(`  (read ${config.envFile}; the environment overrides it)`)
  // Unset variables stay out of the start-up lines; `config.get` lists them all.
  const entries = Object.entries(publicConfig(config)).filter(([, v]) => v !== '(not set)')
  const width = Math.max(...entries.map(([k]) => k.length))
  for (const [name, value] of entries) lines.push(`  ${name.padEnd(width)}  ${value}`)
  return lines
}
