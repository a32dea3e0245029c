import { useEffect, useRef } from 'react'

export interface KeyboardActions {
  next(): void
  previous(): void
  retry(): void
  exportBundle(): void
  compare(): void
  theme(): void
  help(): void
  search(): void
  close(): void
}

function typing(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName)
}

/** j / k move in the list, r retries, e exports, c compares, t switches theme, ? lists them, / searches, Esc closes. */
export function useKeyboard(actions: KeyboardActions): void {
  const latest = useRef(actions)
  useEffect(() => {
    latest.current = actions
  })
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.metaKey || event.ctrlKey || event.altKey) return
      if (typing(event.target)) {
        if (event.key === 'Escape') (event.target as HTMLElement).blur()
        return
      }
      // A dialog on top (confirmation, full-size keyframe) takes its own keys.
      if (document.querySelector('[aria-modal="true"]') && event.key !== '?' && event.key !== 'Escape') return
      const handlers: Record<string, () => void> = {
        j: latest.current.next,
        ArrowDown: latest.current.next,
        k: latest.current.previous,
        ArrowUp: latest.current.previous,
        r: latest.current.retry,
        e: latest.current.exportBundle,
        c: latest.current.compare,
        t: latest.current.theme,
        '?': latest.current.help,
        '/': latest.current.search,
        Escape: latest.current.close
      }
      const handler = handlers[event.key]
      if (!handler) return
      event.preventDefault()
      handler()
    }
    window.addEventListener('keydown', onKey)
    return () => window.removeEventListener('keydown', onKey)
  }, [])
}
