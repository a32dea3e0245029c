import { z } from 'zod'

/** The seed's `processing_status` workflow: queued → processing → downloading/uploading → processing → completed | failed. */
export const VideoStatus = z.enum(['queued', 'processing', 'downloading', 'uploading', 'completed', 'failed'])
export type VideoStatus = z.infer<typeof VideoStatus>

/** Why a video failed, so the console can group failures and retry a group at once. */
export const FailureCause = z.enum([
  'quota', // quota exhausted or rate limited by an outside service
  'model-refusal', // the model refused, or its output never validated
  'source-missing', // not found or forbidden at the source
  'bad-message', // the queue message could not be understood
  'timeout',
  'cancelled',
  'other'
])
export type FailureCause = z.infer<typeof FailureCause>

/** Timed stages of one job; per-stage durations feed statistics and the detail waterfall. */
export const Stage = z.enum(['download', 'upload', 'wait', 'analyze', 'save'])
export type Stage = z.infer<typeof Stage>
