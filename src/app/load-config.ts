import { existsSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { isAbsolute, join, resolve } from 'node:path'
import { parse as parseDotenv } from 'dotenv'
import { buildConfig, type Config } from '../core/config'

/** The bridges take the validated Config and its error from here: they never import core. */
export { ConfigError, type Config } from '../core/config'
import { settingNames, settingsCatalog, type SettingName } from '../shared/settings-catalog'
import type { SettingSource } from '../shared/settings'
import { fileSecretBox, type SecretBox } from './secret-box'
import { createSettingsStore, SECRETS_FILE, type SettingsStore } from './settings-store'

export interface LoadConfigOptions {
  env?: NodeJS.ProcessEnv
  cwd?: string
  /** Name of the dotenv file looked up in `cwd`, then in DATA_DIR; `null` reads none. */
  envFileName?: string | null
  platform?: NodeJS.Platform
  home?: string
  /** Values given on the command line (`serve --port`): they win over everything. */
  overrides?: Partial<Record<SettingName, string>>
  /** Seals the secrets of the settings store; default: a mode-600 file. */
  secretBox?: SecretBox
  /** Read this profile instead of the active one. */
  profile?: string
  /** Unsaved values laid over the profile's (a check before saving); null hides a stored one. */
  draft?: Partial<Record<SettingName, string | null>>
}

type Values = Partial<Record<SettingName, string>>

/** Every source of values, by precedence, with what each holds. */
export interface ConfigLayers {
  dataDir: string
  profile: string
  store: SettingsStore
  overrides: Values
  environment: Values
  envFile: Values
  envFiles: string[]
  stored: Values
  /** Stored values that cannot be used here (a secret sealed by another keychain). */
  problems: Partial<Record<SettingName, string>>
  /** The merged values and where each came from. */
  values: Values
  sources: Partial<Record<SettingName, SettingSource>>
}

/** The platform's per-user application data folder for this app. */
export function defaultDataDir(platform: NodeJS.Platform = process.platform, home = homedir(), env: NodeJS.ProcessEnv = process.env): string {
  if (platform === 'win32') return join(env['APPDATA'] ?? join(home, 'AppData', 'Roaming'), 'video-processor')
  if (platform === 'darwin') return join(home, 'Library', 'Application Support', 'video-processor')
  return join(env['XDG_DATA_HOME'] || join(home, '.local', 'share'), 'video-processor')
}

function pick(from: Record<string, string | undefined>): Values {
  const out: Values = {}
  for (const name of settingNames) {
    const value = from[name]
    // An empty value counts as unset, as in most dotenv setups.
    if (value !== undefined && value.trim() !== '') out[name] = value
  }
  return out
}

function readEnvFile(path: string): Values | null {
  return existsSync(path) ? pick(parseDotenv(readFileSync(path))) : null
}

/**
 * Reads every layer: the command line, the environment, `.env.local` (in the working directory,
 * then in DATA_DIR), the profile in DATA_DIR's settings store. DATA_DIR itself can only come
 * from the first three, since the store lives in it.
 */
export function readConfigLayers(opts: LoadConfigOptions = {}): ConfigLayers {
  const env = opts.env ?? process.env
  const cwd = opts.cwd ?? process.cwd()
  const fileName = opts.envFileName === undefined ? '.env.local' : opts.envFileName
  const overrides = pick(opts.overrides ?? {})
  const environment = pick(env)
  const envFiles: string[] = []
  let envFile: Values = {}
  const cwdFile = fileName ? resolve(cwd, fileName) : null
  const fromCwd = cwdFile ? readEnvFile(cwdFile) : null
  if (cwdFile && fromCwd) {
    envFiles.push(cwdFile)
    envFile = fromCwd
  }
  const dataDirValue = overrides.DATA_DIR ?? environment.DATA_DIR ?? envFile.DATA_DIR
  const dataDir = dataDirValue ? (isAbsolute(dataDirValue) ? dataDirValue : resolve(cwd, dataDirValue)) : defaultDataDir(opts.platform, opts.home, env)
  const dataDirFile = fileName ? join(dataDir, fileName) : null
  if (dataDirFile && dataDirFile !== cwdFile) {
    const fromDataDir = readEnvFile(dataDirFile)
    if (fromDataDir) {
      envFiles.push(dataDirFile)
      envFile = { ...fromDataDir, ...envFile }
    }
  }
  const store = createSettingsStore(dataDir, opts.secretBox ?? fileSecretBox(join(dataDir, SECRETS_FILE)))
  const profile = opts.profile ?? store.active()
  const saved = store.profile(profile)
  const stored: Values = {}
  for (const name of settingNames) {
    const draft = opts.draft?.[name]
    const value = draft === undefined ? saved.values[name] : draft
    if (value !== null && value !== undefined && value.trim() !== '' && settingsCatalog[name].scope !== 'environment') stored[name] = value
  }
  const values: Values = {}
  const sources: ConfigLayers['sources'] = {}
  const layers: [SettingSource, Values][] = [
    ['command-line', overrides],
    ['environment', environment],
    ['env-file', envFile],
    ['profile', stored]
  ]
  for (const name of settingNames) {
    for (const [source, layer] of layers) {
      const value = layer[name]
      if (value === undefined) continue
      values[name] = value
      sources[name] = source
      break
    }
  }
  values.DATA_DIR = dataDir
  sources.DATA_DIR ??= 'default'
  return { dataDir, profile, store, overrides, environment, envFile, envFiles, stored, problems: saved.problems, values, sources }
}

/** The validated configuration of the active (or the given) profile. Throws a ConfigError naming the variable. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  return configFromLayers(readConfigLayers(opts), opts.cwd ?? process.cwd())
}

export function configFromLayers(layers: ConfigLayers, cwd: string): Config {
  const { DATA_DIR: _dataDir, ...values } = layers.values
  return buildConfig({ values, sources: layers.sources, cwd, defaultDataDir: layers.dataDir, profile: layers.profile, envFiles: layers.envFiles })
}
