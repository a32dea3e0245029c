/**
 * Group commit for the row writes of running jobs (claims, status updates, lease renewals):
 * writes that arrive while one is in flight go out together in the next statement, so
 * concurrent jobs share statements without waiting for a timer. A statement holds at most one
 * write per video (later ones wait for the next), so every status a video passes through is
 * written, in order.
 */
export interface LeaseWrite {
  id: string
  token: string
  /** Column values to set (JSON-ready), as `videoPatchToRow` makes them. */
  patch: Record<string, unknown>
  release: boolean
  /** Extend the lease by this many seconds from now. */
  renewSeconds: number | null
}

const MAX_GROUP = 200

export function createLeaseWriter<R extends { id: string }, W extends { id: string } = LeaseWrite>(write: (writes: W[]) => Promise<R[]>) {
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
          if (group.length < MAX_GROUP && !seen.has(w.write.id)) {
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
          if (group.length === 1) group[0]!.reject(error)
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
    /** Resolves with the row as written, or null when its condition failed (the lease is no longer the row's). */
    submit(write: W): Promise<R | null> {
      const done = new Promise<R | null>((resolve, reject) => waiting.push({ write, resolve, reject }))
      // The database runs in this thread: a write is never "in flight" while others are made, so
      // the group is what arrives until the event loop turns (no timer, no added wait).
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
