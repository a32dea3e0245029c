/** Collects small writes for a short window and hands them to one write together. */
export interface GroupWriter<T> {
  /** Resolves when the items are written; rejects with the error of their own write. */
  add(items: T[]): Promise<void>
  /** Writes what waits now; resolves when everything added so far has been written (or failed). */
  flush(): Promise<void>
}

interface Waiting<T> {
  items: T[]
  resolve(): void
  reject(error: unknown): void
}

/**
 * Group commit: the first item starts a window of `windowMs`; everything added until it ends
 * (or while a write is in flight) goes out in one `write`, in the order added. When a group
 * fails, each `add` is retried on its own, so one bad call costs only itself.
 */
export function createGroupWriter<T>(write: (items: T[]) => Promise<void>, opts: { windowMs: number; maxItems: number }): GroupWriter<T> {
  let queue: Waiting<T>[] = []
  let queued = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  let running: Promise<void> | null = null

  async function run(): Promise<void> {
    while (queue.length > 0) {
      const group = queue
      queue = []
      queued = 0
      try {
        await write(group.flatMap((w) => w.items))
        for (const w of group) w.resolve()
      } catch (error) {
        if (group.length === 1) {
          group[0]!.reject(error)
          continue
        }
        for (const w of group) {
          try {
            await write(w.items)
            w.resolve()
          } catch (own) {
            w.reject(own)
          }
        }
      }
    }
    running = null
  }

  function start(): Promise<void> {
    if (timer) clearTimeout(timer)
    timer = null
    running ??= run()
    return running
  }

  return {
    add(items) {
      const done = new Promise<void>((resolve, reject) => queue.push({ items, resolve, reject }))
      queued += items.length
      if (queued >= opts.maxItems) void start()
      else if (!timer && !running) timer = setTimeout(() => void start(), opts.windowMs)
      return done
    },
    flush: () => (queue.length === 0 && !running ? Promise.resolve() : start())
  }
}
