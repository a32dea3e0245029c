import type { SupabaseClient } from '@supabase/supabase-js'
import { JobError } from '../../core/errors'
import type { Logger, NewVideo, Store, VideoPatch } from '../../core/ports'
import type { Video, VideoPage, VideoQueryParsed } from '../../shared/video'
import { FailureCause } from '../../shared/video-status'
import { CLAIM_COLUMNS, CLAIM_MIGRATION, CONSOLE_COLUMNS_MIGRATION, SEED_COLUMNS, SORT_COLUMNS, VIDEO_COLUMNS, newVideoToRow, rowToVideo, videoPatchToRow, type VideoRow } from './rows'
import { createSupabaseClient } from './supabase-client'
import { supabaseClaims } from './supabase-claims'
import { listFilterTrees } from './supabase-query'
import type { PostgrestAnswer, SupabaseBackoff } from './supabase-retry'
import { runQuery, SupabaseError } from './supabase-retry'
import { isUuid } from '../../shared/uuid'
import { createLogger } from '../../shared/logger'

/** Options the composition root fills from `NEXT_PUBLIC_SUPABASE_URL` and `SUPABASE_SERVICE_ROLE_KEY`. */
export interface SupabaseStoreOptions {
  url: string
  serviceRoleKey: string
  /** Table of record; default `videos`. */
  table?: string
  logger?: Logger
  backoff?: SupabaseBackoff
  /** Per-request timeout in ms (default 30 s). */
  timeoutMs?: number
}

const COLUMNS = VIDEO_COLUMNS.join(',')
const SEED_MIGRATION = 'supabase/migrations/20261126000001_videos.sql'

