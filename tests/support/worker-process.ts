import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** The CLI entry point, run with the Node that runs the tests. */
export const CLI_BIN = fileURLToPath(new URL('../../bin/video-processor.js', import.meta.url))

// Settings the product reads: a test spawns the CLI with none of them inherited from the machine.
const SETTINGS = /^(AWS_|GEMINI_|GOOGLE_|NEXT_PUBLIC_SUPABASE|SUPABASE_|WORKER_|POLL_|VISIBILITY_|DOWNLOAD_DIR|DATA_DIR|READ_ONLY|CONSOLE_TOKEN)/

/** process.env without any product setting, the environment of a fresh user. */
export function envWithoutSettings(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([k]) => !SETTINGS.test(k)))
}

/** A running `video-processor worker` child whose output (stdout and stderr) is collected. */
export interface WorkerProcess {
  proc: ChildProcess
  output(): string
  /** Resolves once the output matches; throws if the worker exits or `ms` passes first. */
  waitFor(re: RegExp, ms?: number): Promise<RegExpMatchArray>
  exited: Promise<number | null>
}

/**
 * Spawns `video-processor worker` in `cwd`. The child is kept in `children` until it exits,
 * so the test file can kill whatever is left in its cleanup.
 */
export function startWorkerProcess(env: NodeJS.ProcessEnv, cwd: string, children: Set<ChildProcess>): WorkerProcess {
  const proc = spawn(process.execPath, [CLI_BIN, 'worker'], { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  children.add(proc)
  let out = ''
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()))
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()))
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => (children.delete(proc), resolve(code))))
  return {
    proc,
    output: () => out,
    exited,
    async waitFor(re, ms = 60_000) {
      const until = Date.now() + ms
      for (;;) {
        const m = out.match(re)
        if (m) return m
        if (proc.exitCode !== null || Date.now() > until) throw new Error(`worker output never matched ${re}:\n${out.slice(-3000)}`)
        await new Promise((r) => setTimeout(r, 100))
      }
    }
  }
}
