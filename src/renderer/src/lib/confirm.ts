import { useSyncExternalStore } from 'react'

export interface ConfirmRequest {
  title: string
  /** Lines of explanation: what will happen, and why it may not help. */
  body: string[]
  confirmLabel: string
  tone?: 'warn' | 'normal'
}

type Pending = ConfirmRequest & { resolve(ok: boolean): void }
let pending: Pending | null = null
const listeners = new Set<() => void>()
const emit = () => listeners.forEach((l) => l())

/** One question at a time, answered in the dialog (`ConfirmHost`). */
export function confirmAction(request: ConfirmRequest): Promise<boolean> {
  pending?.resolve(false)
  return new Promise((resolve) => {
    pending = { ...request, resolve }
    emit()
  })
}

export function answerConfirm(ok: boolean): void {
  const p = pending
  pending = null
  emit()
  p?.resolve(ok)
}

export function usePendingConfirm(): Pending | null {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l)
      return () => listeners.delete(l)
    },
    () => pending
  )
}
