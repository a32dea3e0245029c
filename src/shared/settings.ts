import { z } from 'zod'
import { ProfileName, SettingGroup, SettingName, SettingScope } from './settings-catalog'

/**
 * Where a setting's value comes from, strongest first: the command line (`serve --port`), the
 * environment, a `.env.local` file, the profile's settings, the built-in default.
 */
export const SettingSource = z.enum(['command-line', 'environment', 'env-file', 'profile', 'default'])
export type SettingSource = z.infer<typeof SettingSource>

/** One setting as the console shows it; a secret's value is masked before it leaves the app. */
export const SettingView = z.object({
  name: SettingName,
  group: SettingGroup,
  scope: SettingScope,
  help: z.string(),
  expected: z.string(),
  secret: z.boolean(),
  default: z.string().nullable(),
  /** The effective value, masked when secret; null when unset. */
  value: z.string().nullable(),
  source: SettingSource,
  /** What the profile itself holds (masked when secret), even when something stronger wins. */
  profileValue: z.string().nullable(),
  /** A stored value that cannot be used here, e.g. a secret sealed by another machine's keychain. */
  problem: z.string().nullable()
})
export type SettingView = z.infer<typeof SettingView>

/** The backends a connection check exists for. */
export const CheckBackend = z.enum(['sqs', 's3', 'gemini', 'supabase'])
export type CheckBackend = z.infer<typeof CheckBackend>

/** How a backend is set up: embedded default, configured, or half-configured. */
export const BackendSummary = z.object({
  backend: CheckBackend,
  state: z.enum(['embedded', 'configured', 'partial']),
  /** One sentence: what runs, or what is missing and what that means. */
  message: z.string()
})
export type BackendSummary = z.infer<typeof BackendSummary>

export const SettingsView = z.object({
  profile: ProfileName,
  active: z.boolean(),
  settings: z.array(SettingView),
  summary: z.array(BackendSummary),
  /** True when nothing is configured anywhere: the app runs on its embedded defaults. */
  embeddedOnly: z.boolean(),
  /** Where and how secrets are kept, in one sentence. */
  secretStorage: z.string(),
  /** The `.env.local` files read (their values show as set by the environment). */
  envFiles: z.array(z.string()),
  /** Saved settings of the active profile that the running worker does not use yet. */
  pendingApply: z.boolean()
})
export type SettingsView = z.infer<typeof SettingsView>

/** New values by name; null removes a value from the profile. */
export const SettingValues = z.record(z.string(), z.string().nullable())
export type SettingValues = z.infer<typeof SettingValues>

export const CheckDetail = z.object({ label: z.string(), value: z.string() })

export const CheckResult = z.object({
  backend: CheckBackend,
  status: z.enum(['ok', 'failed', 'not-configured']),
  /** One sentence: what works, or the cause and the fix. Never a secret. */
  message: z.string(),
  details: z.array(CheckDetail),
  /** Gemini: the models that can analyse video, to pick from. */
  models: z.array(z.string()).optional()
})
export type CheckResult = z.infer<typeof CheckResult>

export const ProfileInfo = z.object({
  name: ProfileName,
  active: z.boolean(),
  /** Backends this profile configures (empty: embedded defaults). */
  backends: z.array(CheckBackend)
})
export const ProfileList = z.object({
  active: ProfileName,
  profiles: z.array(ProfileInfo),
  /** Set while a switch drains the worker and reopens the backends. */
  switching: ProfileName.nullable()
})
export type ProfileList = z.infer<typeof ProfileList>
