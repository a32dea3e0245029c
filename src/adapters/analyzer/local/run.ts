import { AsyncLocalStorage } from 'node:async_hooks'
import { spawn } from 'node:child_process'
import { JobError } from '../../../core/errors'

export interface RunOptions {
  signal?: AbortSignal | undefined
  /** Kills the process (and its group) after this long, then rejects with a `timeout` JobError. */
  timeoutMs?: number | undefined
  /** Called per stderr line as it arrives (ffmpeg's detectors log there); the full text is not kept. */
  onStderrLine?: (line: string) => void
  /** Called per stdout chunk as it arrives (ffmpeg's `-progress pipe:1`). */
  onStdoutChunk?: (chunk: string) => void
  /** Collect stdout (default true); large outputs should go to files instead. */
  collectStdout?: boolean
  cwd?: string
  /** The child's environment (default this process's). */
  env?: NodeJS.ProcessEnv
}

export interface RunResult {
  code: number | null
  stdout: string
  /** The last few KB of stderr, for error messages. */
  stderrTail: string
}

/**
 * Who to tell about each child started within `childWatch.run(report, …)`: the analyzer sets it
 * per job from `AnalyzeContext.onChildProcess`, so every `run` of that job reports its pid.
 */
export const childWatch = new AsyncLocalStorage<(pid: number, command: string) => void>()

const TAIL_BYTES = 4096
const live = new Set<number>()

function killGroup(pid: number): void {
  try {
    // Negative pid: the whole process group (the child was started detached as its leader).
    process.kill(-pid, 'SIGKILL')
  } catch {
    try {
      process.kill(pid, 'SIGKILL')
    } catch {
      // already gone
    }
  }
}

/** Kills every child still running (used on close and process exit). */
export function killAll(): void {
  for (const pid of live) killGroup(pid)
  live.clear()
}
process.once('exit', killAll)

/** The error a command stopped by `signal` rejects with: its reason when that is an Error. */
function abortError(signal: AbortSignal): Error {
  const reason: unknown = signal.reason
  if (reason instanceof Error) return reason
  return new DOMException(typeof reason === 'string' ? reason : 'The operation was aborted', 'AbortError')
}

/**
 * Runs a command without a shell. The child leads its own process group so that abort
 * and timeout kill it and anything it started; no child outlives its job.
 */
export function run(cmd: string, args: string[], opts: RunOptions = {}): Promise<RunResult> {
  const { signal, timeoutMs, onStderrLine, onStdoutChunk, collectStdout = !onStdoutChunk } = opts
  if (signal?.aborted) return Promise.reject(abortError(signal))
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, detached: process.platform !== 'win32', stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let tail = ''
    let partial = ''
    let failure: Error | null = null
    const pid = child.pid
    if (pid !== undefined) {
      live.add(pid)
      childWatch.getStore()?.(pid, cmd)
    }

    const stop = (error: Error) => {
      if (failure) return
      failure = error
      if (pid !== undefined) killGroup(pid)
    }
    const onAbort = () => stop(abortError(signal as AbortSignal))
    signal?.addEventListener('abort', onAbort, { once: true })
    const timer =
      timeoutMs !== undefined
        ? setTimeout(() => {
            stop(
              new JobError(`${cmd.split('/').pop()} did not finish within ${Math.round(timeoutMs / 1000)} s and was stopped`, {
                failure: 'timeout',
                retryable: false
              })
            )
          }, timeoutMs)
        : undefined

    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      if (collectStdout) stdout += chunk
      onStdoutChunk?.(chunk)
    })
    child.stderr.setEncoding('utf8')
    child.stderr.on('data', (chunk: string) => {
      tail = (tail + chunk).slice(-TAIL_BYTES)
      if (!onStderrLine) return
      const lines = (partial + chunk).split(/\r?\n|\r/)
      partial = lines.pop() ?? ''
      for (const line of lines) onStderrLine(line)
    })
    const finish = () => {
      if (timer) clearTimeout(timer)
      signal?.removeEventListener('abort', onAbort)
      if (pid !== undefined) live.delete(pid)
    }
    child.once('error', (error) => {
      finish()
      reject(failure ?? new Error(`could not start ${cmd}: ${error.message}`))
    })
    child.once('close', (code) => {
      finish()
      if (failure) return reject(failure)
      if (partial && onStderrLine) onStderrLine(partial)
      resolve({ code, stdout, stderrTail: tail })
    })
  })
}
