/**
 * A PostgREST-compatible server over PGlite, for driving the real supabase-js against
 * 127.0.0.1: `/rest/v1/<table>` with the filters, `or` trees, `order`, `limit`/`offset`,
 * `Prefer` (return, count, resolution, missing) and `Accept` (single object) that
 * supabase-js sends; PostgREST's status codes, `Content-Range` and error bodies; the
 * gateway's `apikey` check. Faults (HTTP errors, dropped connections) can be queued.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import type { PGlite, Transaction } from '@electric-sql/pglite'
import type { Cond } from './fake-postgrest-parse'
import { condSql, ident, parseFilter, parseLogic, parseOrder, parseSelect, ParseError } from './fake-postgrest-parse'

export interface RecordedRequest {
  method: string
  table: string
  query: string
  prefer: string | null
}

export interface Fault {
  /** How many matching requests get it (default 1). */
  times?: number
  method?: string
  /** Answer with this status and PostgREST error body… */
  status?: number
  code?: string
  message?: string
  /** …or drop the connection without an answer (a network error for the client). */
  reset?: boolean
  /** With `reset`: run the request first, so it takes effect but its answer is lost. */
  afterCommit?: boolean
}

export interface FakePostgrest {
  /** Base URL for `createClient` (supabase-js appends `/rest/v1`). */
  url: string
  requests: RecordedRequest[]
  fail(fault: Fault): void
  /** Drops every queued fault. */
  clearFaults(): void
  close(): Promise<void>
}

type Body = { code: string; message: string; details: string | null; hint: string | null }
class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: Body
  ) {
    super(body.message)
  }
}

const pgError = (code: string, message: string, status: number, hint: string | null = null) =>
  new HttpError(status, { code, message, details: null, hint })

/** PostgREST's mapping of Postgres error classes to HTTP statuses. */
function statusOf(code: string): number {
  if (code === '23503' || code === '23505') return 409
  if (code === '42883' || code === '42P01' || code.startsWith('3D')) return 404
  if (code === '42501') return 403
  if (code.startsWith('08') || code.startsWith('53')) return 503
  if (code === 'P0001' || code.startsWith('22') || code.startsWith('23') || code.startsWith('42')) return 400
  return 500
}

export async function startFakePostgrest(db: PGlite, opts: { serviceKey: string }): Promise<FakePostgrest> {
  const requests: RecordedRequest[] = []
  const faults: (Fault & { left: number })[] = []

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => send(res, 500, { code: 'XX000', message: String(error), details: null, hint: null }))
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://localhost')
    const body = await readBody(req)
    const rpc = /^\/rest\/v1\/rpc\/([^/]+)$/.exec(url.pathname)
    const match = rpc ?? /^\/rest\/v1\/([^/]+)$/.exec(url.pathname)
    if (!match) return send(res, 404, { code: 'PGRST125', message: `Invalid path specified in request URL`, details: null, hint: null })
    const table = decodeURIComponent(match[1]!)
    const method = req.method ?? 'GET'
    requests.push({ method, table, query: url.search, prefer: header(req, 'prefer') ?? null })
    // The gateway (Kong) checks the apikey before PostgREST sees anything.
    const bearer = header(req, 'authorization')?.replace(/^Bearer /i, '')
    if (header(req, 'apikey') !== opts.serviceKey || (bearer !== undefined && bearer !== opts.serviceKey))
      return send(res, 401, { code: '', message: 'Invalid API key', details: null, hint: 'Double check your Supabase `anon` or `service_role` API key.' })
    const run = (tx: Transaction) =>
      rpc ? callFunction(tx, method, table, header(req, 'accept') ?? '', body) : execute(tx, method, table, url.searchParams, prefs(req), header(req, 'accept') ?? '', body)
    const fault = faults.find((f) => f.left > 0 && (!f.method || f.method === method))
    if (fault) {
      fault.left--
      if (fault.reset && fault.afterCommit) {
        await db.transaction((tx) => run(tx)).catch(() => undefined)
        return void req.socket.destroy()
      }
      if (fault.reset) return void req.socket.destroy()
      const status = fault.status ?? 503
      return send(res, status, { code: fault.code ?? '', message: fault.message ?? `injected ${status}`, details: null, hint: null })
    }
    try {
      const out = await db.transaction((tx) => run(tx))
      res.statusCode = out.status
      for (const [k, v] of Object.entries(out.headers)) res.setHeader(k, v)
      if (out.body !== null && method !== 'HEAD') res.setHeader('Content-Type', 'application/json; charset=utf-8')
      res.end(method === 'HEAD' ? undefined : (out.body ?? undefined))
    } catch (error) {
      if (error instanceof HttpError) return send(res, error.status, error.body)
      if (error instanceof ParseError) return send(res, 400, { code: 'PGRST100', message: error.message, details: null, hint: null })
      const e = error as { code?: string; message?: string; detail?: string; hint?: string }
      if (!e.code) throw error
      return send(res, statusOf(e.code), { code: e.code, message: e.message ?? '', details: e.detail ?? null, hint: e.hint ?? null })
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    fail: (fault) => void faults.push({ ...fault, left: fault.times ?? 1 }),
    clearFaults: () => void faults.splice(0),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }
}

