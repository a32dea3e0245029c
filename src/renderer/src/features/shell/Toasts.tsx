import { toastStore, useToasts } from '../../lib/toasts'

/** Results and errors of actions, top right, each for a few seconds (click to dismiss). */
export function Toasts() {
  const toasts = useToasts()
  return (
    <div className="toasts" aria-live="polite">
      {toasts.map((toast) => (
        <button key={toast.id} type="button" className={`toast tone-${toast.tone}`} data-testid="toast" data-tone={toast.tone} onClick={() => toastStore.dismiss(toast.id)}>
          {toast.text}
        </button>
      ))}
    </div>
  )
}
