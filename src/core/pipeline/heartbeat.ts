import { LeaseLostError } from '../errors'
import type { Queue } from '../ports'
import { BudgetExceededError, withinBudget } from '../budget'
import { startRenewals } from './renewal-loop'

export interface Heartbeat {
  /** Stops the timer and waits for a heartbeat in flight, so a delete never races it. */
  stop(): Promise<void>
  readonly lost: boolean
}

export interface HeartbeatOptions {
  /** A renewal failed for a passing reason (refused, reset, 5xx, timeout); it is tried again while the lease lasts. */
  onTransient?(error: unknown, leaseLeftMs: number): void
  /** Pause before trying a failed renewal again (default 1 s, never past the lease's end). */
  retryMs?: number
}

/**
 * Keeps a received message invisible while its job runs: every half visibility timeout the
 * lease is renewed for another full timeout. Only a real loss ends it: the queue says the
 * handle is no longer the message's delivery (`LeaseLostError`), or the lease's own expiry
 * passes without a renewal getting through. Anything else (a refused or reset connection, a
 * 5xx, a timeout) is a blip: it is tried again, about every second, until then.
 */
export function startHeartbeat(queue: Queue, receiptHandle: string, onLost: (error: unknown) => void, opts: HeartbeatOptions = {}): Heartbeat {
  const seconds = queue.visibilityTimeoutSeconds
  const everyMs = Math.max(500, (seconds * 1000) / 2)
  const retryMs = opts.retryMs ?? 1000
  // The lease began about now (the message was just received); each renewal moves its end.
  let leaseEndsAt = Date.now() + seconds * 1000
  let lost = false
  const lose = (error: unknown) => {
    lost = true
    onLost(error)
    return null
  }
  const loop = startRenewals(everyMs, () => {
    const sentAt = Date.now()
    // A renewal that hangs (a black-holed connection) is given up when the lease ends. A late
    // timer (a busy machine) still tries: the queue knows whether nobody else took the message.
    const budget = Math.max(2000, leaseEndsAt - sentAt)
    return withinBudget(queue.changeVisibility(receiptHandle, seconds), budget).then(
      () => {
        leaseEndsAt = sentAt + seconds * 1000
        return everyMs
      },
      (error: unknown) => {
        if (error instanceof LeaseLostError) return lose(error)
        if (error instanceof BudgetExceededError) return lose(new LeaseLostError(`the lease ran out while a renewal was pending (${error.message})`))
        const leaseLeft = leaseEndsAt - Date.now()
        if (leaseLeft <= 0) return lose(error)
        opts.onTransient?.(error, leaseLeft)
        return Math.min(retryMs, leaseLeft)
      }
    )
  })
  return {
    stop: () => loop.stop(),
    get lost() {
      return lost
    }
  }
}
