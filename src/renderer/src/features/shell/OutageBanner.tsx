import type { ConnectionInfo } from '../../api/use-event-stream'

/** While the server does not answer: since when, and that what is shown may be old. Actions are off meanwhile. */
export function OutageBanner({ connection }: { connection: ConnectionInfo }) {
  if (connection.state !== 'reconnecting' || connection.lostAt === null) return null
  const since = new Date(connection.lostAt).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })
  return (
    <p className="banner tone-bad" role="alert" data-testid="outage">
      Server unreachable since {since} — data may be stale. Actions are disabled until it answers again; reconnecting…
    </p>
  )
}