interface Outcome {
  status: number
  headers: Record<string, string>
  body: string | null
}

async function execute(
  tx: Transaction,
  method: string,
  table: string,
  search: URLSearchParams,
  prefer: Map<string, string>,
  accept: string,
  raw: string
): Promise<Outcome> {
  const columns = await tableColumns(tx, table)
  const select = parseSelect(search.get('select'))
  for (const c of select === '*' ? [] : select)
    if (!columns.includes(c)) throw pgError('42703', `column ${table}.${c} does not exist`, 400)
  const selectSql = select === '*' ? '*' : select.map(ident).join(', ')
  const params: unknown[] = []
  const where = whereSql(search, params)
  const single = accept.startsWith('application/vnd.pgrst.object+json')
  const wantCount = prefer.get('count') !== undefined
  const t = ident(table)

  if (method === 'GET' || method === 'HEAD') {
    const order = parseOrder(search.get('order'))
      .map((o) => `${ident(o.column)} ${o.dir}${o.nulls ? ` nulls ${o.nulls}` : ''}`)
      .join(', ')
    const limit = search.get('limit')
    const offset = Number(search.get('offset') ?? 0)
    const sql = `select ${selectSql} from ${t} ${where}${order ? ` order by ${order}` : ''}${limit !== null ? ` limit ${Number(limit)}` : ''} offset ${offset}`
    const rows = await aggregate(tx, sql, params)
    const total = wantCount ? ((await tx.query<{ n: number }>(`select count(*)::int as n from ${t} ${where}`, params)).rows[0]?.n ?? 0) : null
    if (total !== null && offset > total)
      throw new HttpError(416, { code: 'PGRST103', message: 'Requested range not satisfiable', details: `An offset of ${offset} was requested, but there are only ${total} rows.`, hint: null })
    const range = rows.n > 0 ? `${offset}-${offset + rows.n - 1}/${total ?? '*'}` : `*/${total ?? '*'}`
    if (single) return singleOutcome(rows, 200, { 'Content-Range': range })
    const partial = total !== null && rows.n < total
    return { status: partial ? 206 : 200, headers: { 'Content-Range': range }, body: rows.body }
  }

  const representation = prefer.get('return') === 'representation'
  let sql: string
  if (method === 'POST' || method === 'PATCH') {
    const payload = JSON.parse(raw || 'null') as unknown
    const objects = method === 'POST' ? (Array.isArray(payload) ? payload : [payload]) : [payload]
    const keys = [...new Set(objects.flatMap((o) => (o && typeof o === 'object' ? Object.keys(o) : [])))]
    for (const k of keys)
      if (!columns.includes(k)) throw pgError('PGRST204', `Could not find the '${k}' column of '${table}' in the schema cache`, 400)
    params.push(JSON.stringify(method === 'POST' ? objects : payload))
    const p = `$${params.length}::json`
    const cols = keys.map(ident).join(', ')
    if (method === 'POST') {
      const conflict = search.get('on_conflict')?.split(',').map(ident).join(', ') ?? (await primaryKey(tx, table))
      const resolution = prefer.get('resolution')
      const onConflict =
        resolution === 'merge-duplicates'
          ? ` on conflict (${conflict}) do update set ${keys.map((k) => `${ident(k)} = excluded.${ident(k)}`).join(', ')}`
          : resolution === 'ignore-duplicates'
            ? ` on conflict (${conflict}) do nothing`
            : ''
      sql = `insert into ${t} (${cols}) select ${cols} from json_populate_recordset(null::${t}, ${p})${onConflict} returning ${selectSql}`
    } else {
      if (keys.length === 0) return { status: 204, headers: {}, body: null }
      sql = `update ${t} set (${cols}) = (select ${cols} from json_populate_record(null::${t}, ${p})) ${where} returning ${selectSql}`
    }
  } else if (method === 'DELETE') {
    sql = `delete from ${t} ${where} returning ${selectSql}`
  } else {
    throw pgError('PGRST117', `Unsupported HTTP method: ${method}`, 405)
  }
  const rows = await aggregate(tx, sql, params, true)
  const headers = { 'Content-Range': wantCount ? `*/${rows.n}` : rows.n > 0 ? `0-${rows.n - 1}/*` : '*/*' }
  const okStatus = method === 'POST' ? 201 : representation ? 200 : 204
  if (single) {
    // PostgREST rolls the write back when a single object was asked for and not exactly one row was hit.
    if (rows.n !== 1) throw singleError(rows.n)
    if (!representation) return { status: okStatus, headers, body: null }
  }
  if (!representation) return { status: okStatus, headers, body: null }
  return single ? singleOutcome(rows, okStatus, headers) : { status: okStatus, headers, body: rows.body }
}