/** The `videos` table on Supabase (PostgREST), with the service-role key. Rows are made upstream or by `enqueue`. */
export function createSupabaseStore(opts: SupabaseStoreOptions): Store {
  const table = opts.table ?? 'videos'
  const logger = opts.logger ?? createLogger({ level: 'warn' })
  const client: SupabaseClient = createSupabaseClient(opts.url, opts.serviceRoleKey, opts.timeoutMs ?? 30_000)
  const from = () => client.from(table)
  const run = <T>(what: string, request: () => PromiseLike<PostgrestAnswer<T>>) => runQuery(what, request, opts.backoff ?? {}, logger)
  const host = safeHost(opts.url)

  async function getRow(id: string): Promise<Video | null> {
    if (!isUuid(id)) return null
    const res = await run(`read of video ${id}`, () => from().select(COLUMNS).eq('id', id).retry(false).maybeSingle<VideoRow>())
    return res.data ? rowToVideo(res.data) : null
  }

  async function patchRow(id: string, row: Record<string, unknown>): Promise<Video | null> {
    const res = await run(`update of video ${id}`, () =>
      from().update(row).eq('id', id).select(COLUMNS).retry(false).maybeSingle<VideoRow>()
    )
    return res.data ? rowToVideo(res.data) : null
  }

  return {
    name: `supabase (${host})`,

    async init(): Promise<void> {
      try {
        await run('schema check', () => from().select(`${COLUMNS},${CLAIM_COLUMNS.join(',')}`).limit(1).retry(false))
      } catch (error) {
        if (!(error instanceof SupabaseError)) throw error
        if (error.status === 401 || error.status === 403)
          throw new Error(`Supabase at ${host} refused the key (HTTP ${error.status}): check SUPABASE_SERVICE_ROLE_KEY (the service_role key)`, { cause: error })
        if (error.code === 'PGRST205' || error.code === '42P01')
          throw new Error(`The ${table} table does not exist on ${host}: apply ${SEED_MIGRATION} and ${CONSOLE_COLUMNS_MIGRATION}`, { cause: error })
        if (error.code !== '42703') throw error
        const missing = await missingColumns()
        if (missing.length > 0 && missing.every((c) => (CLAIM_COLUMNS as readonly string[]).includes(c)))
          throw new Error(`The ${table} table on ${host} lacks column(s) ${missing.join(', ')}: apply ${CLAIM_MIGRATION} (Supabase SQL editor or \`supabase db push\`)`, { cause: error })
        const seedMissing = missing.some((c) => SEED_COLUMNS.includes(c))
        throw new Error(
          `The ${table} table on ${host} lacks column(s) ${missing.join(', ') || '(unknown)'}: apply ${seedMissing ? `${SEED_MIGRATION} and ` : ''}${CONSOLE_COLUMNS_MIGRATION} (Supabase SQL editor or \`supabase db push\`)`,
          { cause: error }
        )
      }
    },

    async ensureVideo(video: NewVideo): Promise<Video> {
      let found = await getRow(video.id)
      if (!found && video.createIfMissing) {
        // Insert or leave alone: two workers may take two deliveries of one notification at once.
        await run(`insert of video ${video.id}`, () => from().upsert(newVideoToRow(video), { onConflict: 'id', ignoreDuplicates: true }).retry(false))
        found = await getRow(video.id)
      }
      if (!found)
        throw new JobError(`video ${video.id} has no row in the Supabase ${table} table: create the row before sending its message (or enqueue it with video-processor enqueue)`, {
          failure: 'bad-message',
          retryable: false,
          detail: { videoId: video.id }
        })
      // Like the embedded store: only a missing title or source is filled in.
      const fill: Record<string, unknown> = {}
      if (found.title === null && video.title !== null) fill['title'] = video.title
      if (found.source === null && video.source !== null) fill['source'] = video.source
      if (Object.keys(fill).length === 0) return found
      return (await patchRow(video.id, fill)) ?? found
    },

    async createVideo(video: NewVideo): Promise<Video> {
      let attempts = 0
      try {
        const res = await run(`insert of video ${video.id}`, () => {
          attempts++
          return from().insert(newVideoToRow(video)).select(COLUMNS).retry(false).single<VideoRow>()
        })
        return rowToVideo(res.data!)
      } catch (error) {
        if (error instanceof SupabaseError && error.code === '23505') {
          // A retried insert whose first try landed (the answer was lost) finds its own row.
          const own = attempts > 1 ? await getRow(video.id) : null
          if (own && own.processingStatus === 'queued' && own.attempts === 0) return own
          throw new Error(`Video ${video.id} already exists: use a new id (a UUID) or retry the existing video`, { cause: error })
        }
        throw error
      }
    },

    async update(id: string, patch: VideoPatch): Promise<Video> {
      const saved = isUuid(id) ? await patchRow(id, { ...videoPatchToRow(patch), updated_at: new Date().toISOString() }) : null
      if (!saved) throw new Error(`Video ${id} not found: it cannot be updated`)
      return saved
    },

    get: getRow,

    async list(query: VideoQueryParsed): Promise<VideoPage> {
      const filtered = (columns: string, head: boolean) => {
        let q = from().select(columns, { count: 'exact', head })
        if (query.status && query.status.length > 0) q = q.in('processing_status', query.status)
        for (const tree of listFilterTrees(query)) q = q.or(tree)
        if (query.updatedSince) q = q.gte('updated_at', new Date(query.updatedSince).toISOString())
        return q
      }
      const ascending = query.order === 'asc'
      const res = await run('list of videos', () =>
        filtered(COLUMNS, false)
          .order(SORT_COLUMNS[query.sort], { ascending, nullsFirst: false })
          .order('id', { ascending })
          .range(query.offset, query.offset + query.limit - 1)
          .retry(false)
      ).catch(async (error: unknown) => {
        // PostgREST answers 416 for an offset past the end: an empty page, with the total counted apart.
        if (!(error instanceof SupabaseError) || error.code !== 'PGRST103') throw error
        const head = await run('count of videos', () => filtered('id', true).retry(false))
        return { data: [], error: null, count: head.count ?? 0, status: 200 }
      })
      const rows = (res.data ?? []) as unknown as VideoRow[]
      return { items: rows.map(rowToVideo), total: res.count ?? rows.length }
    },

    ...supabaseClaims(client, table, run),

    async failureGroups(): Promise<{ cause: FailureCause; count: number; example: string | null }[]> {
      // PostgREST has no GROUP BY (aggregates are off on Supabase): one small count per cause.
      const known = FailureCause.options.filter((c) => c !== 'other')
      const groups = await Promise.all(
        FailureCause.options.map(async (cause) => {
          const res = await run(`failures (${cause})`, () => {
            const base = from().select('analysis_result', { count: 'exact' }).eq('processing_status', 'failed')
            // Unknown causes written by other programs, and none at all, count as `other`.
            const q = cause === 'other' ? base.or(`error_cause.is.null,error_cause.not.in.(${known.join(',')})`) : base.eq('error_cause', cause)
            return q.order('updated_at', { ascending: false }).limit(1).retry(false)
          })
          const first = (res.data as { analysis_result: string | null }[] | null)?.[0]
          return { cause, count: res.count ?? 0, example: first?.analysis_result ?? null }
        })
      )
      return groups.filter((g) => g.count > 0).sort((a, b) => b.count - a.count)
    },

    async close(): Promise<void> {
      await client.removeAllChannels().catch(() => undefined)
    }
  }

  async function missingColumns(): Promise<string[]> {
    const checks = await Promise.all(
      [...VIDEO_COLUMNS, ...CLAIM_COLUMNS].map(async (column) => {
        const res = await from().select(column).limit(1).retry(false)
        return res.error?.code === '42703' ? column : null
      })
    )
    return checks.filter((c) => c !== null)
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host
  } catch {
    return '(invalid URL)'
  }
}
