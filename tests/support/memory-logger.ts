import type { Logger } from '../../src/core/ports'

/** A Logger that keeps every line as `<level> <message>`, for asserting on what was logged. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = []
  const push = (level: string) => (m: string) => void lines.push(`${level} ${m}`)
  return { lines, info: push('info'), warn: push('warn'), error: push('error'), debug: push('debug') }
}
