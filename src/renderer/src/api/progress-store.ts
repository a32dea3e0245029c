import { useSyncExternalStore } from 'react'

/** Bytes moved of a download or upload (or read by an analysis) in progress; kept out of React Query to spare the list re-renders. */
export interface Progress {
  stage: 'downloading' | 'uploading' | 'analysing'
  bytes: number
  total: number | null
}

const progress = new Map<string, Progress>()
const listeners = new Map<string, Set<() => void>>()

function notify(id: string): void {
  for (const listener of listeners.get(id) ?? []) listener()
}

export const progressStore = {
  set(id: string, value: Progress): void {
    progress.set(id, value)
    notify(id)
  },
  clear(id: string): void {
    if (progress.delete(id)) notify(id)
  },
  get: (id: string): Progress | undefined => progress.get(id),
  subscribe(id: string, listener: () => void): () => void {
    const set = listeners.get(id) ?? new Set()
    set.add(listener)
    listeners.set(id, set)
    return () => {
      set.delete(listener)
      if (set.size === 0) listeners.delete(id)
    }
  }
}

export function useProgress(id: string): Progress | undefined {
  return useSyncExternalStore(
    (listener) => progressStore.subscribe(id, listener),
    () => progressStore.get(id)
  )
}
