/** Renewals that run one at a time until stopped. */
export interface RenewalLoop {
  /** Stops the timer and waits for a renewal in flight, so nothing the caller does next races it. */
  stop(): Promise<void>
}

/**
 * Runs `attempt` after `firstDelayMs`, then again after the delay each attempt resolves with,
 * until one resolves with null or the loop is stopped. `attempt` must not reject: it decides
 * itself what a failure means (try again sooner, or stop). The timer never keeps the process alive.
 */
export function startRenewals(firstDelayMs: number, attempt: () => Promise<number | null>): RenewalLoop {
  let pending: Promise<void> | null = null
  let stopped = false
  let timer: NodeJS.Timeout | null = null
  const schedule = (ms: number | null) => {
    if (stopped || ms === null) return
    timer = setTimeout(run, Math.max(0, ms))
    timer.unref?.()
  }
  function run(): void {
    pending = attempt()
      .then(schedule)
      .finally(() => {
        pending = null
      })
  }
  schedule(firstDelayMs)
  return {
    async stop() {
      stopped = true
      if (timer) clearTimeout(timer)
      if (pending) await pending
    }
  }
}
