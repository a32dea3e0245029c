import type { SettingView } from '../../../../shared/settings'

const LOCKED_BY = { environment: 'set by the environment', 'env-file': 'set by .env.local', 'command-line': 'set on the command line' } as const

export interface SettingFieldProps {
  setting: SettingView
  /** The unsaved value: a string, null to remove the saved one, undefined when untouched. */
  draft: string | null | undefined
  error: string | null
  readOnly: boolean
  /** Values offered in a list (Gemini models found by the check). */
  options?: string[]
  onChange(value: string | null | undefined): void
}

/** One setting: its value (secrets write-only), help, default, and where a stronger value comes from. */
export function SettingField({ setting, draft, error, readOnly, options, onChange }: SettingFieldProps) {
  const lockedBy = setting.source in LOCKED_BY ? LOCKED_BY[setting.source as keyof typeof LOCKED_BY] : null
  const locked = readOnly || lockedBy !== null || setting.scope === 'environment'
  const id = `setting-${setting.name}`
  const saved = setting.profileValue
  // A secret is never sent to the page: the field starts empty and shows only the masked end.
  const value = draft === undefined ? (setting.secret ? '' : (saved ?? '')) : (draft ?? '')
  const placeholder = lockedBy
    ? (setting.value ?? '')
    : setting.secret && saved
      ? `saved (${saved}); type to replace`
      : setting.default
        ? `default: ${setting.default}`
        : ''
  return (
    <div className={`setting${error ? ' invalid' : ''}`} data-testid={id} data-source={setting.source}>
      <label htmlFor={id} className="mono">
        {setting.name}
      </label>
      <div className="setting-input">
        <input
          id={id}
          type={setting.secret ? 'password' : 'text'}
          autoComplete="off"
          spellCheck={false}
          value={lockedBy ? '' : value}
          placeholder={placeholder}
          disabled={locked}
          list={options ? `${id}-options` : undefined}
          aria-invalid={error ? true : undefined}
          onChange={(event) => onChange(event.target.value === '' && !saved ? undefined : event.target.value)}
        />
        {options ? (
          <datalist id={`${id}-options`}>
            {options.map((o) => (
              <option key={o} value={o} />
            ))}
          </datalist>
        ) : null}
        {saved && !locked ? (
          <button type="button" className="link" onClick={() => onChange(null)} title="Remove the saved value (the default applies)">
            remove
          </button>
        ) : null}
      </div>
      <p className="setting-help small">
        {setting.help}
        {setting.default ? <span className="muted"> Default: {setting.default}.</span> : null}
        {lockedBy ? <span className="badge" data-testid={`${id}-locked`}> {lockedBy} (read-only here)</span> : null}
        {setting.scope === 'start' && !lockedBy ? <span className="muted"> Applies at the next start.</span> : null}
        {draft === null ? <span className="tone-bad"> Will be removed.</span> : null}
      </p>
      {setting.problem ? <p className="small tone-bad">{setting.problem}</p> : null}
      {error ? (
        <p className="small tone-bad" role="alert" data-testid={`${id}-error`}>
          {error}
        </p>
      ) : null}
    </div>
  )
}
