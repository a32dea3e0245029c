import {
  ApiError,
  consoleProcedures,
  ConsoleApiError,
  type ApiResult,
  type ConsoleApi,
  type ProcedureName
} from '../shared/console-api'

/** Options both bridges (HTTP and IPC) pass to {@link dispatch}. */
export interface DispatchOptions {
  /** Refuse every procedure marked `write` (a console left on a shared screen). */
  readOnly?: boolean
  /** Called with unexpected errors; their messages never cross to a client (they may hold secrets). */
  onInternalError?: (error: unknown, name: string) => void
}

export function isProcedureName(name: unknown): name is ProcedureName {
  return typeof name === 'string' && Object.hasOwn(consoleProcedures, name)
}

/** A refused call as both bridges answer it: a caller they do not trust, bad input, a failure. */
export function refusal(code: ApiError['code'], message: string): ApiResult {
  return { ok: false, error: { code, message } }
}

// Duck-typed too: a second copy of the shared module (bundled main vs tsx) breaks instanceof.
function isConsoleApiError(error: unknown): error is ConsoleApiError {
  if (error instanceof ConsoleApiError) return true
  return (
    error instanceof Error &&
    error.name === 'ConsoleApiError' &&
    ApiError.shape.code.safeParse((error as { code?: unknown }).code).success
  )
}

/**
 * Routes one untrusted call to the core: checks the name, validates the input with the
 * procedure's zod schema, and turns every outcome into an `ApiResult` value. The HTTP server
 * and Electron's IPC both route every call through it and add no behaviour of their own.
 */
export async function dispatch(api: ConsoleApi, name: unknown, input: unknown, options: DispatchOptions = {}): Promise<ApiResult> {
  if (!isProcedureName(name)) return refusal('not-found', `Unknown procedure ${JSON.stringify(String(name)).slice(0, 80)}`)
  const procedure = consoleProcedures[name]
  if (procedure.write && options.readOnly) {
    return refusal('read-only', `The console is read-only: ${name} is refused`)
  }
  const parsed = procedure.input.safeParse(input)
  if (!parsed.success) {
    const issue = parsed.error.issues[0]
    const where = issue && issue.path.length > 0 ? issue.path.join('.') : 'input'
    return refusal('bad-request', `Invalid input for ${name}: ${where}: ${issue?.message ?? 'invalid'}`)
  }
  try {
    const call = api[name] as (input: unknown) => Promise<unknown>
    let result = await call(parsed.data)
    // The bridge's own read-only setting must show in the status the console reads.
    if (options.readOnly && name.startsWith('worker.') && result && typeof result === 'object') {
      result = { ...result, readOnly: true }
    }
    return { ok: true, result }
  } catch (error) {
    if (isConsoleApiError(error)) return refusal(error.code, error.message)
    options.onInternalError?.(error, name)
    return refusal('internal', `${name} failed unexpectedly; the worker log has the details`)
  }
}
