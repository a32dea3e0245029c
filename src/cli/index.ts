import { Command, CommanderError, InvalidArgumentError } from 'commander'
import { assertSafeBind, findRendererDir } from '../server/owner-console'
import { OwnerLockError } from '../app/owner-lock'
import { loadConfig, type LoadConfigOptions } from '../app/load-config'
import { ConfigError, type Config } from '../app/load-config'
import { ConsoleApiError } from '../shared/console-api'
import { registerConfigCommand } from './config-command'
import { enqueueCommand } from './enqueue'
import { exportCommand } from './export'
import { runOwner } from './run-owner'
import { statusCommand } from './status'
import { UsageError } from './usage-error'
import { errorText } from '../shared/error-text'

function port(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) > 65_535) throw new InvalidArgumentError('expected a port number from 0 to 65535')
  return Number(value)
}

/** The `video-processor` command line. Resolves with the exit code: 0 ok, 1 failure, 2 bad usage or config. */
export async function main(argv: string[]): Promise<number> {
  let code = 0
  const load = (overrides: Record<string, string> = {}): LoadConfigOptions => ({ overrides })
  const config = (overrides: Record<string, string> = {}): Config => loadConfig(load(overrides))
  const program = new Command('video-processor')
    .description('Turns a queue of videos into analyses; embedded defaults, cloud backends when configured.')
    .exitOverride()
    .showHelpAfterError()

  program
    .command('worker')
    .description('consume the queue and process videos until SIGINT/SIGTERM')
    .action(async () => {
      code = await runOwner(config(), { startWorker: true, settings: load() })
    })
  program
    .command('serve')
    .description('serve the operator console in a browser (and run the worker)')
    .option('--host <host>', 'address to bind (HOST)')
    .option('--port <port>', 'port, 0 for any free one (PORT)', port)
    .option('--token <token>', 'require this token (CONSOLE_TOKEN)')
    .option('--no-worker', 'do not start the worker; start it from the console')
    .action(async (opts: { host?: string; port?: number; token?: string; worker: boolean }) => {
      // Flags are settings given on the command line: they win, and the console shows them.
      const flags = { ...(opts.host ? { HOST: opts.host } : {}), ...(opts.port !== undefined ? { PORT: String(opts.port) } : {}), ...(opts.token ? { CONSOLE_TOKEN: opts.token } : {}) }
      const c = config(flags)
      const host = opts.host ?? c.host
      const token = opts.token ?? c.consoleToken
      try {
        assertSafeBind({ host, ...(token ? { token } : {}) })
      } catch (error) {
        throw new UsageError((error as Error).message)
      }
      const staticDir = findRendererDir()
      code = await runOwner(c, {
        startWorker: opts.worker,
        settings: load(flags),
        keepOperatorStop: true,
        waitForBackends: true,
        host,
        port: opts.port ?? c.port,
        ...(token ? { token } : {}),
        ...(staticDir ? { staticDir } : {}),
        banner: (url, token, urls = [url]) => [
          staticDir ? `Console on ${url}/` : `Console API on ${url} (the UI is not built: run npm run build)`,
          ...urls.filter((u) => u !== url).map((u) => `  also listening on ${u}/`),
          ...(staticDir ? ['To open the console, copy and paste this URL into a browser (it holds the token):', `    ${url}/?token=${encodeURIComponent(token)}`] : [])
        ]
      })
    })
  registerConfigCommand(program, () => load(), (c) => (code = c))
  program
    .command('enqueue')
    .description('add a video: a local file, an http(s) or YouTube URL, or s3://bucket/key; prints its id')
    .argument('<target>', 'file path or URL')
    .option('--title <title>', 'title shown in the console')
    .action(async (target: string, opts: { title?: string }) => {
      code = await enqueueCommand(config(), target, opts)
    })
  program
    .command('export')
    .description('write a debug bundle of a video (row, journal, raw model output, probe, keyframes, masked settings) as one zip')
    .argument('<id>', 'video id')
    .option('--out <file>', 'where to write the zip (default: its own name in the current folder)')
    .action(async (id: string, opts: { out?: string }) => {
      code = await exportCommand(config(), id, opts)
    })
  program
    .command('status')
    .description('list videos, or show one with its events and analysis')
    .argument('[id]', 'video id')
    .option('--json', 'print JSON for scripts')
    .option('--limit <n>', 'how many videos to list', (v) => {
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new InvalidArgumentError('expected a positive whole number')
      return Number(v)
    })
    .action(async (id: string | undefined, opts: { json?: boolean; limit?: number }) => {
      code = await statusCommand(config(), id, opts)
    })

  try {
    await program.parseAsync(argv)
    return code
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2
    if (error instanceof ConfigError || error instanceof UsageError || error instanceof OwnerLockError) {
      process.stderr.write(`${error.message}\n`)
      return 2
    }
    if (error instanceof ConsoleApiError) {
      process.stderr.write(`${error.message}\n`)
      return error.code === 'bad-request' ? 2 : 1
    }
    process.stderr.write(`${errorText(error)}\n`)
    return 1
  }
}

/**
 * A rejection nobody handled means some state is unknown: crash with one clear line (and the
 * stack), rather than go on as if nothing happened. Exit code 70 (EX_SOFTWARE); the lock is
 * released by its exit handler, and the messages of jobs in flight reappear after their lease.
 */
process.on('unhandledRejection', (reason) => {
  const what = reason instanceof Error ? (reason.stack ?? `${reason.name}: ${reason.message}`) : String(reason)
  process.stderr.write(`video-processor crashed: an unexpected error nobody handled: ${what}\n`)
  process.exit(70)
})

const code = await main(process.argv)
// Let stdout drain, then leave even if a library keeps a handle open.
process.exitCode = code
setTimeout(() => process.exit(code), 50).unref()
