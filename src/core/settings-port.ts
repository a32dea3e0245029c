import type { CheckBackend, CheckResult, ProfileList, SettingsView, SettingValues } from '../shared/settings'

/**
 * Settings and connection profiles, as the ConsoleApi offers them. The composition root
 * implements it (the settings live in DATA_DIR, checks use the vendor SDKs); the core only
 * routes the console's calls to it.
 */
export interface SettingsAdmin {
  get(profile?: string): Promise<SettingsView>
  /** Validates every value with the catalog's rules before anything is written. */
  set(input: { profile?: string | undefined; values: SettingValues }): Promise<SettingsView>
  /** Checks a backend with the profile's settings, or with unsaved values laid over them. */
  check(input: { backend: CheckBackend; profile?: string | undefined; values?: SettingValues | undefined }): Promise<CheckResult>
  profiles(): Promise<ProfileList>
  /** Drains the worker, reopens the backends with the profile's settings, restarts the worker if it ran. */
  use(name: string): Promise<ProfileList>
  remove(name: string): Promise<ProfileList>
}
