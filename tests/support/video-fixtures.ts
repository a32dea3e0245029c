// Imported by the renderer tests too (tsconfig.web.json, no Node types): keep it free of Node modules.
import type { Video } from '../../src/shared/video'

/**
 * A video row as enqueue makes it: queued, never tried, no result, created and updated at `at`.
 * `overrides` replace any field.
 */
export function queuedVideo(base: Pick<Video, 'id' | 'title' | 'source'> & { at: string }, overrides: Partial<Video> = {}): Video {
  return {
    id: base.id,
    title: base.title,
    source: base.source,
    processingStatus: 'queued',
    analysisResult: null,
    isProcessed: false,
    attempts: 0,
    errorCause: null,
    stageMs: {},
    createdAt: base.at,
    updatedAt: base.at,
    startedAt: null,
    completedAt: null,
    ...overrides
  }
}
