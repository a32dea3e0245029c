import type { StatsHistory } from '../../core/ports'
import type { StatsSample } from '../../shared/stats'
import type { EmbeddedDb } from '../embedded/database'
import { toIso } from './rows'

/** Statistics samples older than this are deleted (checked once every PRUNE_EVERY samples). */
const SAMPLE_RETENTION_DAYS = 30
const PRUNE_EVERY = 500

/** The worker's counters over time in the embedded database, pruned to a bounded history. */
export function createStatsHistory(db: EmbeddedDb): StatsHistory {
  let sampleWrites = 0
  return {
    async recordSample(sample: StatsSample): Promise<void> {
      // Samples come every few seconds for as long as the worker runs: keep a bounded history.
      if (sampleWrites++ % PRUNE_EVERY === 0) {
        await db.query(`delete from stats_samples where at < now() - make_interval(days => $1::int)`, [SAMPLE_RETENTION_DAYS])
      }
      await db.query('insert into stats_samples (at, processed, failed, in_flight) values ($1, $2, $3, $4)', [
        sample.at,
        sample.processed,
        sample.failed,
        sample.inFlight
      ])
    },

    async samples(since: Date): Promise<StatsSample[]> {
      const res = await db.query<{ at: Date; processed: number; failed: number; in_flight: number }>(
        'select at, processed, failed, in_flight from stats_samples where at >= $1 order by at, id',
        [since]
      )
      return res.rows.map((r) => ({ at: toIso(r.at), processed: r.processed, failed: r.failed, inFlight: r.in_flight }))
    }
  }
}
