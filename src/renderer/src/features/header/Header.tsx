import type { WorkerStatus } from '../../../../shared/console-api'
import type { Connection } from '../../api/use-event-stream'
import { useActions, useProfiles } from '../../api/queries'
import { ConfigPanel } from './ConfigPanel'

export interface HeaderProps {
  status: WorkerStatus | undefined
  connection: Connection
  onAdd(): void
  onSettings(): void
}

/** Worker state and backends, connection, and the worker's controls (hidden when read-only). */
export function Header({ status, connection, onAdd, onSettings }: HeaderProps) {
  const actions = useActions()
  const { data: profiles } = useProfiles()
  const state = status?.state ?? 'stopped'
  const busy = actions.start.isPending || actions.stop.isPending
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
        <span className={`state state-${state}`} data-testid="worker-state" data-state={state}>
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
        {status?.readOnly ? (
          <span className="badge" data-testid="read-only">
            read-only
          </span>
        ) : (
          <>
            <button type="button" className="primary" onClick={onAdd} data-testid="open-add">
              Add videos
            </button>
            {running ? (
              <>
                <button type="button" disabled={busy} onClick={() => actions.stop.mutate('drain')} data-testid="worker-drain" title="Finish the jobs in flight, take no new ones, then stop">
                  Drain
                </button>
                <button type="button" disabled={busy} onClick={() => actions.stop.mutate('now')} data-testid="worker-stop" title="Stop now: jobs in flight go back to the queue">
                  Stop
                </button>
              </>
            ) : (
              <button type="button" disabled={busy || state === 'stopping' || state === 'draining'} onClick={() => actions.start.mutate()} data-testid="worker-start">
                Start
              </button>
            )}
          </>
        )}
      </div>
    </header>
  )
}
