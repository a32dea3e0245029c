import { ConfigError, type Config } from '../core/config'
import type { SettingsAdmin } from '../core/settings-port'
import { ConsoleApiError } from '../shared/console-api'
import { defaultLabel, isSettingName, maskSetting, settingNames, settingsCatalog, type SettingName } from '../shared/settings-catalog'
import type { CheckBackend, CheckResult, ProfileList, SettingsView, SettingValues } from '../shared/settings'
import { runCheck } from './connection-checks'
import { configFromLayers, readConfigLayers, type ConfigLayers, type LoadConfigOptions } from './load-config'
import type { ProfileRuntime } from './profile-switcher'
import { configuredBackends, summarize } from './settings-summary'

export type { SettingsAdmin } from '../core/settings-port'

export interface SettingsServiceOptions {
  /** How configurations are loaded (environment, `.env.local`, command line, secret box). */
  load: LoadConfigOptions
  /** The running app, when there is one; without it `use` only records the active profile. */
  runtime?: ProfileRuntime
  /** The connection checks (default: the adapters' checks against the real services). */
  check?: (config: Config, backend: CheckBackend) => Promise<CheckResult>
}

const STRONGER = { 'command-line': 'the command line', environment: 'the environment', 'env-file': '.env.local' } as const

/** Operator errors come back as one line the console and the CLI show as they are. */
function asApiError(error: unknown): never {
  if (error instanceof ConfigError) throw new ConsoleApiError('bad-request', error.message)
  throw error
}

function changes(values: SettingValues): Partial<Record<SettingName, string | null>> {
  const out: Partial<Record<SettingName, string | null>> = {}
  for (const [name, value] of Object.entries(values)) {
    if (!isSettingName(name)) throw new ConsoleApiError('bad-request', `${name} is not a setting: see video-processor config list`)
    out[name] = value === null || value.trim() === '' ? null : value
  }
  return out
}

/** Settings, connection checks and profiles: the logic behind `settings.*`, `profiles.*` and `video-processor config`. */
export function createSettingsService(opts: SettingsServiceOptions): SettingsAdmin {
  const check = opts.check ?? runCheck
  const layersOf = (profile?: string, draft?: Partial<Record<SettingName, string | null>>): ConfigLayers =>
    readConfigLayers({ ...opts.load, ...(profile ? { profile } : {}), ...(draft ? { draft } : {}) })
  const cwd = opts.load.cwd ?? process.cwd()
  const activeName = (layers: ConfigLayers) => opts.runtime?.current().profile ?? layers.store.active()
  const emit = (profile: string) => opts.runtime?.emit({ type: 'settings.changed', at: new Date().toISOString(), profile, switching: opts.runtime.switching() })

  function pendingApply(layers: ConfigLayers): boolean {
    if (!opts.runtime) return false
    let next: Config
    try {
      next = configFromLayers(layers, cwd)
    } catch {
      return true
    }
    const running = opts.runtime.current().raw
    return settingNames.some((name) => settingsCatalog[name].scope === 'profile' && running[name] !== next.raw[name])
  }

  function view(profile?: string): SettingsView {
    const layers = layersOf(profile)
    const active = activeName(layers)
    const summary = summarize(layers.values)
    return {
      profile: layers.profile,
      active: layers.profile === active,
      settings: settingNames.map((name) => {
        const spec = settingsCatalog[name]
        const value = layers.values[name]
        const stored = layers.stored[name]
        return {
          name,
          group: spec.group,
          scope: spec.scope,
          help: spec.help,
          expected: spec.expected,
          secret: spec.secret ?? false,
          default: defaultLabel(spec),
          value: value === undefined ? null : maskSetting(name, value),
          source: layers.sources[name] ?? 'default',
          profileValue: stored === undefined ? null : maskSetting(name, stored),
          problem: layers.problems[name] ?? null
        }
      }),
      summary,
      embeddedOnly: summary.every((s) => s.state === 'embedded'),
      secretStorage: layers.store.box.note,
      envFiles: layers.envFiles,
      pendingApply: layers.profile === active && pendingApply(layers)
    }
  }

  function profiles(): ProfileList {
    const layers = layersOf()
    const active = activeName(layers)
    return {
      active,
      switching: opts.runtime?.switching() ?? null,
      profiles: layers.store.profileNames().map((name) => ({ name, active: name === active, backends: configuredBackends(layersOf(name).values) }))
    }
  }

  return {
    get: async (profile) => {
      try {
        return view(profile)
      } catch (error) {
        return asApiError(error)
      }
    },
    async set({ profile, values }) {
      try {
        const wanted = changes(values)
        const layers = layersOf(profile)
        const name = layers.profile
        for (const key of Object.keys(wanted) as SettingName[]) {
          const source = layers.sources[key]
          if (source === 'command-line' || source === 'environment' || source === 'env-file')
            throw new ConsoleApiError('bad-request', `${key} is set by ${STRONGER[source]}, which wins over saved settings: change or remove it there`)
        }
        // Half a credential pair is refused now rather than at the next start.
        configFromLayers(layersOf(name, wanted), cwd)
        layers.store.update(name, wanted)
        emit(activeName(layers))
        return view(name)
      } catch (error) {
        return asApiError(error)
      }
    },
    async check({ backend, profile, values }) {
      let config: Config
      try {
        config = configFromLayers(layersOf(profile, values ? changes(values) : undefined), cwd)
      } catch (error) {
        if (error instanceof ConfigError) return { backend, status: 'failed', message: error.message, details: [] }
        throw error
      }
      return check(config, backend)
    },
    profiles: async () => {
      try {
        return profiles()
      } catch (error) {
        return asApiError(error)
      }
    },
    async use(name) {
      try {
        const layers = layersOf()
        if (!layers.store.profileNames().includes(name)) throw new ConsoleApiError('not-found', `There is no profile "${name}": save a setting to it first (it is made then)`)
        let next: Config
        try {
          next = configFromLayers(layersOf(name), cwd)
        } catch (error) {
          if (error instanceof ConfigError) throw new ConsoleApiError('bad-request', `Profile "${name}" cannot be used: ${error.message}`)
          throw error
        }
        await opts.runtime?.apply(next)
        layers.store.setActive(name)
        emit(name)
        return profiles()
      } catch (error) {
        return asApiError(error)
      }
    },
    async remove(name) {
      try {
        const layers = layersOf()
        if (name === activeName(layers)) throw new ConsoleApiError('conflict', `"${name}" is the active profile: switch to another one before removing it`)
        layers.store.remove(name)
        emit(activeName(layers))
        return profiles()
      } catch (error) {
        return asApiError(error)
      }
    }
  }
}
