import { useFailureGroups } from '../../api/queries'
import { useOnline } from '../../api/online'
import { useTransport } from '../../api/transport-context'
import { failureCauseInfo, type FailureCause } from '../../../../shared/video-status'
import { storedErrorText } from '../../../../shared/video-view'
import { plural } from '../../lib/filter-videos'
import { CauseChip, OUTLOOK_TEXT } from '../videos/StatusChip'
import { cancelRetriesInBulk, retryInBulk } from './bulk'

export interface FailureGroupsProps {
  readOnly: boolean
  /** Failed videos the queue will still deliver again, in the loaded list. */
  pendingRetries: number
  onShowCause(cause: FailureCause): void
  onShowFailed(): void
}

/**
 * Failures grouped by cause, each with whether a retry can help. Cancelled videos are not
 * failures and are left out. Every bulk action counts first and asks, then says what it did.
 */
export function FailureGroups({ readOnly, pendingRetries, onShowCause, onShowFailed }: FailureGroupsProps) {
  const { data: groups } = useFailureGroups()
  const { api } = useTransport()
  const online = useOnline()
  const visible = (groups ?? []).filter((group) => group.count > 0 && group.cause !== 'cancelled')
  if (visible.length === 0 && pendingRetries === 0) return null
  const total = visible.reduce((sum, group) => sum + group.count, 0)
  const canAct = !readOnly && online
  return (
    <section className="failures" aria-label="Failures by cause" data-testid="failure-groups">
      <div className="failures-head">
        <button type="button" className="link" onClick={onShowFailed} data-testid="failed-total">
          {plural(total, 'failed video')}
        </button>
        {!readOnly ? (
          <span className="failures-actions">
            {pendingRetries > 0 ? (
              <button type="button" disabled={!canAct} onClick={() => void cancelRetriesInBulk(api, {}, 'of all failed videos')} data-testid="cancel-retries">
                Cancel {plural(pendingRetries, 'pending retry', 'pending retries')}
              </button>
            ) : null}
            {total > 0 ? (
              <button type="button" disabled={!canAct} onClick={() => void retryInBulk(api, {}, 'in all causes')} data-testid="retry-all-failed">
                Retry all failed…
              </button>
            ) : null}
          </span>
        ) : null}
      </div>
      <ul>
        {visible.map((group) => {
          const info = failureCauseInfo[group.cause]
          return (
            <li key={group.cause} className="failure-group" data-testid={`failure-group-${group.cause}`} data-outlook={info.retry}>
              <CauseChip cause={group.cause} />
              <button type="button" className="link count" onClick={() => onShowCause(group.cause)} title="Show every video of this cause">
                {group.count}
              </button>
              <span className="example muted" title={`${info.advice}\nLatest: ${storedErrorText(group.example) ?? ''}`}>
                <span className={`outlook outlook-${info.retry}`}>{OUTLOOK_TEXT[info.retry]}</span> · {storedErrorText(group.example) ?? ''}
              </span>
              {!readOnly && group.cause !== 'bad-message' ? (
                <button type="button" disabled={!canAct} onClick={() => void retryInBulk(api, { filter: { causes: [group.cause] } }, `(${info.label})`, { unlikelyReason: info.advice })}>
                  Retry…
                </button>
              ) : null}
            </li>
          )
        })}
      </ul>
    </section>
  )
}
