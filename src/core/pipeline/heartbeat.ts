import type { Queue } from '../ports'

export interface Heartbeat {
  /** Stops the timer and waits for a heartbeat in flight, so a delete never races it. */
  stop(): Promise<void>
  readonly lost: boolean
}

/**
 * Keeps a received message invisible while its job runs: every half visibility timeout the
 * lease is renewed for another full timeout. A failed renewal means the lease is lost (another
 * worker may get the message); that is logged, not fatal.
 */
export function startHeartbeat(queue: Queue, receiptHandle: string, onLost: (error: unknown) => void): Heartbeat {
  const seconds = queue.visibilityTimeoutSeconds
  const everyMs = Math.max(500, (seconds * 1000) / 2)
  let pending: Promise<void> | null = null
  let lost = false
  const timer = setInterval(() => {
    if (pending || lost) return
    pending = queue
      .changeVisibility(receiptHandle, seconds)
      .catch((error: unknown) => {
        lost = true
        clearInterval(timer)
        onLost(error)
      })
      .finally(() => {
        pending = null
      })
  }, everyMs)
  timer.unref?.()
  return {
    async stop() {
      clearInterval(timer)
      if (pending) await pending
    },
    get lost() {
      return lost
    }
  }
}
