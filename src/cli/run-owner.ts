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
 * an event), the ConsoleApi on loopback, a graceful stop (a second signal hurries it), and the
 * statistics at the end. Resolves with the exit code.
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
  for (const line of opts.banner?.(owner.server.url, owner.token, owner.server.urls) ?? [`Console API on ${owner.server.url} (token in ${config.dataDir}/console.json)`]) out(line)
  app.core.events.subscribe((event) => {
    const line = eventLine(event)
    if (line) logger.info(line)
  })

  const stopped = new Promise<void>((resolve) => {
    let signals = 0
    const onSignal = (signal: NodeJS.Signals) => {
      signals += 1
      if (signals === 1) {
        logger.info(`${signal} received: stopping gracefully (jobs in flight get ${config.worker.shutdownDeadlineSeconds} s; send it again to hand them back now)`)
        // A failed stop still ends the process (statistics, close), never a hang on Ctrl+C.
        void app.core
          .stop({ mode: 'drain', deadlineMs: config.worker.shutdownDeadlineSeconds * 1000 })
          .catch((e: unknown) => logger.error(`graceful stop failed: ${errorText(e)}`))
          .finally(resolve)
      } else {
        logger.info(`${signal} received again: handing jobs in flight back to the queue`)
        void app.core.stop({ mode: 'now' }).catch(() => undefined)
      }
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
  })
  const intent = opts.keepOperatorStop ? await readWorkerIntent(config.dataDir) : null
  if (opts.startWorker && intent?.state === 'stopped') {
    logger.info(`Worker left stopped: an operator stopped it from the console at ${intent.at}; start it from the console`)
  } else if (opts.startWorker) {
    await app.core.start()
    logger.info(`Waiting for messages (concurrency ${config.worker.concurrency}, long poll ${config.worker.pollWaitSeconds} s)`)
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
