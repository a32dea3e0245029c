import { useEffect, useRef } from 'react'
import { answerConfirm, usePendingConfirm } from '../../lib/confirm'

/** The one confirmation dialog: names the count and what will happen; Esc or Cancel says no. */
export function ConfirmHost() {
  const request = usePendingConfirm()
  const confirmRef = useRef<HTMLButtonElement>(null)
  useEffect(() => {
    if (!request) return
    confirmRef.current?.focus()
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        event.stopPropagation()
        answerConfirm(false)
      }
    }
    window.addEventListener('keydown', onKey, true)
    return () => window.removeEventListener('keydown', onKey, true)
  }, [request])
  if (!request) return null
  return (
    <div className="modal-backdrop" onClick={() => answerConfirm(false)}>
      <div className="modal panel" role="alertdialog" aria-modal="true" aria-labelledby="confirm-title" data-testid="confirm" onClick={(event) => event.stopPropagation()}>
        <h2 id="confirm-title">{request.title}</h2>
        {request.body.map((line) => (
          <p key={line} className={request.tone === 'warn' ? 'tone-warn' : undefined}>
            {line}
          </p>
        ))}
        <div className="modal-actions">
          <button type="button" onClick={() => answerConfirm(false)} data-testid="confirm-cancel">
            Cancel
          </button>
          <button ref={confirmRef} type="button" className={request.tone === 'warn' ? 'danger' : 'primary'} onClick={() => answerConfirm(true)} data-testid="confirm-ok">
            {request.confirmLabel}
          </button>
        </div>
      </div>
    </div>
  )
}
