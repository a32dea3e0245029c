import { defaultConcurrencyReason } from '../core/concurrency-default'
import type { Config } from '../core/config'
import { maskSetting, settingNames, type SettingName } from '../shared/settings-catalog'

/** The value in force of every setting, as text (defaults filled in); secrets are not masked here. */
export function effectiveValues(config: Config): Partial<Record<SettingName, string>> {
  return {
    ...config.raw,
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
}

/** Every known variable with its effective value, secrets masked: safe for logs and the console. */
export function publicConfig(config: Config): Record<string, string> {
  const effective = effectiveValues(config)
  const out: Record<string, string> = {}
  for (const name of settingNames) {
    const value = effective[name]
    out[name] = value === undefined ? '(not set)' : maskSetting(name, value)
  }
  return out
}

/** Printable start-up lines, one `Name: value` a line, secrets masked. */
export function describeConfig(config: Config): string[] {
  const lines = ['Configuration:', `  (profile ${config.profile})`]
  for (const file of config.envFiles) lines.push(`  (read ${file}; the environment overrides it)`)
  // Unset variables stay out of the start-up lines; `config list` shows them all.
  const entries = Object.entries(publicConfig(config)).filter(([, v]) => v !== '(not set)')
  const width = Math.max(...entries.map(([k]) => k.length))
  for (const [name, value] of entries) {
    // A default that depends on the analyzer says why it is what it is.
    const why = name === 'WORKER_CONCURRENCY' && config.raw.WORKER_CONCURRENCY === undefined ? ` (${defaultConcurrencyReason(config.gemini.apiKey ? 'gemini' : 'local')})` : ''
    lines.push(`  ${name.padEnd(width)}  ${value}${why}`)
  }
  return lines
}
