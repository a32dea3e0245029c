import type { JournalEntry } from '../../../../shared/video'

/** The video's journal: every event and log line, oldest first, with its attempt. */
export function Journal({ entries }: { entries: JournalEntry[] }) {
  if (entries.length === 0) return <p className="muted">No log lines yet.</p>
  return (
    <ol className="journal mono" data-testid="journal">
      {entries.map((entry) => (
        <li key={entry.id} className={`log log-${entry.level}`}>
          <span className="log-at">{new Date(entry.at).toLocaleTimeString()}</span>
          <span className="log-attempt">#{entry.attempt}</span>
          <span className="log-level">{entry.level}</span>
          <span className="log-msg">{entry.message}</span>
        </li>
      ))}
    </ol>
  )
}
