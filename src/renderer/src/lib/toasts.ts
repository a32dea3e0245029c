import { useSyncExternalStore } from 'react'
import { errorText } from '../../../shared/error-text'

export interface Toast {
  id: number
  tone: 'ok' | 'bad' | 'info'
  text: string
  /** An error only because the server could not be reached: dropped once it is back. */
  offline?: boolean
}

let toasts: Toast[] = []
let seq = 0
const listeners = new Set<() => void>()
const emit = () => listeners.forEach((l) => l())

/** Results of actions ("12 re-queued, 3 skipped: permanent cause") and their errors, in one place. */
export const toastStore = {
  push(toast: Omit<Toast, 'id'>, ttlMs = toast.tone === 'bad' ? 12_000 : 6000): number {
    const id = ++seq
    toasts = [...toasts.slice(-4), { ...toast, id }]
    emit()
    setTimeout(() => toastStore.dismiss(id), ttlMs)
    return id
  },
  dismiss(id: number): void {
    const next = toasts.filter((t) => t.id !== id)
    if (next.length !== toasts.length) {
      toasts = next
      emit()
    }
  },
  /** The server is back: errors that only said it was unreachable are no longer true. */
  clearOffline(): void {
    const next = toasts.filter((t) => !t.offline)
    if (next.length !== toasts.length) {
      toasts = next
      emit()
    }
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener)
    return () => listeners.delete(listener)
  },
  get: () => toasts
}

export function useToasts(): Toast[] {
  return useSyncExternalStore(toastStore.subscribe, toastStore.get)
}

/** An action's failure as a toast; one that only failed to reach the server is marked so. */
export function toastError(what: string, error: unknown): void {
  const message = errorText(error)
  toastStore.push({ tone: 'bad', text: `${what}: ${message}`, offline: /Cannot reach the console|Failed to fetch|NetworkError/i.test(message) })
}
