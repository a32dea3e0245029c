import { useState } from 'react'
import type { AnalysisRun } from '../../../../shared/debugging'
import { chapterKey, factRows, listDiff, textDiff, type Piece } from '../../lib/compare'

function Pieces({ pieces }: { pieces: Piece[] }) {
  return (
    <>
      {pieces.map((p, i) =>
        p.kind === 'same' ? (
          <span key={i}>{p.text}</span>
        ) : p.kind === 'added' ? (
          <ins key={i} className="diff-added">
            {p.text}
          </ins>
        ) : (
          <del key={i} className="diff-removed">
            {p.text}
          </del>
        )
      )}
    </>
  )
}

function Items({ items, render }: { items: { item: string; kind: Piece['kind'] }[]; render?: (s: string) => string }) {
  if (items.length === 0) return <p className="muted small">none</p>
  return (
    <ul className="diff-list">
      {items.map(({ item, kind }) => (
        <li key={item} className={`diff-${kind}`}>
          {render ? render(item) : item}
        </li>
      ))}
    </ul>
  )
}

function Section({ title, changed, left, right }: { title: string; changed: boolean; left: React.ReactNode; right: React.ReactNode }) {
  return (
    <div className={`compare-section${changed ? ' changed' : ''}`} data-testid={`compare-${title.toLowerCase()}`} data-changed={changed}>
      <h4>
        {title} {changed ? <span className="badge warn">differs</span> : <span className="badge">same</span>}
      </h4>
      <div className="compare-cols">
        <div>{left}</div>
        <div>{right}</div>
      </div>
    </div>
  )
}

const runLabel = (run: AnalysisRun) => `attempt ${run.attempt} · ${new Date(run.at).toLocaleString()} · ${run.analysis.provenance.model}`

/** Two runs of one video side by side, with what differs highlighted (summary, topics, quiz, chapters, provenance, tokens and cost). */
export function CompareView({ runs, onClose }: { runs: AnalysisRun[]; onClose(): void }) {
  const [leftIndex, setLeft] = useState(Math.max(0, runs.length - 2))
  const [rightIndex, setRight] = useState(runs.length - 1)
  const a = runs[leftIndex]
  const b = runs[rightIndex]
  if (runs.length < 2 || !a || !b) {
    return (
      <section className="compare" data-testid="compare">
        <p className="muted">Only {runs.length} analysis is kept for this video: run it again to compare.</p>
        <button type="button" onClick={onClose}>
          Back
        </button>
      </section>
    )
  }
  const summary = textDiff(a.analysis.summary, b.analysis.summary)
  const topics = listDiff(a.analysis.topics, b.analysis.topics, (t) => t.toLowerCase())
  const quiz = listDiff(
    a.analysis.quiz.map((q) => q.question),
    b.analysis.quiz.map((q) => q.question),
    (q) => q
  )
  const chapters = listDiff((a.analysis.chapters ?? []).map(chapterKey), (b.analysis.chapters ?? []).map(chapterKey), (c) => c)
  const facts = factRows(a.analysis, b.analysis)
  const select = (value: number, set: (n: number) => void, testId: string) => (
    <select value={value} onChange={(e) => set(Number(e.target.value))} data-testid={testId} aria-label="Run to compare">
      {runs.map((run, i) => (
        <option key={`${run.attempt}-${run.at}`} value={i}>
          {runLabel(run)}
        </option>
      ))}
    </select>
  )
  return (
    <section className="compare" data-testid="compare" aria-label="Compare runs">
      <div className="panel-head">
        <h3>Compare runs</h3>
        <button type="button" className="link" onClick={onClose} data-testid="compare-close">
          back to the analysis
        </button>
      </div>
      <div className="compare-cols compare-pick">
        {select(leftIndex, setLeft, 'compare-left')}
        {select(rightIndex, setRight, 'compare-right')}
      </div>
      <div className="compare-section" data-testid="compare-facts">
        <h4>Provenance, tokens and cost</h4>
        <table className="facts">
          <tbody>
            {facts.map((row) => (
              <tr key={row.label} className={row.changed ? 'changed' : undefined} data-changed={row.changed}>
                <th>{row.label}</th>
                <td>{row.left}</td>
                <td>{row.right}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <Section title="Summary" changed={summary.changed} left={<p><Pieces pieces={summary.left} /></p>} right={<p><Pieces pieces={summary.right} /></p>} />
      <Section title="Topics" changed={topics.changed} left={<Items items={topics.left} />} right={<Items items={topics.right} />} />
      <Section title="Quiz" changed={quiz.changed} left={<Items items={quiz.left} />} right={<Items items={quiz.right} />} />
      <Section title="Chapters" changed={chapters.changed} left={<Items items={chapters.left} />} right={<Items items={chapters.right} />} />
    </section>
  )
}
