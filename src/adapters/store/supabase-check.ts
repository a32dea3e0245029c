import type { CheckResult } from '../../shared/settings'
import { CONSOLE_COLUMNS_MIGRATION, SEED_COLUMNS, VIDEO_COLUMNS } from './rows'
import { createSupabaseClient } from './supabase-client'

export interface SupabaseCheckOptions {
  url: string
  serviceRoleKey: string
  table?: string
  timeoutMs?: number
}

const SEED_MIGRATION = 'supabase/migrations/20261126000001_videos.sql'

/** The role a Supabase key grants, read from its JWT claims (never shown), or from the new key prefixes. */
export function keyRole(key: string): string | null {
  if (key.startsWith('sb_secret_')) return 'service_role'
  if (key.startsWith('sb_publishable_')) return 'anon'
  const payload = key.split('.')[1]
  if (!payload) return null
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { role?: unknown }
    return typeof claims.role === 'string' ? claims.role : null
  } catch {
    return null
  }
}

/**
 * The `videos` table answers with every column the worker needs, through the service role:
 * a missing table or column names the migration to apply, a refused or anon key says so.
 */
export async function checkSupabase(opts: SupabaseCheckOptions): Promise<CheckResult> {
  const table = opts.table ?? 'videos'
  const host = URL.canParse(opts.url) ? new URL(opts.url).host : opts.url
  const fail = (message: string): CheckResult => ({ backend: 'supabase', status: 'failed', message, details: [] })
  const role = keyRole(opts.serviceRoleKey)
  if (role === 'anon' || role === 'authenticated')
    return fail(`SUPABASE_SERVICE_ROLE_KEY holds the ${role === 'anon' ? 'anon (public)' : 'authenticated'} key, which row-level security limits: use the service_role key (Project Settings → API).`)
  const client = createSupabaseClient(opts.url, opts.serviceRoleKey, opts.timeoutMs ?? 10_000)
  const from = () => client.from(table)
  const res = await from().select(VIDEO_COLUMNS.join(','), { count: 'exact' }).limit(1).retry(false)
  if (!res.error) {
    const rows = res.count ?? 0
    return {
      backend: 'supabase',
      status: 'ok',
      message: `The ${table} table on ${host} has every column the worker needs (${rows} row${rows === 1 ? '' : 's'}).`,
      details: [
        { label: 'project', value: host },
        { label: 'table', value: table },
        { label: 'rows', value: String(rows) },
        { label: 'key role', value: role ?? 'not readable from the key' }
      ]
    }
  }
  const { code = '', message = '' } = res.error
  const status = res.status
  if (status === 0) return fail(`Cannot reach Supabase at ${host}: check NEXT_PUBLIC_SUPABASE_URL (the project URL, https://<ref>.supabase.co) and the network.`)
  if (status === 401) return fail(`Supabase at ${host} refused SUPABASE_SERVICE_ROLE_KEY: copy the service_role key of this project (Project Settings → API) again.`)
  if (code === '42501' || status === 403)
    return fail(`The key may not read the ${table} table (permission denied): use the service_role key, which bypasses row-level security, or grant its role access to the table.`)
  if (code === 'PGRST205' || code === '42P01') return fail(`The ${table} table does not exist on ${host}: apply ${SEED_MIGRATION} and ${CONSOLE_COLUMNS_MIGRATION}.`)
  if (code === '42703') {
    const missing = await missingColumns(() => from())
    const seed = missing.some((c) => SEED_COLUMNS.includes(c))
    return fail(
      `The ${table} table on ${host} lacks ${missing.join(', ') || 'some columns'}: apply ${seed ? `${SEED_MIGRATION} and ` : ''}${CONSOLE_COLUMNS_MIGRATION} (SQL editor or supabase db push).`
    )
  }
  if (status === 404 || code === 'PGRST125') return fail(`${host} does not answer like a Supabase project (HTTP ${status}): set NEXT_PUBLIC_SUPABASE_URL to the project URL, https://<ref>.supabase.co.`)
  if (status >= 500) return fail(`Supabase at ${host} is failing right now (HTTP ${status}): try the check again in a minute.`)
  return fail(`Supabase at ${host} refused the check (HTTP ${status}${code ? `, ${code}` : ''}): ${message.split('\n')[0]?.slice(0, 200) ?? ''}`)
}

async function missingColumns(from: () => { select(c: string): { limit(n: number): { retry(on: boolean): PromiseLike<{ error: { code?: string } | null }> } } }): Promise<string[]> {
  const checks = await Promise.all(
    VIDEO_COLUMNS.map(async (column) => {
      const res = await from().select(column).limit(1).retry(false)
      return res.error?.code === '42703' ? column : null
    })
  )
  return checks.filter((c): c is (typeof VIDEO_COLUMNS)[number] => c !== null)
}
