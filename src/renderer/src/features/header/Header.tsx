import type { WorkerStatus } from '../../../../shared/console-api'
import type { ConnectionInfo } from '../../api/use-event-stream'
import { useActions, useProfiles } from '../../api/queries'
import { useOnline } from '../../api/online'
import type { Theme } from '../../lib/theme'
import { toastError } from '../../lib/toasts'
import { ConfigPanel } from './ConfigPanel'

export interface HeaderProps {
  status: WorkerStatus | undefined
  connection: ConnectionInfo
  onAdd(): void
  onSettings(): void
  theme: Theme
  onTheme(): void
  onHelp(): void
}

const THEME_LABEL: Record<Theme, string> = { system: '◐ system', light: '☀ light', dark: '☾ dark' }

/** Worker state and backends, connection, and the worker's controls (hidden when read-only). */
export function Header({ status, connection: info, onAdd, onSettings, theme, onTheme, onHelp }: HeaderProps) {
  const actions = useActions()
  const { data: profiles } = useProfiles()
  const online = useOnline()
  const connection = info.state
  const state = status?.state ?? 'stopped'
  const busy = actions.start.isPending || actions.stop.isPending || !online
  const stop = (mode: 'drain' | 'now') => actions.stop.mutate(mode, { onError: (e) => toastError('Stop', e) })
  const running = state === 'running' || state === 'starting'
  return (
    <header className="header">
      <div className="brand">
        <span className="logo" aria-hidden>
          ▶
        </span>
        <h1>Video processor</h1>
      </div>
      <div className="worker">
        <span
          className={`state state-${state}`}
          data-testid="worker-state"
          data-state={state}
          title={status ? (['queue', 'source', 'analyzer', 'store'] as const).map((port) => `${port}: ${status.backends[port]}`).join('\n') : undefined}
        >
          {state}
          {status?.draining && state !== 'draining' ? ' (draining)' : ''}
        </span>
        {status ? (
          <span className="backends" data-testid="backends">
            {(['queue', 'source', 'analyzer', 'store'] as const).map((port) => (
              <span key={port} className="backend" title={`${port} backend`}>
                <span className="muted">{port}</span> {status.backends[port]}
              </span>
            ))}
            <span className="backend">
              <span className="muted">concurrency</span> {status.concurrency}
            </span>
          </span>
        ) : null}
        <ConfigPanel />
        {profiles ? (
          <button type="button" className="profile-badge" onClick={onSettings} data-testid="active-profile" data-profile={profiles.active} title="Connection profile: open the settings">
            <span className="muted">profile</span> {profiles.switching ? `${profiles.active} → ${profiles.switching}…` : profiles.active}
          </button>
        ) : null}
      </div>
      <div className="controls">
        <button type="button" onClick={onSettings} data-testid="open-settings">
          Settings
        </button>
        <span className={`conn conn-${connection}`} data-testid="connection" title="Live event stream">
          {connection === 'live' ? '● live' : connection === 'connecting' ? '○ connecting' : '○ reconnecting…'}
        </span>
        <button type="button" className="link" onClick={onTheme} data-testid="theme-toggle" title="Theme: follow the system, light or dark (t)">
          {THEME_LABEL[theme]}
        </button>
        <button type="button" className="link" onClick={onHelp} data-testid="help" aria-label="Keyboard shortcuts (?)" title="Keyboard shortcuts (?)">
          ?
        </button>
        {status?.readOnly ? (
          <span className="badge" data-testid="read-only">
            read-only
          </span>
        ) : (
          <>
            <button type="button" className="primary" onClick={onAdd} disabled={!online} data-testid="open-add">
              Add videos
            </button>
            {running ? (
              <>
                <button type="button" disabled={busy} onClick={() => stop('drain')} data-testid="worker-drain" title="Finish the jobs in flight, take no new ones, then stop">
                  Drain
                </button>
                <button type="button" disabled={busy} onClick={() => stop('now')} data-testid="worker-stop" title="Stop now: jobs in flight go back to the queue">
                  Stop
                </button>
              </>
            ) : state === 'draining' ? (
              <button type="button" className="danger" disabled={busy} onClick={() => stop('now')} data-testid="worker-stop-now" title="Stop now: jobs still running go back to the queue">
                Stop now
              </button>
            ) : (
              <button type="button" disabled={busy || state === 'stopping'} onClick={() => actions.start.mutate(undefined, { onError: (e) => toastError('Start', e) })} data-testid="worker-start">
                Start
              </button>
            )}
          </>
        )}
      </div>
    </header>
  )
}
