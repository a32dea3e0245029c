import { useEffect, useMemo, useState } from 'react'
import { useQueryClient } from '@tanstack/react-query'
import { isSettingName, settingGroupTitles, SettingGroup, validateSetting } from '../../../../shared/settings-catalog'
import type { CheckBackend, CheckResult, SettingValues } from '../../../../shared/settings'
import { useProfiles, useSettings } from '../../api/queries'
import { useTransport } from '../../api/transport-context'
import { ProfileBar } from './ProfileBar'
import { SettingField } from './SettingField'

const CHECKS: Partial<Record<SettingGroup, CheckBackend>> = { sqs: 'sqs', s3: 's3', gemini: 'gemini', supabase: 'supabase' }

export interface SettingsPanelProps {
  /** Scrolls to this group when opened (the first-run "Connect to …" buttons). */
  focus?: SettingGroup
  readOnly: boolean
  onClose(): void
}

/** Every setting of a profile, grouped by backend, validated as typed, checked before saving. */
export function SettingsPanel({ focus, readOnly, onClose }: SettingsPanelProps) {
  const { api } = useTransport()
  const client = useQueryClient()
  const { data: profiles } = useProfiles()
  const [chosen, setChosen] = useState<string | null>(null)
  const profile = chosen ?? profiles?.active ?? null
  const { data: view, error: loadError } = useSettings(profile)
  const [draft, setDraft] = useState<SettingValues>({})
  const [checks, setChecks] = useState<Partial<Record<CheckBackend, CheckResult | 'running'>>>({})
  const [message, setMessage] = useState<{ tone: 'ok' | 'bad'; text: string } | null>(null)
  const [saving, setSaving] = useState(false)

  useEffect(() => {
    if (focus && view) document.getElementById(`settings-group-${focus}`)?.scrollIntoView({ block: 'start' })
  }, [focus, view])

  const errors = useMemo(() => {
    const out: Record<string, string> = {}
    for (const [name, value] of Object.entries(draft)) {
      if (value === null || !isSettingName(name)) continue
      const checked = validateSetting(name, value)
      if (!checked.ok) out[name] = checked.message
    }
    return out
  }, [draft])
  const changed = Object.keys(draft).length
  const invalid = Object.keys(errors).length > 0

  const switchTo = (name: string) => {
    setChosen(name)
    setDraft({})
    setChecks({})
    setMessage(null)
  }

  async function check(backend: CheckBackend) {
    setChecks((c) => ({ ...c, [backend]: 'running' }))
    try {
      const result = await api['settings.check']({ backend, ...(profile ? { profile } : {}), ...(changed ? { values: draft } : {}) })
      setChecks((c) => ({ ...c, [backend]: result }))
    } catch (error) {
      setChecks((c) => ({ ...c, [backend]: { backend, status: 'failed', message: (error as Error).message, details: [] } }))
    }
  }

  async function save() {
    if (!profile) return
    setSaving(true)
    setMessage(null)
    try {
      const saved = await api['settings.set']({ profile, values: draft })
      setDraft({})
      client.setQueryData(['settings', profile], saved)
      await client.invalidateQueries({ queryKey: ['profiles'] })
      setMessage({ tone: 'ok', text: saved.pendingApply ? `Saved to ${profile}: apply it to use the new settings.` : `Saved to ${profile}.` })
    } catch (error) {
      setMessage({ tone: 'bad', text: (error as Error).message })
    } finally {
      setSaving(false)
    }
  }

  return (
    <section className="settings-panel" data-testid="settings-panel" aria-label="Settings">
      <div className="settings-head">
        <h2>Settings</h2>
        <button type="button" className="link" onClick={onClose} data-testid="settings-close">
          Close
        </button>
      </div>
      {profiles && profile ? <ProfileBar profiles={profiles} profile={profile} pendingApply={view?.pendingApply ?? false} readOnly={readOnly} onChoose={switchTo} /> : null}
      {loadError ? <p className="tone-bad">{loadError.message}</p> : null}
      {view ? (
        <>
          <ul className="summary small" data-testid="settings-summary">
            {view.summary.map((s) => (
              <li key={s.backend} className={s.state === 'partial' ? 'tone-bad' : s.state === 'configured' ? '' : 'muted'} data-state={s.state}>
                {s.message}
              </li>
            ))}
          </ul>
          <p className="muted small" data-testid="secret-storage">
            {view.secretStorage}
            {view.envFiles.length ? ` Also read: ${view.envFiles.join(', ')}.` : ''}
          </p>
          {SettingGroup.options.map((group) => {
            const rows = view.settings.filter((s) => s.group === group)
            const backend = CHECKS[group]
            const result = backend ? checks[backend] : undefined
            return (
              <fieldset key={group} id={`settings-group-${group}`} className="settings-group" data-testid={`settings-group-${group}`}>
                <legend>{settingGroupTitles[group]}</legend>
                {rows.map((setting) => (
                  <SettingField
                    key={setting.name}
                    setting={setting}
                    draft={draft[setting.name]}
                    error={errors[setting.name] ?? null}
                    readOnly={readOnly}
                    {...(setting.name === 'GEMINI_MODEL' && typeof checks.gemini === 'object' && checks.gemini.models ? { options: checks.gemini.models } : {})}
                    onChange={(value) =>
                      setDraft((d) => {
                        const { [setting.name]: _old, ...rest } = d
                        return value === undefined ? rest : { ...rest, [setting.name]: value }
                      })
                    }
                  />
                ))}
                {backend && !readOnly ? (
                  <div className="check-row">
                    <button type="button" disabled={result === 'running' || invalid} onClick={() => void check(backend)} data-testid={`check-${backend}`}>
                      {result === 'running' ? 'Checking…' : 'Check connection'}
                    </button>
                    {result && result !== 'running' ? (
                      <div className={`check-result tone-${result.status === 'ok' ? 'ok' : result.status === 'failed' ? 'bad' : 'muted'}`} data-testid={`check-${backend}-result`} data-status={result.status}>
                        <p>{result.message}</p>
                        {result.details.length ? (
                          <dl className="small mono">
                            {result.details.map((d) => (
                              <div key={d.label}>
                                <dt>{d.label}</dt>
                                <dd>{d.value}</dd>
                              </div>
                            ))}
                          </dl>
                        ) : null}
                      </div>
                    ) : null}
                  </div>
                ) : null}
              </fieldset>
            )
          })}
          <div className="settings-actions">
            {message ? (
              <p className={`small tone-${message.tone}`} role="status" data-testid="settings-message">
                {message.text}
              </p>
            ) : null}
            {!readOnly ? (
              <button type="button" className="primary" disabled={changed === 0 || invalid || saving} onClick={() => void save()} data-testid="settings-save">
                {saving ? 'Saving…' : `Save${changed ? ` ${changed} change${changed === 1 ? '' : 's'}` : ''} to ${profile}`}
              </button>
            ) : null}
          </div>
        </>
      ) : null}
    </section>
  )
}
