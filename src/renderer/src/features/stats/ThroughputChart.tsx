import { Area, AreaChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts'
import type { ThroughputPoint } from '../../lib/throughput'

/** Processed and failed per sample interval, stacked. */
export default function ThroughputChart({ points }: { points: ThroughputPoint[] }) {
  return (
    <ResponsiveContainer width="100%" height={110}>
      <AreaChart data={points} margin={{ top: 4, right: 8, bottom: 0, left: -24 }}>
        <CartesianGrid strokeDasharray="3 3" stroke="var(--grid)" />
        <XAxis dataKey="label" tick={{ fontSize: 10, fill: 'var(--muted)' }} minTickGap={40} />
        <YAxis allowDecimals={false} tick={{ fontSize: 10, fill: 'var(--muted)' }} width={48} />
        <Tooltip contentStyle={{ background: 'var(--panel)', border: '1px solid var(--border)', fontSize: 12 }} />
        <Legend verticalAlign="top" height={18} iconSize={8} wrapperStyle={{ fontSize: 11 }} />
        <Area type="monotone" dataKey="processed" name="completed" stackId="1" stroke="var(--ok)" fill="var(--ok)" fillOpacity={0.35} isAnimationActive={false} />
        <Area type="monotone" dataKey="failed" name="failed" stackId="1" stroke="var(--bad)" fill="var(--bad)" fillOpacity={0.35} isAnimationActive={false} />
      </AreaChart>
    </ResponsiveContainer>
  )
}
