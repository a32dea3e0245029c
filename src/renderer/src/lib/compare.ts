import { diffWords } from 'diff'
import { formatCost, type Analysis } from '../../../shared/analysis'
import { formatClock } from '../../../shared/clock-time'

/** A piece of text in a side-by-side diff: kept, only in the left run, or only in the right one. */
export interface Piece {
  text: string
  kind: 'same' | 'removed' | 'added'
}

/** Word-level differences of two texts, as pieces for each side. */
export function textDiff(left: string, right: string): { left: Piece[]; right: Piece[]; changed: boolean } {
  const parts = diffWords(left, right)
  const l: Piece[] = []
  const r: Piece[] = []
  for (const part of parts) {
    if (part.added) r.push({ text: part.value, kind: 'added' })
    else if (part.removed) l.push({ text: part.value, kind: 'removed' })
    else {
      l.push({ text: part.value, kind: 'same' })
      r.push({ text: part.value, kind: 'same' })
    }
  }
  return { left: l, right: r, changed: parts.some((p) => p.added || p.removed) }
}

/** Items of two lists, each marked as in both, only left or only right (compared by `key`). */
export function listDiff<T>(left: readonly T[], right: readonly T[], key: (item: T) => string): { left: { item: T; kind: Piece['kind'] }[]; right: { item: T; kind: Piece['kind'] }[]; changed: boolean } {
  const inRight = new Set(right.map(key))
  const inLeft = new Set(left.map(key))
  const l = left.map((item) => ({ item, kind: (inRight.has(key(item)) ? 'same' : 'removed') as Piece['kind'] }))
  const r = right.map((item) => ({ item, kind: (inLeft.has(key(item)) ? 'same' : 'added') as Piece['kind'] }))
  return { left: l, right: r, changed: l.some((x) => x.kind !== 'same') || r.some((x) => x.kind !== 'same') }
}

/** The facts of a run compared as a table: one row per fact, flagged when the two differ. */
export function factRows(a: Analysis, b: Analysis): { label: string; left: string; right: string; changed: boolean }[] {
  const facts = (x: Analysis): Record<string, string> => ({
    engine: x.provenance.engine,
    model: x.provenance.model,
    transcript: x.provenance.transcriptSource,
    warnings: x.provenance.warnings.join('; ') || '—',
    'prompt tokens': x.usage ? String(x.usage.promptTokens) : '—',
    'output tokens': x.usage ? String(x.usage.outputTokens) : '—',
    'total tokens': x.usage ? String(x.usage.totalTokens) : '—',
    cost: x.usage?.costUsd != null ? formatCost(x.usage.costUsd, x.usage.pricedBy) : '—',
    duration: x.metadata?.durationSeconds != null ? formatClock(x.metadata.durationSeconds) : '—',
    topics: String(x.topics.length),
    questions: String(x.quiz.length),
    chapters: String(x.chapters?.length ?? 0)
  })
  const fa = facts(a)
  const fb = facts(b)
  return Object.keys(fa).map((label) => ({ label, left: fa[label] ?? '', right: fb[label] ?? '', changed: fa[label] !== fb[label] }))
}

export const chapterKey = (c: { start: number; title: string }) => `${formatClock(c.start)} ${c.title}`
