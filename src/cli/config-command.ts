import type { Command } from 'commander'
import { readConsoleAddress } from '../app/console-address'
import { readConfigLayers, type LoadConfigOptions } from '../app/load-config'
import { currentOwner } from '../app/owner-lock'
import { createSettingsService, type SettingsAdmin } from '../app/settings-service'
import { createHttpConsoleClient } from '../shared/http-client'
import { isSettingName, settingGroupTitles, SettingGroup } from '../shared/settings-catalog'
import { CheckBackend, type CheckResult, type SettingsView } from '../shared/settings'
import { UsageError } from './usage-error'

const out = (line = '') => process.stdout.write(`${line}\n`)
const SOURCE_LABEL = { 'command-line': 'command line', environment: 'environment', 'env-file': '.env.local', profile: 'profile', default: 'default' } as const

/**
 * The settings through the process that owns DATA_DIR when one runs (so its worker switches and
 * its consoles see the change), else straight from the settings store.
 */
async function settingsAdmin(load: LoadConfigOptions): Promise<SettingsAdmin> {
  const { dataDir } = readConfigLayers(load)
  const owner = await currentOwner(dataDir)
  const address = owner !== null ? await readConsoleAddress(dataDir) : null
  if (!address) return createSettingsService({ load })
  const api = createHttpConsoleClient({ baseUrl: address.url, token: address.token })
  return {
    get: (profile) => api['settings.get'](profile ? { profile } : {}),
    set: (input) => api['settings.set'](input),
    check: (input) => api['settings.check'](input),
    profiles: () => api['profiles.list'](undefined),
    use: (name) => api['profiles.use']({ name }),
    remove: (name) => api['profiles.remove']({ name })
  }
}

function settingName(name: string): string {
  const upper = name.toUpperCase()
  if (!isSettingName(upper)) throw new UsageError(`${name} is not a setting: video-processor config list shows them all`)
  return upper
}

function listLines(view: SettingsView): string[] {
  const lines = [`Profile ${view.profile}${view.active ? ' (active)' : ''}`]
  if (view.embeddedOnly) lines.push('Nothing is configured: the worker runs on its embedded defaults (local queue, embedded database, local analyzer).')
  else for (const s of view.summary) if (s.state !== 'embedded') lines.push(`  ${s.backend.padEnd(8)} ${s.message}`)
  const width = Math.max(...view.settings.map((s) => s.name.length))
  for (const group of SettingGroup.options) {
    const rows = view.settings.filter((s) => s.group === group)
    if (rows.length === 0) continue
    lines.push('', settingGroupTitles[group])
    for (const s of rows) {
      const value = s.value ?? (s.default ? `(default: ${s.default})` : '(not set)')
      const from = s.value !== null ? `  [${SOURCE_LABEL[s.source]}]` : ''
      lines.push(`  ${s.name.padEnd(width)}  ${value}${from}${s.problem ? `  ! ${s.problem}` : ''}`)
    }
  }
  lines.push('', view.secretStorage)
  if (view.pendingApply) lines.push('Saved changes are not in use yet: run video-processor config profile use ' + view.profile)
  return lines
}

function checkLine(r: CheckResult): string {
  const mark = r.status === 'ok' ? 'ok    ' : r.status === 'failed' ? 'FAILED' : '-     '
  return `${r.backend.padEnd(9)}${mark}  ${r.message}`
}

