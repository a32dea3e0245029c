import { chmodSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { z } from 'zod'
import { ConfigError } from '../core/config'
import { isSettingName, ProfileName, settingsCatalog, validateSetting, type SettingName } from '../shared/settings-catalog'
import { FILE_BOX_KIND, fileSecretBox, type SecretBox } from './secret-box'

export const SETTINGS_FILE = 'settings.json'
export const SECRETS_FILE = 'secrets.json'
export const DEFAULT_PROFILE = 'local'

const Values = z.record(z.string(), z.string())
const SettingsFile = z.object({
  version: z.literal(1),
  active: ProfileName,
  profiles: z.record(ProfileName, Values)
})
type SettingsFile = z.infer<typeof SettingsFile>
const SealedValue = z.object({ box: z.string(), value: z.string() })
const SecretsFile = z.object({ version: z.literal(1), profiles: z.record(ProfileName, z.record(z.string(), SealedValue)) })
type SecretsFile = z.infer<typeof SecretsFile>

/** A profile's stored values (secrets opened), and those that could not be used here. */
export interface StoredProfile {
  values: Partial<Record<SettingName, string>>
  /** One line per stored value that is unusable (a secret sealed by another keychain, an unknown name). */
  problems: Partial<Record<SettingName, string>>
}

export interface SettingsStore {
  readonly dir: string
  readonly box: SecretBox
  active(): string
  profileNames(): string[]
  profile(name: string): StoredProfile
  /** Sets (string) or removes (null) values of a profile, creating it; every value is validated first. */
  update(name: string, changes: Partial<Record<SettingName, string | null>>): void
  setActive(name: string): void
  remove(name: string): void
}

/**
 * Connection profiles in DATA_DIR: non-secret values in settings.json, secrets sealed by the
 * box in secrets.json (always mode 600). Files are replaced whole (write, then rename), so a
 * crash leaves the old or the new file, never half of one.
 */
export function createSettingsStore(dir: string, box: SecretBox = fileSecretBox(join(dir, SECRETS_FILE))): SettingsStore {
  const settingsPath = join(dir, SETTINGS_FILE)
  const secretsPath = join(dir, SECRETS_FILE)

  const readSettings = (): SettingsFile => readJson(settingsPath, SettingsFile) ?? { version: 1, active: DEFAULT_PROFILE, profiles: {} }
  const readSecrets = (): SecretsFile => readJson(secretsPath, SecretsFile) ?? { version: 1, profiles: {} }
  const names = (s: SettingsFile, x: SecretsFile) => [...new Set([DEFAULT_PROFILE, s.active, ...Object.keys(s.profiles), ...Object.keys(x.profiles)])].sort(byDefaultFirst)

  return {
    dir,
    box,
    active: () => readSettings().active,
    profileNames: () => names(readSettings(), readSecrets()),
    profile(name) {
      const values: StoredProfile['values'] = {}
      const problems: StoredProfile['problems'] = {}
      const plain = readSettings().profiles[name] ?? {}
      const sealed = readSecrets().profiles[name] ?? {}
      for (const [key, value] of Object.entries(plain)) if (isSettingName(key)) values[key] = value
      for (const [key, entry] of Object.entries(sealed)) {
        if (!isSettingName(key)) continue
        if (entry.box !== box.kind && entry.box !== FILE_BOX_KIND) {
          problems[key] = `${key} was saved by the desktop app's keychain and cannot be read here: set it again or in the environment`
          continue
        }
        try {
          values[key] = entry.box === FILE_BOX_KIND ? entry.value : box.open(entry.value)
        } catch {
          problems[key] = `${key} cannot be decrypted (saved by another user or machine): set it again`
        }
      }
      return { values, problems }
    },
    update(name, changes) {
      const profile = ProfileName.safeParse(name)
      if (!profile.success) throw new ConfigError('profile', `"${name}" is not a profile name: ${profile.error.issues[0]?.message ?? 'invalid'}`)
      for (const [key, value] of Object.entries(changes) as [SettingName, string | null][]) {
        if (!isSettingName(key)) throw new ConfigError(key, `${key} is not a setting: see video-processor config list`)
        if (settingsCatalog[key].scope === 'environment') throw new ConfigError(key, `${key} can only be set in the environment (it decides where settings are kept)`)
        if (value === null) continue
        const checked = validateSetting(key, value)
        if (!checked.ok) throw new ConfigError(key, checked.message)
      }
      const settings = readSettings()
      const secrets = readSecrets()
      const plain = { ...(settings.profiles[name] ?? {}) }
      const sealed = { ...(secrets.profiles[name] ?? {}) }
      for (const [key, value] of Object.entries(changes) as [SettingName, string | null][]) {
        delete plain[key]
        delete sealed[key]
        if (value === null || value.trim() === '') continue
        if (settingsCatalog[key].secret) sealed[key] = { box: box.kind, value: box.seal(value.trim()) }
        else plain[key] = value.trim()
      }
      mkdirSync(dir, { recursive: true })
      writeAtomic(secretsPath, { ...secrets, profiles: { ...secrets.profiles, [name]: sealed } }, 0o600)
      writeAtomic(settingsPath, { ...settings, profiles: { ...settings.profiles, [name]: plain } }, 0o644)
    },
    setActive(name) {
      const settings = readSettings()
      mkdirSync(dir, { recursive: true })
      writeAtomic(settingsPath, { ...settings, active: name, profiles: { ...settings.profiles, [name]: settings.profiles[name] ?? {} } }, 0o644)
    },
    remove(name) {
      const settings = readSettings()
      if (settings.active === name) throw new ConfigError('profile', `"${name}" is the active profile: switch to another one before removing it`)
      const secrets = readSecrets()
      const { [name]: _dropped, ...profiles } = settings.profiles
      const { [name]: _droppedSecrets, ...sealed } = secrets.profiles
      writeAtomic(settingsPath, { ...settings, profiles }, 0o644)
      writeAtomic(secretsPath, { ...secrets, profiles: sealed }, 0o600)
    }
  }
}

function byDefaultFirst(a: string, b: string): number {
  if (a === DEFAULT_PROFILE) return -1
  if (b === DEFAULT_PROFILE) return 1
  return a.localeCompare(b)
}

function readJson<T>(path: string, schema: z.ZodType<T>): T | null {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    // No file there (ENOTDIR: DATA_DIR itself is not a folder, which opening it reports clearly).
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT' || code === 'ENOTDIR') return null
    throw new ConfigError('DATA_DIR', `${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}): check its permissions`)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new ConfigError('DATA_DIR', `${path} is not valid JSON: fix it, or delete it to start from the defaults`)
  }
  const parsed = schema.safeParse(json)
  if (!parsed.success) throw new ConfigError('DATA_DIR', `${path} is not a settings file this version understands: fix it, or delete it to start from the defaults`)
  return parsed.data
}

function writeAtomic(path: string, data: unknown, mode: number): void {
  const tmp = `${path}.${process.pid}.tmp`
  try {
    writeFileSync(tmp, `${JSON.stringify(data, null, 2)}\n`, { mode })
    // The mode of a new file is masked by the umask; the secrets file must be 600 whatever it is.
    chmodSync(tmp, mode)
    renameSync(tmp, path)
  } catch (error) {
    rmSync(tmp, { force: true })
    throw error
  }
}
