/** Thrown by {@link withinBudget} when the work did not end in time. */
export class BudgetExceededError extends Error {
  constructor(ms: number) {
    super(`did not finish within ${Math.round(ms / 100) / 10} s`)
    this.name = 'BudgetExceededError'
  }
}

/**
 * Waits for `work` at most `ms`: past that it rejects and `work` is left to end on its own.
 * Used where a stop must not wait on a peer that does not answer (a hand-back, a last write).
 * The timer does not keep the process alive.
 */
export function withinBudget<T>(work: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new BudgetExceededError(ms)), ms)
    timer.unref?.()
  })
  return Promise.race([work, late]).finally(() => clearTimeout(timer))
}

/** Resolves when any of `work` settles or `signal` aborts, whichever is first; leaves no timer or listener behind. */
export function firstOf(work: Promise<unknown>[], signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve()
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done)
      resolve()
    }
    signal.addEventListener('abort', done, { once: true })
    for (const w of work) w.then(done, done)
  })
}
