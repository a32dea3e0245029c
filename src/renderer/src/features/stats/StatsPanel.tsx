import { lazy, Suspense } from 'react'
import { GEMINI_PRICE_LIST_DATE } from '../../../../shared/settings-catalog'
import type { DisplayStatus } from '../../../../shared/video-status'
import { useStats, useStatsHistory } from '../../api/queries'
import { sampleIntervalMs, throughput } from '../../lib/throughput'
import { formatMs, STAGE_ORDER } from '../../lib/timeline'

// recharts is most of the bundle: load it after the list is on screen.
const ThroughputChart = lazy(() => import('./ThroughputChart'))

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

const clock = (iso: string) => new Date(iso).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' })

/**
 * Two kinds of numbers, each saying what it counts: this worker run's counters (since it started;
 * a failure retried three times is one failed video, each delivery is received once), and the
 * table's totals (every video, whatever process handled it).
 */
export function StatsPanel({ table }: { table: { total: number; counts: Record<DisplayStatus, number> } }) {
  const { data: stats } = useStats()
  const { data: history } = useStatsHistory()
  const points = throughput(history ?? [])
  const interval = sampleIntervalMs(history ?? [])
  const stageMax = Math.max(1, ...STAGE_ORDER.map((stage) => stats?.stages[stage]?.avgMs ?? 0))
  const inFlight = table.counts.processing + table.counts.downloading + table.counts.uploading
  return (
    <section className="stats" aria-label="Statistics">
      <div className="counter-groups">
        <div className="counter-group" data-testid="run-counters">
          <span className="group-title muted">{stats?.startedAt ? `this run, since ${clock(stats.startedAt)}` : 'this run (the worker has not started)'}</span>
          <div className="counters">
            <Counter label="messages received" value={stats?.received ?? 0} testId="stat-received" />
            <Counter label="processed" value={stats?.processed ?? 0} tone="ok" testId="stat-processed" />
            <Counter label="failed" value={stats?.failed ?? 0} tone="bad" testId="stat-failed" />
            <Counter label="in flight" value={stats?.inFlight ?? 0} tone="busy" testId="stat-inflight" />
            {stats && stats.tokens.total > 0 ? <Counter label={`tokens · $${stats.costUsd.toFixed(3)} (list prices of ${GEMINI_PRICE_LIST_DATE} unless GEMINI_PRICES)`} value={stats.tokens.total} testId="stat-tokens" /> : null}
          </div>
        </div>
        <div className="counter-group" data-testid="table-counters">
          <span className="group-title muted">the table, all time</span>
          <div className="counters">
            <Counter label="videos" value={table.total} testId="table-total" />
            <Counter label="completed" value={table.counts.completed} tone="ok" testId="table-completed" />
            <Counter label="failed" value={table.counts.failed} tone="bad" testId="table-failed" />
            <Counter label="cancelled" value={table.counts.cancelled} testId="table-cancelled" />
            <Counter label="queued · working" value={`${table.counts.queued} · ${inFlight}`} tone="busy" testId="table-waiting" />
          </div>
        </div>
      </div>
      <div className="chart" aria-label="Throughput over the last hour">
        <span className="chart-title muted" data-testid="chart-title">
          videos per {interval ? formatMs(interval) : 'sample'} interval, last hour
        </span>
        {points.length > 1 ? (
          <Suspense fallback={<div style={{ height: 110 }} />}>
            <ThroughputChart points={points} />
          </Suspense>
        ) : (
          <p className="muted small">The chart fills in as the worker records samples.</p>
        )}
      </div>
      <div className="stages" aria-label="Average time per stage, this run">
        <span className="group-title muted">average per stage, this run</span>
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
