/** Where the worker, the app and the adapters write their lines. */
export interface Logger {
  info(message: string): void
  warn(message: string): void
  error(message: string): void
  debug(message: string): void
}

/** The least severe line a logger writes; `silent` writes none. */
type LogLevel = 'debug' | 'info' | 'warn' | 'silent'

const RANK = { debug: 0, info: 1, warn: 2, error: 3, silent: 4 } as const

/**
 * Lines with a time stamp: debug and info to standard output, warnings and errors to standard
 * error, nothing below `level` (default `info`). An adapter built without a logger uses `warn`.
 */
export function createLogger(opts: { level?: LogLevel; out?: (line: string) => void; err?: (line: string) => void } = {}): Logger {
  const least = RANK[opts.level ?? 'info']
  const out = opts.out ?? ((line: string) => console.log(line))
  const err = opts.err ?? ((line: string) => console.error(line))
  const stamp = () => new Date().toISOString().replace('T', ' ').slice(0, 19)
  const writer = (rank: number, write: (line: string) => void, tag: string) =>
    rank < least ? () => undefined : (message: string) => write(`${stamp()} ${tag}${message}`)
  return {
    debug: writer(RANK.debug, out, 'DEBUG '),
    info: writer(RANK.info, out, ''),
    warn: writer(RANK.warn, err, 'WARN '),
    error: writer(RANK.error, err, 'ERROR ')
  }
}
