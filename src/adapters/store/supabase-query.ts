/**
 * Building blocks for PostgREST filters the Supabase store sends: the console's search
 * (title substring or id prefix) as one `or=(...)` logic tree, safely quoted.
 */
import type { VideoQueryParsed } from '../../shared/video'
import { FailureCause } from '../../shared/video-status'
import { escapeLike } from './rows'

/**
 * A quoted value inside a PostgREST logic tree: `"` and `\` are escaped with `\`
 * (PostgREST's `pQuotedValue`), so commas, dots and parentheses are plain text.
 */
export function quoteLogicValue(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`
}

/**
 * The uuid range holding every id that starts with `prefix` (hex digits, hyphens optional),
 * or null when the text cannot start a uuid. PostgREST cannot LIKE a uuid column, but it can
 * compare it, and uuids order by their hex digits.
 */
export function uuidPrefixRange(prefix: string): { from: string; to: string } | null {
  const hex = prefix.toLowerCase().replace(/-/g, '')
  if (hex.length === 0 || hex.length > 32 || !/^[0-9a-f]+$/.test(hex)) return null
  const shape = (h: string) => `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`
  return { from: shape(hex.padEnd(32, '0')), to: shape(hex.padEnd(32, 'f')) }
}

/**
 * `or` filter text (without the outer parentheses) for the console's search: the id starts with
 * it, or the title, the source's path, URL or key, or a failed video's error text contains it.
 */
export function searchFilter(search: string): string {
  // `*` is PostgREST's wildcard in like/ilike; LIKE's own metacharacters are escaped to stay literal.
  const pattern = quoteLogicValue(`*${escapeLike(search)}*`)
  const terms = [
    `title.ilike.${pattern}`,
    `source->>path.ilike.${pattern}`,
    `source->>url.ilike.${pattern}`,
    `source->>key.ilike.${pattern}`,
    `and(processing_status.eq.failed,analysis_result.ilike.${pattern})`
  ]
  const range = uuidPrefixRange(search)
  if (range) terms.push(`and(id.gte.${range.from},id.lte.${range.to})`)
  return terms.join(',')
}

const KNOWN_CAUSES = FailureCause.options.filter((c) => c !== 'other')
const NOT_CANCELLED = 'or(error_cause.is.null,error_cause.neq.cancelled)'

/**
 * The list filter of `VideoQuery` (but `status` and `updatedSince`, plain filters) as `or` logic
 * trees, each ANDed with the others: the same rule as the embedded store's SQL.
 */
export function listFilterTrees(query: VideoQueryParsed): string[] {
  const trees: string[] = []
  if (query.display && query.display.length > 0) {
    const plain = query.display.filter((d) => d !== 'failed' && d !== 'cancelled')
    const terms = plain.length > 0 ? [`processing_status.in.(${plain.join(',')})`] : []
    if (query.display.includes('failed')) terms.push(`and(processing_status.eq.failed,${NOT_CANCELLED})`)
    if (query.display.includes('cancelled')) terms.push('and(processing_status.eq.failed,error_cause.eq.cancelled)')
    trees.push(terms.join(','))
  }
  if (query.causes && query.causes.length > 0) {
    const terms = [`error_cause.in.(${query.causes.join(',')})`]
    if (query.causes.includes('other')) terms.push('error_cause.is.null', `error_cause.not.in.(${KNOWN_CAUSES.join(',')})`)
    trees.push(`and(processing_status.eq.failed,or(${terms.join(',')}))`)
  }
  if (query.analyzer) trees.push(`and(processing_status.eq.completed,analysis_result.like.${quoteLogicValue(`*"engine":"${query.analyzer}"*`)})`)
  const search = query.search?.trim()
  if (search) trees.push(searchFilter(search))
  return trees
}
