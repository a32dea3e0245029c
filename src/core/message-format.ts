import type { VideoSource } from '../shared/video-source'

/** The producers' snake_case message for a video (`video_id`, `source_type`, …), as `videos.enqueue` and `videos.retry` send it. */
export function toSeedMessage(videoId: string, source: VideoSource, title?: string | null, generation?: number): string {
  const base: Record<string, string | number> = { video_id: videoId }
  if (title) base['title'] = title
  // The row's generation when sent: a message older than a later retry is known as superseded.
  if (generation !== undefined) base['generation'] = generation
  switch (source.kind) {
    case 's3':
      return JSON.stringify({ ...base, source_type: 's3', s3_key: source.key, ...(source.bucket ? { s3_bucket: source.bucket } : {}) })
    case 'youtube':
      return JSON.stringify({ ...base, source_type: 'youtube', youtube_url: source.url, ...(source.youtubeId ? { youtube_id: source.youtubeId } : {}) })
    case 'file':
      return JSON.stringify({ ...base, source_type: 'file', file_path: source.path })
    case 'http':
      return JSON.stringify({ ...base, source_type: 'http', url: source.url })
  }
}
