import { AnalysisRun } from '../shared/debugging'
import type { JournalEntry } from '../shared/video'

/** The journal line type that keeps one run's analysis. */
export const ANALYSIS_LINE = 'analysis'

/** Every analysis the journal kept for a video, oldest first; a line that no longer validates is left out. */
export function analysisRuns(journal: readonly JournalEntry[]): AnalysisRun[] {
  const runs: AnalysisRun[] = []
  for (const entry of journal) {
    if (entry.type !== ANALYSIS_LINE) continue
    const run = AnalysisRun.safeParse({ attempt: entry.attempt, at: entry.at, analysis: entry.data?.['analysis'] })
    if (run.success) runs.push(run.data)
  }
  return runs
}

/** The journal without the analyses' bodies (large; the detail has the current one and `videos.analyses` all). */
export function withoutRunBodies(journal: readonly JournalEntry[]): JournalEntry[] {
  return journal.map((entry) => (entry.type === ANALYSIS_LINE ? { ...entry, data: { kept: 'the analysis of this run (compare runs to see it)' } } : entry))
}
