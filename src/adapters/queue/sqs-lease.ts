import { LeaseLostError } from '../../core/errors'
import { errorName } from '../aws-errors'

/** The message's lease is gone: it was deleted, or its visibility expired and another worker may hold it. */
export function leaseLost(queueName: string, code: string, detail: string): LeaseLostError {
  return new LeaseLostError(`lease lost on ${queueName} (${code}): ${detail}; stop working on this message, another worker may hold it`, code)
}

const LEASE_LOST_NAMES = new Set(['MessageNotInflight', 'ReceiptHandleIsInvalid'])

/** SQS answers a stale handle with one of these (an expired handle is an InvalidParameterValue on AWS). */
export function isLeaseLost(error: unknown): boolean {
  const name = errorName(error) ?? ''
  if (LEASE_LOST_NAMES.has(name) || name.endsWith('.MessageNotInflight') || name.endsWith('.ReceiptHandleIsInvalid')) return true
  const message = error instanceof Error ? error.message : ''
  return name === 'InvalidParameterValue' && /receipt handle|ReceiptHandle|beyond the limit/i.test(message)
}

/**
 * Keeps heartbeats and deletes of one receipt handle apart: a visibility change that reaches SQS
 * after the delete fails with an invalid receipt handle, or, sent just before it, can make the
 * message reappear. So a delete waits for the heartbeat in flight, and a heartbeat after the
 * delete rejects at once instead of racing it to SQS.
 */
export class LeaseTracker {
  private readonly pending = new Map<string, Promise<unknown>>()
  private readonly deleted = new Set<string>()

  constructor(private readonly remember = 10_000) {}

  isDeleted(handle: string): boolean {
    return this.deleted.has(handle)
  }

  /** Runs a visibility change for a handle, visible to `settle` until it ends. */
  track<T>(handle: string, run: () => Promise<T>): Promise<T> {
    const previous = this.pending.get(handle) ?? Promise.resolve()
    const next = previous.catch(() => undefined).then(run)
    const settled = next.catch(() => undefined)
    this.pending.set(handle, settled)
    void settled.then(() => {
      if (this.pending.get(handle) === settled) this.pending.delete(handle)
    })
    return next
  }

  /** Waits for visibility changes in flight on these handles. */
  async settle(handles: string[]): Promise<void> {
    await Promise.all(handles.map((h) => this.pending.get(h)).filter((p) => p !== undefined))
  }

  markDeleted(handles: string[]): void {
    for (const h of handles) {
      this.deleted.add(h)
      if (this.deleted.size > this.remember) {
        const oldest = this.deleted.values().next().value
        if (oldest !== undefined) this.deleted.delete(oldest)
      }
    }
  }
}
