import { useActions, useFailureGroups } from '../../api/queries'
import { CAUSE_LABEL, errorText } from '../../lib/labels'

/** Failures grouped by cause: the night an outside service is down, one button retries them all. */
export function FailureGroups({ readOnly, onShowFailed }: { readOnly: boolean; onShowFailed(): void }) {
  const { data: groups } = useFailureGroups()
  const { retryFailed } = useActions()
  const visible = (groups ?? []).filter((group) => group.count > 0)
  if (visible.length === 0) return null
  const total = visible.reduce((sum, group) => sum + group.count, 0)
  return (
    <section className="failures" aria-label="Failures by cause" data-testid="failure-groups">
      <div className="failures-head">
        <button type="button" className="link" onClick={onShowFailed}>
          {total} failed
        </button>
        {!readOnly ? (
          <button type="button" disabled={retryFailed.isPending} onClick={() => retryFailed.mutate(undefined)} data-testid="retry-all-failed">
            Retry all failed
          </button>
        ) : null}
      </div>
      <ul>
        {visible.map((group) => (
          <li key={group.cause} className="failure-group" data-testid={`failure-group-${group.cause}`}>
            <span className="cause">{CAUSE_LABEL[group.cause]}</span>
            <span className="count">{group.count}</span>
            <span className="example muted" title={errorText(group.example) ?? ''}>
              {errorText(group.example) ?? ''}
            </span>
            {!readOnly && group.cause !== 'bad-message' ? (
              <button type="button" disabled={retryFailed.isPending} onClick={() => retryFailed.mutate(group.cause)}>
                Retry this group
              </button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  )
}