/** `video-processor config …`: the console's settings from a shell, same store, same rules. */
export function registerConfigCommand(program: Command, load: () => LoadConfigOptions, setCode: (code: number) => void): void {
  const config = program.command('config').description('show, change and check settings and connection profiles')
  const profileOption = '--profile <name>'
  const profileHelp = 'a profile other than the active one'

  config
    .command('list')
    .description('every setting with its value (secrets masked) and where it comes from')
    .option(profileOption, profileHelp)
    .action(async (opts: { profile?: string }) => {
      const admin = await settingsAdmin(load())
      for (const line of listLines(await admin.get(opts.profile))) out(line)
    })
  config
    .command('get')
    .description('one setting (secrets masked)')
    .argument('<name>', 'the environment variable name, e.g. AWS_SQS_URL')
    .option(profileOption, profileHelp)
    .action(async (name: string, opts: { profile?: string }) => {
      const wanted = settingName(name)
      const view = await (await settingsAdmin(load())).get(opts.profile)
      const s = view.settings.find((x) => x.name === wanted)!
      if (s.value === null) {
        out(s.default ? `(not set; default: ${s.default})` : '(not set)')
        setCode(1)
      } else out(s.value)
    })
  config
    .command('set')
    .description('save settings to a profile: NAME VALUE, or several NAME=VALUE')
    .argument('<assignments...>', 'NAME VALUE | NAME=VALUE …')
    .option(profileOption, profileHelp)
    .action(async (args: string[], opts: { profile?: string }) => {
      const values: Record<string, string> = {}
      if (args.length === 2 && !args[0]!.includes('=')) values[settingName(args[0]!)] = args[1]!
      else
        for (const arg of args) {
          const at = arg.indexOf('=')
          if (at <= 0) throw new UsageError(`${arg}: expected NAME=VALUE (or exactly NAME VALUE)`)
          values[settingName(arg.slice(0, at))] = arg.slice(at + 1)
        }
      const view = await (await settingsAdmin(load())).set({ ...(opts.profile ? { profile: opts.profile } : {}), values })
      for (const name of Object.keys(values)) out(`${name} = ${view.settings.find((s) => s.name === name)?.profileValue ?? '(not set)'}  (profile ${view.profile})`)
      if (view.pendingApply) out(`Profile ${view.profile} is active: apply it with video-processor config profile use ${view.profile}`)
    })
  config
    .command('unset')
    .description('remove settings from a profile (the default applies again)')
    .argument('<names...>', 'environment variable names')
    .option(profileOption, profileHelp)
    .action(async (names: string[], opts: { profile?: string }) => {
      const values = Object.fromEntries(names.map((n) => [settingName(n), null]))
      const view = await (await settingsAdmin(load())).set({ ...(opts.profile ? { profile: opts.profile } : {}), values })
      out(`Removed ${Object.keys(values).join(', ')} from profile ${view.profile}`)
    })
  config
    .command('check')
    .description('check the connection to each configured backend (or one); exits 1 when one fails')
    .argument('[backend]', `one of ${CheckBackend.options.join(', ')}`)
    .option(profileOption, profileHelp)
    .action(async (backend: string | undefined, opts: { profile?: string }) => {
      if (backend !== undefined && !CheckBackend.safeParse(backend).success) throw new UsageError(`${backend} is not a backend: expected one of ${CheckBackend.options.join(', ')}`)
      const admin = await settingsAdmin(load())
      const backends = backend ? [CheckBackend.parse(backend)] : CheckBackend.options
      let failed = 0
      for (const b of backends) {
        const result = await admin.check({ backend: b, ...(opts.profile ? { profile: opts.profile } : {}) })
        out(checkLine(result))
        for (const d of result.details) out(`           ${d.label}: ${d.value}`)
        if (result.models?.length) out(`           models: ${result.models.join(', ')}`)
        if (result.status === 'failed') failed += 1
      }
      setCode(failed > 0 ? 1 : 0)
    })

  const profile = config.command('profile').description('connection profiles: list, use, remove')
  profile
    .command('list')
    .description('the profiles and which backends each configures')
    .action(async () => {
      const list = await (await settingsAdmin(load())).profiles()
      for (const p of list.profiles) out(`${p.active ? '*' : ' '} ${p.name.padEnd(16)} ${p.backends.length ? p.backends.join(', ') : 'embedded defaults'}`)
    })
  profile
    .command('use')
    .description('make a profile active; a running worker drains and restarts with it')
    .argument('<name>', 'profile name')
    .action(async (name: string) => {
      const list = await (await settingsAdmin(load())).use(name)
      out(`Profile ${list.active} is active`)
    })
  profile
    .command('remove')
    .description('delete a profile and its saved secrets')
    .argument('<name>', 'profile name')
    .action(async (name: string) => {
      await (await settingsAdmin(load())).remove(name)
      out(`Removed profile ${name}`)
    })
}
