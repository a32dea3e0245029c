import type { JournalEntry, Video } from '../../../../shared/video'
import { buildTimeline, formatMs, stageWaterfall, type Bar } from '../../lib/timeline'

function Waterfall({ bars, totalMs, testId }: { bars: (Bar & { status?: string })[]; totalMs: number; testId: string }) {
  const scale = Math.max(totalMs, 1)
  return (
    <div className="waterfall" data-testid={testId}>
      {bars.map((bar, i) => (
        <div className="wf-row" key={`${bar.label}-${i}`}>
          <span className="wf-label">{bar.label}</span>
          <span className="wf-track">
            <span
              className={`wf-bar ${bar.status ? `chip-${bar.status}` : 'wf-stage'}`}
              style={{ left: `${(bar.offsetMs / scale) * 100}%`, width: bar.ms === 0 ? '2px' : `${Math.max(0.5, (bar.ms / scale) * 100)}%` }}
            />
          </span>
          <span className="wf-ms mono">{bar.ms === 0 && (bar.status === 'completed' || bar.status === 'failed') ? '' : formatMs(bar.ms)}</span>
        </div>
      ))}
    </div>
  )
}

/** Status changes per attempt as a waterfall, and the last attempt's time in each stage. */
export function Timeline({ video, journal }: { video: Video; journal: JournalEntry[] }) {
  const attempts = buildTimeline(journal)
  const stages = stageWaterfall(video.stageMs)
  return (
    <div className="timeline">
      {stages.bars.length > 0 ? (
        <div>
          <h4>
            Stages of the last attempt <span className="muted">· {formatMs(stages.totalMs)}</span>
          </h4>
          <Waterfall bars={stages.bars} totalMs={stages.totalMs} testId="stage-waterfall" />
        </div>
      ) : null}
      {attempts.map((attempt) => (
        <div key={attempt.attempt} data-testid="attempt-timeline">
          <h4>
            {attempt.attempt === 0 ? 'Waiting in the queue' : `Attempt ${attempt.attempt}`} <span className="muted">· {new Date(attempt.startedAt).toLocaleString()} · {formatMs(attempt.totalMs)} · {attempt.outcome}</span>
          </h4>
          <Waterfall bars={attempt.bars} totalMs={attempt.totalMs} testId="status-waterfall" />
        </div>
      ))}
      {attempts.length === 0 && stages.bars.length === 0 ? <p className="muted">Nothing recorded yet.</p> : null}
    </div>
  )
}
