import type { JournalEntry, Video } from '../../../src/shared/video'
import type { VideoStatus } from '../../../src/shared/video-status'
import { queuedVideo } from '../../support/video-fixtures'

let n = 0
export function video(overrides: Partial<Video> = {}): Video {
  n += 1
  const at = new Date(Date.UTC(2026, 0, 1, 0, 0, n)).toISOString()
  return queuedVideo({ id: `${String(n).padStart(8, '0')}-0000-4000-8000-000000000000`, title: `Video ${n}`, source: { kind: 'file', path: `/videos/${n}.mp4` }, at }, overrides)
}

export function entry(id: number, at: string, attempt: number, status: VideoStatus | null, message = `status ${status}`): JournalEntry {
  return {
    id,
    videoId: '00000001-0000-4000-8000-000000000000',
    at,
    attempt,
    type: status ? 'video.status' : 'log',
    status,
    level: 'info',
    message,
    data: null
  }
}
