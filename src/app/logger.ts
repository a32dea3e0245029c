import type { Logger } from '../core/ports'

/** Lines with a time stamp, in the seed's plain style; debug only when asked for. */
export function createConsoleLogger(opts: { debug?: boolean; out?: (line: string) => void; err?: (line: string) => void } = {}): Logger {
  const out = opts.out ?? ((l: string) => process.stdout.write(`${l}\n`))
  const err = opts.err ?? ((l: string) => process.stderr.write(`${l}\n`))
  const stamp = () => new Date().toISOString().replace('T', ' ').slice(0, 19)
  return {
    info: (m) => out(`${stamp()} ${m}`),
    warn: (m) => err(`${stamp()} WARN ${m}`),
    error: (m) => err(`${stamp()} ERROR ${m}`),
    debug: (m) => {
      if (opts.debug) out(`${stamp()} DEBUG ${m}`)
    }
  }
}

export const silentLogger: Logger = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined }
