import type { NewVideo, Store, VideoPatch } from '../../core/ports'
import type { Video, VideoPage, VideoQueryParsed } from '../../shared/video'
import { FailureCause } from '../../shared/video-status'
import type { EmbeddedDb } from '../embedded/database'
import { embeddedClaims } from './embedded-claims'
import {
  CLAIM_COLUMNS,
  CLAIM_MIGRATION,
  CONSOLE_COLUMNS_MIGRATION,
  SORT_COLUMNS,
  VIDEO_COLUMNS,
  escapeLike,
  newVideoToRow,
  rowToVideo,
  videoPatchToRow,
  type VideoRow
} from './rows'
import { isUuid } from '../../shared/uuid'

const COLUMNS = VIDEO_COLUMNS.join(', ')
const JSONB_COLUMNS = new Set(['source', 'stage_ms'])

/**
 * The `videos` table in the embedded database. Closing it leaves the database open: the
 * database belongs to whoever opened it (one instance per process).
 */
export function createEmbeddedStore(db: EmbeddedDb): Store {
  async function one(sql: string, params: unknown[]): Promise<Video | null> {
    const res = await db.query<VideoRow>(sql, params)
    return res.rows[0] ? rowToVideo(res.rows[0]) : null
  }

  return {
    name: 'embedded (PGlite)',

    async init(): Promise<void> {
      const res = await db.query<{ column_name: string }>(
        `select column_name from information_schema.columns where table_schema = current_schema() and table_name = 'videos'`
      )
      const have = new Set(res.rows.map((r) => r.column_name))
      if (have.size === 0) throw new Error('The videos table is missing: apply supabase/migrations/*.sql')
      const missing = VIDEO_COLUMNS.filter((c) => !have.has(c))
      if (missing.length > 0) {
        throw new Error(`The videos table lacks column(s) ${missing.join(', ')}: apply ${CONSOLE_COLUMNS_MIGRATION}`)
      }
      const claimMissing = CLAIM_COLUMNS.filter((c) => !have.has(c))
      if (claimMissing.length > 0) throw new Error(`The videos table lacks column(s) ${claimMissing.join(', ')}: apply ${CLAIM_MIGRATION}`)
    },

    async ensureVideo(video: NewVideo): Promise<Video> {
      const row = newVideoToRow(video)
      // An existing row keeps its values; only a missing title or source is filled in.
      const saved = await one(
        `insert into videos (id, title, source, processing_status) values ($1, $2, $3::jsonb, $4)
         on conflict (id) do update set
           title = coalesce(videos.title, excluded.title),
           source = coalesce(videos.source, excluded.source)
         returning ${COLUMNS}`,
        [row.id, row.title, jsonParam(row.source), row.processing_status]
      )
      if (!saved) throw new Error(`Could not create or read video ${video.id}`)
      return saved
    },

    async createVideo(video: NewVideo): Promise<Video> {
      const row = newVideoToRow(video)
      const saved = await one(
        `insert into videos (id, title, source, processing_status) values ($1, $2, $3::jsonb, $4)
         on conflict (id) do nothing returning ${COLUMNS}`,
        [row.id, row.title, jsonParam(row.source), row.processing_status]
      )
      if (!saved) throw new Error(`Video ${video.id} already exists: use a new id (a UUID) or retry the existing video`)
      return saved
    },

    async update(id: string, patch: VideoPatch): Promise<Video> {
      const sets: string[] = ['updated_at = now()']
      const params: unknown[] = [id]
      for (const [column, value] of Object.entries(videoPatchToRow(patch))) {
        params.push(JSONB_COLUMNS.has(column) ? jsonParam(value) : value)
        sets.push(`${column} = $${params.length}${JSONB_COLUMNS.has(column) ? '::jsonb' : ''}`)
      }
      const saved = await one(`update videos set ${sets.join(', ')} where id = $1 returning ${COLUMNS}`, params)
      if (!saved) throw new Error(`Video ${id} not found: it cannot be updated`)
      return saved
    },

    async get(id: string): Promise<Video | null> {
      if (!isUuid(id)) return null
      return await one(`select ${COLUMNS} from videos where id = $1`, [id])
    },

    async list(query: VideoQueryParsed): Promise<VideoPage> {
      const { where, params } = listConditions(query)
      const whereSql = where.length > 0 ? `where ${where.join(' and ')}` : ''
      const total = await db.query<{ n: number }>(`select count(*)::int as n from videos ${whereSql}`, params)
      const dir = query.order === 'asc' ? 'asc' : 'desc'
      const items = await db.query<VideoRow>(
        `select ${COLUMNS} from videos ${whereSql}
         order by ${orderBy(query.sort, dir)}
         limit $${params.length + 1} offset $${params.length + 2}`,
        [...params, query.limit, query.offset]
      )
      return { items: items.rows.map(rowToVideo), total: total.rows[0]?.n ?? 0 }
    },

    ...embeddedClaims(db),

    async failureGroups(): Promise<{ cause: FailureCause; count: number; example: string | null }[]> {
      const res = await db.query<{ cause: string; n: number; example: string | null }>(
        `select coalesce(error_cause, 'other') as cause, count(*)::int as n,
                (array_agg(analysis_result order by updated_at desc))[1] as example
           from videos where processing_status = 'failed'
          group by coalesce(error_cause, 'other') order by n desc`
      )
      // Causes written by other programs that we do not know count as `other`, merged.
      const groups = new Map<FailureCause, { cause: FailureCause; count: number; example: string | null }>()
      for (const row of res.rows) {
        const parsed = FailureCause.safeParse(row.cause)
        const cause = parsed.success ? parsed.data : 'other'
        const group = groups.get(cause)
        if (group) group.count += row.n
        else groups.set(cause, { cause, count: row.n, example: row.example })
      }
      return [...groups.values()].sort((a, b) => b.count - a.count)
    },

    async close(): Promise<void> {}
  }
}

const KNOWN_CAUSES = FailureCause.options.filter((c) => c !== 'other')

/** The list filter of `VideoQuery` as SQL, the same rule as `matchesQuery` in src/shared/video-view.ts. */
export function listConditions(query: VideoQueryParsed): { where: string[]; params: unknown[] } {
  const where: string[] = []
  const params: unknown[] = []
  const param = (value: unknown) => {
    params.push(value)
    return `$${params.length}`
  }
  if (query.status && query.status.length > 0) where.push(`processing_status = any(${param(query.status)}::text[])`)
  if (query.display && query.display.length > 0) {
    const plain = query.display.filter((d) => d !== 'failed' && d !== 'cancelled')
    const terms = plain.length > 0 ? [`processing_status = any(${param(plain)}::text[])`] : []
    if (query.display.includes('failed')) terms.push(`(processing_status = 'failed' and error_cause is distinct from 'cancelled')`)
    if (query.display.includes('cancelled')) terms.push(`(processing_status = 'failed' and error_cause = 'cancelled')`)
    where.push(`(${terms.join(' or ')})`)
  }
  if (query.causes && query.causes.length > 0) {
    // A row without a cause, or with one this version does not know, counts as `other`.
    const other = query.causes.includes('other') ? ` or error_cause is null or error_cause <> all(${param(KNOWN_CAUSES)}::text[])` : ''
    where.push(`(processing_status = 'failed' and (error_cause = any(${param(query.causes)}::text[])${other}))`)
  }
  if (query.analyzer) where.push(`(processing_status = 'completed' and analysis_result like ${param(`%"engine":"${query.analyzer}"%`)})`)
  if (query.updatedSince) where.push(`updated_at >= ${param(query.updatedSince)}::timestamptz`)
  const search = query.search?.trim()
  if (search) {
    const needle = param(escapeLike(search.toLowerCase()))
    where.push(
      `(id::text like ${needle} || '%' or title ilike '%' || ${needle} || '%'
        or coalesce(source->>'path', source->>'url', source->>'key', '') ilike '%' || ${needle} || '%'
        or (processing_status = 'failed' and analysis_result ilike '%' || ${needle} || '%'))`
    )
  }
  return { where, params }
}

/**
 * Titles sort case-insensitively, as people read them (PGlite's collation is C), with
 * untitled rows last. The other keys are NOT NULL: a plain order lets the indexes serve it.
 */
function orderBy(sort: VideoQueryParsed['sort'], dir: 'asc' | 'desc'): string {
  if (sort === 'title') return `lower(title) ${dir} nulls last, id ${dir}`
  return `${SORT_COLUMNS[sort]} ${dir}, id ${dir}`
}

function jsonParam(value: unknown): string | null {
  return value === null || value === undefined ? null : JSON.stringify(value)
}
