import { JobError } from '../../core/errors'
import type { FetchedVideo, Source } from '../../core/ports'
import type { VideoSource } from '../../shared/video-source'

/**
 * YouTube videos are never downloaded: an analyzer that takes the URL directly (Gemini) gets
 * it as is; any other analyzer gets a clear, final error.
 */
export function createYoutubeSource(): Source {
  return {
    name: 'youtube',
    kinds: ['youtube'],
    async fetch(source: VideoSource, _ctx, opts): Promise<FetchedVideo> {
      if (source.kind !== 'youtube') throw new Error(`youtube source cannot fetch ${source.kind} videos`)
      if (opts.preferUrl) return { kind: 'url', url: source.url }
      throw new JobError('YouTube videos need the Gemini analyzer (set GEMINI_API_KEY): the local analyzer cannot download from YouTube', {
        failure: 'configuration',
        retryable: false
      })
    }
  }
}
