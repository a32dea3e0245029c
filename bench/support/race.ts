import type { RunResult } from './queue-run'
import { median } from './stats'

/**
 * Runs each group's contenders `repeats` times, rotating the order within the group on every
 * repeat (and from one group to the next), so neither side always goes first while the shared
 * machine warms up or drifts. Returns, per group and contender, its runs in the order made.
 */
export async function race(groups: (() => Promise<RunResult>)[][], repeats: number): Promise<RunResult[][][]> {
  const out = groups.map((group) => group.map(() => [] as RunResult[]))
  for (let r = 0; r < repeats; r++) {
    for (const [g, group] of groups.entries()) {
      for (const k of rotation(group.length, r + g)) out[g]?.[k]?.push(await group[k]!())
    }
  }
  return out
}

/** Indexes 0..n-1 starting at `shift` (mod n). */
export function rotation(n: number, shift: number): number[] {
  return Array.from({ length: n }, (_, i) => (i + shift) % n)
}

export interface Summary {
  label: string
  runs: RunResult[]
  /** Each figure's median over the runs, taken separately. */
  median: { perSecond: number; p95Ms: number; cpuMsPerMsg: number; store: number; journal: number }
}

export function summarise(runs: RunResult[]): Summary {
  const m = (pick: (r: RunResult) => number) => median(runs.map(pick))
  return {
    label: runs[0]?.label ?? 'no runs',
    runs,
    median: {
      perSecond: m((r) => r.perSecond),
      p95Ms: m((r) => r.p95Ms),
      cpuMsPerMsg: m((r) => r.cpuMsPerMsg),
      store: m((r) => r.storeStatementsPerMsg),
      journal: m((r) => r.journalStatementsPerMsg)
    }
  }
}
