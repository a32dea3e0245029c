/**
 * Group commit: requests that arrive while one is in flight go out together in the next, so
 * concurrent callers share round trips without waiting for a timer. A group holds at most one
 * request per id (later ones wait for the next), so what one id asks for is done in order.
 * Used for the row writes of running jobs (claims, status updates, lease renewals) and for
 * deleting finished messages from SQS.
 */
export interface GroupCommitOptions {
  /** Most requests in one group (default 200). */
  maxGroup?: number
  /**
   * When a group's call fails, send its members one by one so that one bad request costs only
   * itself (default true). Off where a failure is the transport's and would only repeat.
   */
  splitOnError?: boolean
}

export function createGroupCommit<R extends { id: string }, W extends { id: string }>(write: (writes: W[]) => Promise<R[]>, opts: GroupCommitOptions = {}) {
  const maxGroup = opts.maxGroup ?? 200
  const splitOnError = opts.splitOnError ?? true
  let waiting: { write: W; resolve(row: R | null): void; reject(error: unknown): void }[] = []
  let running = false
  let scheduled = false

  async function pump(): Promise<void> {
    running = true
    try {
      while (waiting.length > 0) {
        const seen = new Set<string>()
        const group: typeof waiting = []
        const rest: typeof waiting = []
        for (const w of waiting) {
          if (group.length < maxGroup && !seen.has(w.write.id)) {
            seen.add(w.write.id)
            group.push(w)
          } else rest.push(w)
        }
        waiting = rest
        try {
          const rows = new Map((await write(group.map((w) => w.write))).map((r) => [r.id, r]))
          for (const w of group) w.resolve(rows.get(w.write.id) ?? null)
        } catch (error) {
          // One bad write must cost only itself: write the group's members one by one.
          if (group.length === 1 || !splitOnError) for (const w of group) w.reject(error)
          else
            for (const w of group) {
              try {
                w.resolve((await write([w.write]))[0] ?? null)
              } catch (own) {
                w.reject(own)
              }
            }
        }
      }
    } finally {
      running = false
    }
  }

  return {
    /** Resolves with the answer for this request's id, or null when the group's answer has none. */
    submit(write: W): Promise<R | null> {
      const done = new Promise<R | null>((resolve, reject) => waiting.push({ write, resolve, reject }))
      // The first request of a group goes out when the event loop turns (no timer, no added
      // wait); what arrives while it is in flight (an HTTP round trip, or a database that runs
      // in this thread) goes out in the next.
      if (!running && !scheduled) {
        scheduled = true
        setImmediate(() => {
          scheduled = false
          void pump()
        })
      }
      return done
    }
  }
}
