/**
 * PostgREST's query-string grammar, as far as supabase-js uses it: horizontal filters
 * (`col=op.value`, `not.`), logic trees (`or=(a.eq.1,and(b.gt.2,c.is.null))`) with
 * PostgREST's quoting rules, `select`, `order`. Turned into parameterised SQL.
 */

export type Cond =
  | { kind: 'filter'; column: string; negate: boolean; op: string; value: string | string[] }
  | { kind: 'logic'; negate: boolean; op: 'and' | 'or'; children: Cond[] }

/** A request the grammar rejects: PostgREST answers 400 PGRST100. */
export class ParseError extends Error {}

const OPS: Record<string, string> = {
  eq: '=',
  neq: '<>',
  gt: '>',
  gte: '>=',
  lt: '<',
  lte: '<=',
  like: 'like',
  ilike: 'ilike',
  match: '~',
  imatch: '~*'
}

class Cursor {
  pos = 0
  constructor(readonly text: string) {}
  rest(): string {
    return this.text.slice(this.pos)
  }
  eat(s: string): boolean {
    if (!this.text.startsWith(s, this.pos)) return false
    this.pos += s.length
    return true
  }
  expect(s: string): void {
    if (!this.eat(s)) throw new ParseError(`"failed to parse logic tree (${this.text})" (line 1, column ${this.pos + 1})`)
  }
  until(stop: string): string {
    const start = this.pos
    while (this.pos < this.text.length && !stop.includes(this.text[this.pos]!)) this.pos++
    return this.text.slice(start, this.pos)
  }
  /** `"..."` where `\x` stands for x (PostgREST's pQuotedValue). */
  quoted(): string | null {
    if (this.text[this.pos] !== '"') return null
    let out = ''
    let i = this.pos + 1
    for (; i < this.text.length && this.text[i] !== '"'; i++) {
      if (this.text[i] === '\\' && i + 1 < this.text.length) i++
      out += this.text[i]
    }
    if (i >= this.text.length) return null
    const after = this.text[i + 1]
    if (after !== undefined && after !== ',' && after !== ')') return null
    this.pos = i + 1
    return out
  }
}

function listValue(c: Cursor): string[] {
  c.expect('(')
  const items: string[] = []
  for (;;) {
    items.push(c.quoted() ?? c.until(',)'))
    if (c.eat(')')) return items
    c.expect(',')
  }
}

function opExpr(c: Cursor, inLogic: boolean): { negate: boolean; op: string; value: string | string[] } {
  const negate = c.eat('not.')
  if (c.eat('in.')) return { negate, op: 'in', value: listValue(c) }
  const op = c.until('.')
  if (!c.eat('.')) throw new ParseError(`"failed to parse filter (${c.text})" (line 1, column ${c.pos + 1})`)
  if (op !== 'is' && !OPS[op]) throw new ParseError(`unknown single value operator ${op}`)
  if (!inLogic) return { negate, op, value: c.rest() }
  const quoted = c.quoted()
  if (quoted !== null) return { negate, op, value: quoted }
  if (c.text[c.pos] === '{') return { negate, op, value: c.until('}') + (c.eat('}') ? '}' : '') }
  return { negate, op, value: c.until(',)') }
}

function tree(c: Cursor): Cond {
  const save = c.pos
  const negate = c.eat('not.')
  for (const op of ['and', 'or'] as const) {
    if (c.eat(`${op}(`)) {
      const children: Cond[] = [tree(c)]
      while (c.eat(',')) children.push(tree(c))
      c.expect(')')
      return { kind: 'logic', negate, op, children }
    }
  }
  c.pos = save
  const column = c.until('.')
  c.expect('.')
  return { kind: 'filter', column, ...opExpr(c, true) }
}

/** `or`/`and` parameter value (`(a.eq.1,b.eq.2)`) into a logic condition. */
export function parseLogic(op: 'and' | 'or', negate: boolean, value: string): Cond {
  const c = new Cursor(`${op}${value}`)
  const cond = tree(c)
  if (c.pos !== c.text.length) throw new ParseError(`"failed to parse logic tree (${value})" (line 1, column ${c.pos + 1})`)
  return { ...cond, negate } as Cond
}

export function parseFilter(column: string, value: string): Cond {
  return { kind: 'filter', column, ...opExpr(new Cursor(value), false) }
}

export function parseSelect(value: string | null): string[] | '*' {
  if (value === null || value.trim() === '*') return '*'
  return value.split(',').map((s) => s.trim()).filter((s) => s.length > 0)
}

export function parseOrder(value: string | null): { column: string; dir: 'asc' | 'desc'; nulls: 'first' | 'last' | null }[] {
  if (!value) return []
  return value.split(',').map((term) => {
    const [column, ...mods] = term.split('.')
    if (!column) throw new ParseError(`"failed to parse order (${value})"`)
    let dir: 'asc' | 'desc' = 'asc'
    let nulls: 'first' | 'last' | null = null
    for (const m of mods) {
      if (m === 'asc' || m === 'desc') dir = m
      else if (m === 'nullsfirst') nulls = 'first'
      else if (m === 'nullslast') nulls = 'last'
      else throw new ParseError(`"failed to parse order (${value})" unexpected "${m}"`)
    }
    return { column, dir, nulls }
  })
}

export const ident = (name: string): string => `"${name.replace(/"/g, '""')}"`

/** SQL for a condition; values become `$n` parameters (untyped, so Postgres infers the column's type). */
export function condSql(cond: Cond, params: unknown[]): string {
  const sql = cond.kind === 'logic' ? `(${cond.children.map((ch) => condSql(ch, params)).join(cond.op === 'and' ? ' and ' : ' or ')})` : filterSql(cond, params)
  return cond.negate ? `not ${sql}` : sql
}

/** A column, or a JSON path into one as PostgREST writes it (`source->>path`, `data->a->>b`). */
function columnSql(name: string): string {
  const [column = '', ...path] = name.split(/(->>?)/)
  let sql = ident(column)
  for (let i = 0; i + 1 < path.length; i += 2) sql += `${path[i]}'${(path[i + 1] ?? '').replace(/'/g, "''")}'`
  return sql
}

function filterSql(f: Extract<Cond, { kind: 'filter' }>, params: unknown[]): string {
  const col = columnSql(f.column)
  if (f.op === 'in') {
    const list = f.value as string[]
    if (list.length === 0) return 'false'
    return `${col} in (${list.map((v) => (params.push(v), `$${params.length}`)).join(', ')})`
  }
  const value = f.value as string
  if (f.op === 'is') {
    const v = value.toLowerCase()
    if (!['null', 'true', 'false', 'unknown'].includes(v)) throw new ParseError(`"failed to parse filter (is.${value})"`)
    return `${col} is ${v}`
  }
  const isLike = f.op === 'like' || f.op === 'ilike'
  params.push(isLike ? value.replace(/\*/g, '%') : value)
  return `${col} ${OPS[f.op]} $${params.length}`
}
