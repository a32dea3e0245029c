/**
 * Building blocks for PostgREST filters the Supabase store sends: the console's search
 * (title substring or id prefix) as one `or=(...)` logic tree, safely quoted.
 */
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

/** `or` filter text (without the outer parentheses) for "title contains `search`, or the id starts with it". */
export function searchFilter(search: string): string {
  // `*` is PostgREST's wildcard in like/ilike; LIKE's own metacharacters are escaped to stay literal.
  const terms = [`title.ilike.${quoteLogicValue(`*${escapeLike(search)}*`)}`]
  const range = uuidPrefixRange(search)
  if (range) terms.push(`and(id.gte.${range.from},id.lte.${range.to})`)
  return terms.join(',')
}
