import { ApiResult, ConsoleApiError, HTTP_RPC_PREFIX, procedureNames, type ConsoleApi, type ProcedureName } from './console-api'

/** How to reach a console server (`video-processor serve`). */
export interface HttpConsoleClientOptions {
  /** e.g. `http://127.0.0.1:8787`; empty string means the page's own origin (the browser console). */
  baseUrl: string
  /** Sent as `Authorization: Bearer`. */
  token?: string
  /** Injected for tests; defaults to the global fetch. */
  fetch?: typeof fetch
}

export function joinUrl(base: string, path: string): string {
  return `${base.replace(/\/+$/, '')}${path}`
}

/** The headers every request of this client carries besides its own: the token, when there is one. */
export function authHeaders(options: HttpConsoleClientOptions): Record<string, string> {
  return options.token ? { Authorization: `Bearer ${options.token}` } : {}
}

/** Sends one request of the HTTP bridge and unwraps its `{ ok, result | error }` answer. */
export async function postForResult(options: HttpConsoleClientOptions, name: string, url: string, init: RequestInit): Promise<unknown> {
  const doFetch: typeof fetch = options.fetch ?? ((input, request) => globalThis.fetch(input, request))
  let response: Response
  try {
    response = await doFetch(url, { method: 'POST', credentials: 'same-origin', ...init })
  } catch (error) {
    throw new Error(`Cannot reach the console at ${options.baseUrl || 'this page'}: ${(error as Error).message}`, { cause: error })
  }
  const text = await response.text()
  let body: unknown
  try {
    body = JSON.parse(text)
  } catch {
    throw new ConsoleApiError('internal', `${name}: the server answered ${response.status} without a result`)
  }
  const parsed = ApiResult.safeParse(body)
  if (!parsed.success) throw new ConsoleApiError('internal', `${name}: the server answered ${response.status} with a malformed result`)
  if (!parsed.data.ok) throw new ConsoleApiError(parsed.data.error.code, parsed.data.error.message)
  return parsed.data.result
}

/** The ConsoleApi over `POST /api/rpc/<name>`; works in Node and in the browser. */
export function createHttpRpc(options: HttpConsoleClientOptions): ConsoleApi {
  const headers = { 'Content-Type': 'application/json', ...authHeaders(options) }
  const call = (name: ProcedureName, input: unknown) =>
    postForResult(options, name, joinUrl(options.baseUrl, HTTP_RPC_PREFIX + name), { headers, body: input === undefined ? '' : JSON.stringify(input) })
  return Object.fromEntries(procedureNames.map((name) => [name, (input: unknown) => call(name, input)])) as ConsoleApi
}
