/**
 * Samples this process's resident set size while a task runs. Growth is reported against
 * the RSS at rest just before the task (after a GC when `--expose-gc` is on).
 */
export interface RssReport {
  baselineBytes: number
  peakBytes: number
  /** Peak minus baseline, never negative. */
  growthBytes: number
}

export async function measureRss<T>(task: () => Promise<T>, intervalMs = 20): Promise<{ result: T; rss: RssReport }> {
  const gc = (globalThis as { gc?: () => void }).gc
  gc?.()
  const baselineBytes = process.memoryUsage.rss()
  let peakBytes = baselineBytes
  const timer = setInterval(() => {
    peakBytes = Math.max(peakBytes, process.memoryUsage.rss())
  }, intervalMs)
  try {
    const result = await task()
    peakBytes = Math.max(peakBytes, process.memoryUsage.rss())
    return { result, rss: { baselineBytes, peakBytes, growthBytes: Math.max(0, peakBytes - baselineBytes) } }
  } finally {
    clearInterval(timer)
  }
}

export const MiB = 2 ** 20
