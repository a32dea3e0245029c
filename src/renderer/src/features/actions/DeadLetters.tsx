import { useState } from 'react'
import { useQuery, useQueryClient } from '@tanstack/react-query'
import type { DeadLetterView } from '../../../../shared/console-api'
import { useOnline } from '../../api/online'
import { keys } from '../../api/keys'
import { useTransport } from '../../api/transport-context'
import { confirmAction } from '../../lib/confirm'
import { plural } from '../../lib/filter-videos'
import { toastError, toastStore } from '../../lib/toasts'

const LIMIT = 100

/**
 * Messages the queue gave up on (the local dead-letter table or the SQS DLQ): what each said,
 * why, how often it was received and when; requeue one or all, purge after asking. Shown only
 * when there are some.
 */
export function DeadLetters({ readOnly }: { readOnly: boolean }) {
  const { api } = useTransport()
  const client = useQueryClient()
  const online = useOnline()
  const [open, setOpen] = useState(false)
  const { data } = useQuery({ queryKey: keys.deadLetters, queryFn: () => api['deadLetters.list']({ limit: LIMIT }) })
  const total = data ? (data.total ?? data.items.length) : 0
  if (!data || data.store === null || total === 0) return null
  const canAct = !readOnly && online

  const act = async (what: 'requeue' | 'purge', letters: DeadLetterView[] | 'all') => {
    const count = letters === 'all' ? total : letters.length
    const ok = await confirmAction(
      what === 'purge'
        ? {
            title: `Delete ${plural(count, 'dead letter')} for good?`,
            body: ['Their messages are gone afterwards: the videos they name stay as they are, and only a retry or a new message runs them again.'],
            confirmLabel: `Delete ${count}`,
            tone: 'warn'
          }
        : {
            title: `Requeue ${plural(count, 'dead letter')}?`,
            body: ['Each goes back to the queue as it was sent, with a fresh receive count; the videos it names show as queued until it is processed.'],
            confirmLabel: `Requeue ${count}`
          }
    )
    if (!ok) return
    try {
      const input = letters === 'all' ? {} : { ids: letters.map((l) => l.id) }
      const done = what === 'purge' ? await api['deadLetters.purge'](input) : await api['deadLetters.requeue'](input)
      toastStore.push({ tone: 'ok', text: `${plural(done.count, 'dead letter')} ${what === 'purge' ? 'deleted' : 'requeued'}` })
    } catch (error) {
      toastError(what === 'purge' ? 'Purge' : 'Requeue', error)
    } finally {
      void client.invalidateQueries({ queryKey: keys.deadLetters })
    }
  }

  return (
    <section className={`failures dead-letters${open ? '' : ' collapsed'}`} aria-label="Dead letters" data-testid="dead-letters">
      <div className="failures-head">
        <button type="button" className="link" aria-expanded={open} onClick={() => setOpen((o) => !o)} data-testid="dead-letters-toggle">
          {plural(total, 'dead letter')} in {data.store}
        </button>
        <span className="failures-actions">
          <button type="button" onClick={() => void client.invalidateQueries({ queryKey: keys.deadLetters })} title="Look again">
            Refresh
          </button>
          {!readOnly ? (
            <>
              <button type="button" disabled={!canAct} onClick={() => void act('requeue', 'all')} data-testid="dead-letters-requeue-all">
                Requeue all…
              </button>
              <button type="button" disabled={!canAct} onClick={() => void act('purge', 'all')} data-testid="dead-letters-purge">
                Purge…
              </button>
            </>
          ) : null}
        </span>
      </div>
      {open ? (
        <ul>
          {data.items.map((letter) => (
            <li key={letter.id} className="dead-letter" data-testid="dead-letter">
              <time className="muted" dateTime={letter.deadAt ?? letter.sentAt ?? undefined}>
                {formatWhen(letter.deadAt ?? letter.sentAt)}
              </time>
              <span className="muted" title="Times the queue delivered it">
                ×{letter.receiveCount}
              </span>
              <span className="example" title={`${letter.reason ?? ''}\n\n${letter.body}`}>
                {letter.reason ?? 'no reason recorded'} · <code>{letter.body.slice(0, 200)}</code>
              </span>
              {!readOnly ? (
                <span className="failures-actions">
                  <button type="button" disabled={!canAct} onClick={() => void act('requeue', [letter])}>
                    Requeue
                  </button>
                  <button type="button" disabled={!canAct} onClick={() => void act('purge', [letter])}>
                    Delete…
                  </button>
                </span>
              ) : null}
            </li>
          ))}
          {total > data.items.length ? <li className="muted">and {total - data.items.length} more</li> : null}
        </ul>
      ) : null}
    </section>
  )
}

function formatWhen(iso: string | null): string {
  if (!iso) return 'unknown time'
  const d = new Date(iso)
  return `${d.toLocaleDateString()} ${d.toLocaleTimeString()}`
}
