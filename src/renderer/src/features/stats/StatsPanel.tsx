import { lazy, Suspense } from 'react'
import { useStats, useStatsHistory } from '../../api/queries'
import { throughput } from '../../lib/throughput'

// recharts is most of the bundle: load it after the list is on screen.
const ThroughputChart = lazy(() => import('./ThroughputChart'))
import { formatMs, STAGE_ORDER } from '../../lib/timeline'

function Counter({ label, value, tone, testId }: { label: string; value: number | string; tone?: string; testId: string }) {
  return (
    <div className={`counter${tone ? ` tone-${tone}` : ''}`}>
      <span className="value" data-testid={testId}>
        {value}
      </span>
      <span className="label">{label}</span>
    </div>
  )
}

/** Counters of this run, throughput over the last hour (from the embedded history), time per stage. */
export function StatsPanel() {
  const { data: stats } = useStats()
  const { data: history } = useStatsHistory()
  const points = throughput(history ?? [])
  const stageMax = Math.max(1, ...STAGE_ORDER.map((stage) => stats?.stages[stage]?.avgMs ?? 0))
  return (
    <section className="stats" aria-label="Statistics">
      <div className="counters">
        <Counter label="received" value={stats?.received ?? 0} testId="stat-received" />
        <Counter label="processed" value={stats?.processed ?? 0} tone="ok" testId="stat-processed" />
        <Counter label="failed" value={stats?.failed ?? 0} tone="bad" testId="stat-failed" />
        <Counter label="in flight" value={stats?.inFlight ?? 0} tone="busy" testId="stat-inflight" />
        {stats && stats.tokens.total > 0 ? <Counter label={`tokens · $${stats.costUsd.toFixed(3)}`} value={stats.tokens.total} testId="stat-tokens" /> : null}
      </div>
      <div className="chart" aria-label="Throughput over the last hour">
        <span className="chart-title muted">throughput, per sample (last hour)</span>
        {points.length > 1 ? (
          <Suspense fallback={<div style={{ height: 96 }} />}>
            <ThroughputChart points={points} />
          </Suspense>
        ) : (
          <p className="muted small">The chart fills in as the worker records samples.</p>
        )}
      </div>
      <div className="stages" aria-label="Average time per stage">
        {STAGE_ORDER.map((stage) => {
          const s = stats?.stages[stage]
          return (
            <div key={stage} className="stage" title={s ? `${s.count}× · avg ${formatMs(s.avgMs)} · max ${formatMs(s.maxMs)}` : 'no runs yet'}>
              <span className="stage-name">{stage}</span>
              <span className="stage-bar">
                <span style={{ width: `${((s?.avgMs ?? 0) / stageMax) * 100}%` }} />
              </span>
              <span className="stage-ms mono">{s ? formatMs(s.avgMs) : '—'}</span>
            </div>
          )
        })}
      </div>
    </section>
  )
}
