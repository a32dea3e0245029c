import { openApp } from '../app/open-app'
import { createLogger } from '../shared/logger'
import { serveOwnerConsole } from '../server/owner-console'
import { describeConfig } from '../app/config-lines'
import type { LoadConfigOptions } from '../app/load-config'
import type { Config } from '../app/load-config'
import { formatStats } from '../app/stats-lines'
import { readWorkerIntent } from '../app/worker-intent'
import { eventLine } from './print'
import { errorText } from '../shared/error-text'

/**
 * After the shutdown deadline, how long stopping and closing may still take before the process
 * exits anyway: the process is gone within deadline + 5 s, with a second to spare for the exit itself.
 */
const HARD_EXIT_MARGIN_MS = 4000
/** A second signal: the jobs in flight get this long to be handed back, then the process exits. */
const SECOND_SIGNAL_GRACE_MS = 1000

export interface OwnerRunOptions {
  /** How the configuration was loaded, so a profile switch loads the next one the same way. */
  settings?: LoadConfigOptions
  /** Start the worker loop at once (`worker` always; `serve` unless --no-worker). */
  startWorker: boolean
  /** Leave the worker stopped when an operator stopped it from the console before this restart (`serve`). */
  keepOperatorStop?: boolean
  host?: string
  port?: number
  token?: string
  staticDir?: string
  /** Serve the console even when the backends cannot be opened yet, retrying them (`serve`). */
  waitForBackends?: boolean
  /** Printed after the console is up, e.g. the URL to open. */
  banner?: (url: string, token: string, urls: string[]) => string[]
}

/**
 * Runs this process as the owner of DATA_DIR until SIGINT/SIGTERM: the worker (one plain line
 * an event), the ConsoleApi on loopback, a graceful stop bounded by the shutdown deadline (a second
 * signal exits at once), and the statistics at the end. Resolves with the exit code.
 */
export async function runOwner(config: Config, opts: OwnerRunOptions): Promise<number> {
  const out = (line: string) => process.stdout.write(`${line}\n`)
  const logger = createLogger({ level: process.env['DEBUG'] === '1' ? 'debug' : 'info' })
  for (const line of describeConfig(config)) out(line)
  const app = await openApp(config, { logger, ...(opts.settings ? { settings: opts.settings } : {}), ...(opts.waitForBackends ? { waitForBackends: { retryEverySeconds: 15 } } : {}) })
  for (const line of app.describeBackends()) out(line)
  try {
    await app.check()
  } catch (error) {
    process.stderr.write(`The analyzer cannot work: ${errorText(error)}\n`)
    await app.close()
    return 1
  }
  const owner = await serveOwnerConsole(app, {
    ...(opts.host ? { host: opts.host } : {}),
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.staticDir ? { staticDir: opts.staticDir } : {})
  })
  const deadlineMs = config.worker.shutdownDeadlineSeconds * 1000
  let signals = 0
  const stopped = new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1
      if (signals === 1) {
        logger.info(`${signal} received: stopping gracefully (jobs in flight get ${config.worker.shutdownDeadlineSeconds} s; send it again to exit at once)`)
        // Whatever hangs (a backend that does not answer), the process ends a little after the deadline.
        setTimeout(() => {
          logger.error(`stop did not finish within ${(deadlineMs + HARD_EXIT_MARGIN_MS) / 1000} s: exiting anyway; unfinished jobs reappear when their lease runs out`)
          process.exit(1)
        }, deadlineMs + HARD_EXIT_MARGIN_MS).unref()
        // A failed stop still ends the process (statistics, close), never a hang on Ctrl+C.
        void app.core
          .stop({ mode: 'drain', deadlineMs })
          .catch((e: unknown) => logger.error(`graceful stop failed: ${errorText(e)}`))
          .finally(resolve)
      } else {
        logger.info(`${signal} received again: handing jobs in flight back and exiting within ${SECOND_SIGNAL_GRACE_MS / 1000} s`)
        // What is not handed back by then reappears when its lease runs out (at once on this DATA_DIR's next start).
        void app.core.stop({ mode: 'now' }).catch(() => undefined)
        setTimeout(() => process.exit(signal === 'SIGINT' ? 130 : 143), SECOND_SIGNAL_GRACE_MS).unref()
      }
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
  // Ready for a signal before saying where the console is: whoever reads the URL may press Ctrl+C at once.
  for (const line of opts.banner?.(owner.server.url, owner.token, owner.server.urls) ?? [`Console API on ${owner.server.url} (token in ${config.dataDir}/console.json)`]) out(line)
  app.core.events.subscribe((event) => {
    const line = eventLine(event)
    if (line) logger.info(line)
  })
  const intent = opts.keepOperatorStop ? await readWorkerIntent(config.dataDir) : null
  if (opts.startWorker && intent?.state === 'stopped') {
    logger.info(`Worker left stopped: an operator stopped it from the console at ${intent.at}; start it from the console`)
  } else if (opts.startWorker && signals > 0) {
    logger.info('Worker not started: a stop was asked for first')
  } else if (opts.startWorker) {
    await app.core.start()
    // A stop that came while it started has stopped it again: it waits for nothing.
    if (signals === 0) logger.info(`Waiting for messages (concurrency ${config.worker.concurrency}, long poll ${config.worker.pollWaitSeconds} s)`)
  } else {
    logger.info('Worker not started (--no-worker): start it from the console')
  }
  await stopped
  for (const line of formatStats(await app.core.api['stats.get'](undefined))) out(line)
  await owner.close()
  await app.close()
  out('Stopped.')
  return 0
}
