import { z } from 'zod'
import type { Config } from '../app/load-config'
import { connect } from './connect'
import { videoDetail, videoTable } from './print'
import { UsageError } from './usage-error'

/** A table of videos, or one video with its events and analysis; `--json` prints the same as JSON. */
export async function statusCommand(config: Config, id: string | undefined, opts: { json?: boolean; limit?: number }): Promise<number> {
  if (id !== undefined && !z.uuid().safeParse(id).success) throw new UsageError(`${id} is not a video id (a UUID)`)
  const connection = await connect(config)
  const out = (text: string) => process.stdout.write(`${text}\n`)
  try {
    if (id !== undefined) {
      const detail = await connection.api['videos.get']({ id })
      if (!detail) {
        process.stderr.write(`no video with id ${id}\n`)
        return 1
      }
      out(opts.json ? JSON.stringify(detail, null, 2) : videoDetail(detail).join('\n'))
      return 0
    }
    const page = await connection.api['videos.list']({ limit: opts.limit ?? 50 })
    if (opts.json) {
      out(JSON.stringify(page, null, 2))
      return 0
    }
    if (connection.via === 'owner') {
      const [worker, stats] = await Promise.all([connection.api['worker.status'](undefined), connection.api['stats.get'](undefined)])
      out(`Worker: process ${connection.ownerPid} (${worker.state}), ${stats.processed} processed, ${stats.failed} failed, ${stats.inFlight} in flight`)
    } else {
      out('Worker: not running')
    }
    out(videoTable(page.items, page.total).join('\n'))
    return 0
  } finally {
    await connection.close()
  }
}
