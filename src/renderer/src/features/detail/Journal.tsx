import type { JournalEntry } from '../../../../shared/video'

const TEXT_KEYS: Record<string, string> = {
  ffprobe: 'ffprobe said',
  ffmpeg: 'ffmpeg said',
  rawText: 'raw model text',
  firstRawText: 'raw model text (first answer)',
  body: 'response body'
}

function ErrorChain({ chain }: { chain: unknown }) {
  if (!Array.isArray(chain)) return null
  return (
    <div className="evidence-block">
      <span className="evidence-label">error underneath</span>
      <ol className="error-chain">
        {chain.map((e, i) => {
          const item = (e ?? {}) as { name?: unknown; message?: unknown; code?: unknown }
          return (
            <li key={i} className="mono">
              {String(item.name ?? 'Error')}
              {item.code ? ` [${String(item.code)}]` : ''}: {String(item.message ?? '')}
            </li>
          )
        })}
      </ol>
    </div>
  )
}

/** An entry's data as evidence: what a tool or a service said, verbatim, then the rest as JSON. */
export function EntryData({ data }: { data: Record<string, unknown> }) {
  const status = typeof data['status'] === 'number' ? data['status'] : typeof data['httpStatus'] === 'number' ? data['httpStatus'] : null
  const rest = Object.fromEntries(Object.entries(data).filter(([key]) => !(key in TEXT_KEYS) && key !== 'error' && key !== 'status' && key !== 'httpStatus'))
  return (
    <div className="entry-data" data-testid="journal-data">
      {status !== null ? (
        <div className="evidence-block">
          <span className="evidence-label">HTTP status</span> <strong className="mono">{status}</strong>
        </div>
      ) : null}
      {Object.entries(TEXT_KEYS).map(([key, label]) =>
        typeof data[key] === 'string' && data[key] ? (
          <div key={key} className="evidence-block">
            <span className="evidence-label">{label}</span>
            <pre className="mono evidence-text" data-testid={`evidence-${key}`}>
              {data[key]}
            </pre>
          </div>
        ) : null
      )}
      <ErrorChain chain={data['error']} />
      {Object.keys(rest).length > 0 ? <pre className="mono evidence-json">{JSON.stringify(rest, null, 2)}</pre> : null}
    </div>
  )
}

/** The video's journal: every event and log line, oldest first, with its attempt and its evidence. */
export function Journal({ entries }: { entries: JournalEntry[] }) {
  if (entries.length === 0) return <p className="muted">No log lines yet.</p>
  return (
    <ol className="journal mono" data-testid="journal">
      {entries.map((entry) => (
        <li key={entry.id} className={`log log-${entry.level}`}>
          <span className="log-at">{new Date(entry.at).toLocaleTimeString()}</span>
          <span className="log-attempt">#{entry.attempt}</span>
          <span className="log-level">{entry.level}</span>
          <span className="log-msg">
            {entry.data && Object.keys(entry.data).length > 0 && entry.type !== 'video.status' ? (
              <details open={entry.level === 'error' || entry.message === 'error detail'}>
                <summary>{entry.message}</summary>
                <EntryData data={entry.data} />
              </details>
            ) : (
              entry.message
            )}
          </span>
        </li>
      ))}
    </ol>
  )
}