/**
 * `POST /rest/v1/rpc/<fn>` as PostgREST runs it: the JSON body's keys are the function's named
 * arguments; a set-returning function answers with an array of rows (one object with the
 * single-object `Accept`); an unknown function or argument list is PGRST202 (404).
 */
async function callFunction(tx: Transaction, method: string, fn: string, accept: string, raw: string): Promise<Outcome> {
  if (method !== 'POST') throw pgError('PGRST117', `Unsupported HTTP method: ${method}`, 405)
  const args = JSON.parse(raw || '{}') as Record<string, unknown>
  const params = Object.values(args).map((v) => (v !== null && typeof v === 'object' ? JSON.stringify(v) : v))
  const named = Object.keys(args).map((k, i) => `${ident(k)} => $${i + 1}`)
  const found = await tx.query<{ n: number }>(`select count(*)::int as n from pg_proc where proname = $1`, [fn])
  if ((found.rows[0]?.n ?? 0) === 0)
    throw new HttpError(404, { code: 'PGRST202', message: `Could not find the function public.${fn}(${Object.keys(args).join(', ')}) in the schema cache`, details: null, hint: null })
  const rows = await aggregate(tx, `select * from ${ident(fn)}(${named.join(', ')})`, params)
  if (accept.startsWith('application/vnd.pgrst.object+json')) return singleOutcome(rows, 200, {})
  return { status: 200, headers: {}, body: rows.body }
}

function whereSql(search: URLSearchParams, params: unknown[]): string {
  const conds: Cond[] = []
  for (const [key, value] of search) {
    if (['select', 'order', 'limit', 'offset', 'on_conflict', 'columns'].includes(key)) continue
    const logic = /^(not\.)?(and|or)$/.exec(key)
    conds.push(logic ? parseLogic(logic[2] as 'and' | 'or', !!logic[1], value) : parseFilter(key, value))
  }
  return conds.length ? `where ${conds.map((c) => condSql(c, params)).join(' and ')}` : ''
}

async function aggregate(tx: Transaction, sql: string, params: unknown[], write = false): Promise<{ body: string; n: number }> {
  const wrapped = write
    ? `with _w as (${sql}) select coalesce(json_agg(_w), '[]')::text as body, count(*)::int as n from _w`
    : `select coalesce(json_agg(_r), '[]')::text as body, count(*)::int as n from (${sql}) _r`
  const res = await tx.query<{ body: string; n: number }>(wrapped, params)
  return res.rows[0] ?? { body: '[]', n: 0 }
}

function singleError(n: number): HttpError {
  return new HttpError(406, {
    code: 'PGRST116',
    message: 'JSON object requested, multiple (or no) rows returned',
    details: `The result contains ${n} rows`,
    hint: null
  })
}

function singleOutcome(rows: { body: string; n: number }, status: number, headers: Record<string, string>): Outcome {
  if (rows.n !== 1) throw singleError(rows.n)
  const [row] = JSON.parse(rows.body) as unknown[]
  return { status, headers, body: JSON.stringify(row) }
}

async function tableColumns(tx: Transaction, table: string): Promise<string[]> {
  const res = await tx.query<{ column_name: string }>(
    `select column_name from information_schema.columns where table_schema = 'public' and table_name = $1 order by ordinal_position`,
    [table]
  )
  if (res.rows.length === 0)
    throw new HttpError(404, { code: 'PGRST205', message: `Could not find the table 'public.${table}' in the schema cache`, details: null, hint: null })
  return res.rows.map((r) => r.column_name)
}

async function primaryKey(tx: Transaction, table: string): Promise<string> {
  const res = await tx.query<{ attname: string }>(
    `select a.attname from pg_index i join pg_attribute a on a.attrelid = i.indrelid and a.attnum = any(i.indkey)
      where i.indrelid = $1::regclass and i.indisprimary`,
    [table]
  )
  return res.rows.map((r) => ident(r.attname)).join(', ')
}

function prefs(req: IncomingMessage): Map<string, string> {
  const out = new Map<string, string>()
  for (const part of (header(req, 'prefer') ?? '').split(',')) {
    const [k, v] = part.trim().split('=')
    if (k) out.set(k, v ?? '')
  }
  return out
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name]
  return Array.isArray(v) ? v.join(',') : v
}

function send(res: ServerResponse, status: number, body: Body): void {
  res.statusCode = status
  res.setHeader('Content-Type', 'application/json; charset=utf-8')
  res.end(JSON.stringify(body))
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = []
  for await (const chunk of req) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString('utf8')
}
