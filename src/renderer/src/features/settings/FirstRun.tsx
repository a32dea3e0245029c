import type { SettingGroup } from '../../../../shared/settings-catalog'
import { useSettings } from '../../api/queries'

/**
 * Where the setup stands, when it needs saying: nothing configured (the embedded defaults run,
 * with a way to connect each cloud backend), or a half-finished setup and what it means.
 */
export function FirstRun({ onConnect }: { onConnect(focus: SettingGroup): void }) {
  const { data: view } = useSettings()
  if (!view) return null
  const partial = view.summary.filter((s) => s.state === 'partial')
  if (view.embeddedOnly)
    return (
      <div className="banner first-run" role="status" data-testid="first-run">
        <p>
          Running on the embedded defaults: a local queue, the embedded database and the local analyzer, all on this machine. Connect a
          cloud backend when you need one.
        </p>
        <div className="connect-buttons">
          <button type="button" onClick={() => onConnect('aws')} data-testid="connect-aws">
            Connect to AWS
          </button>
          <button type="button" onClick={() => onConnect('gemini')} data-testid="connect-gemini">
            Connect to Gemini
          </button>
          <button type="button" onClick={() => onConnect('supabase')} data-testid="connect-supabase">
            Connect to Supabase
          </button>
        </div>
      </div>
    )
  if (partial.length === 0) return null
  return (
    <div className="banner tone-bad" role="status" data-testid="partial-setup">
      {partial.map((s) => (
        <p key={s.backend}>
          {s.message}{' '}
          <button type="button" className="link" onClick={() => onConnect(s.backend)}>
            Open settings
          </button>
        </p>
      ))}
    </div>
  )
}
