import { z } from 'zod'

/** The `processing_status` workflow: queued → processing → downloading/uploading → processing → completed | failed. */
export const VideoStatus = z.enum(['queued', 'processing', 'downloading', 'uploading', 'completed', 'failed'])
export type VideoStatus = z.infer<typeof VideoStatus>

/**
 * Why a video failed, shared by the worker (which decides it) and the console (which groups,
 * explains and offers retries by it). `failureCauseInfo` says what each one means.
 */
export const FailureCause = z.enum([
  'configuration', // a backend the video needs is missing or misconfigured (no S3 bucket, no Gemini key…)
  'unsupported-source', // no configured source or analyzer can take this kind of source
  'source-missing', // not found or forbidden at the source
  'unreadable-media', // empty, not a video, truncated, no usable stream
  'too-large', // over a service's size or length limit
  'quota', // quota exhausted or rate limited by an outside service
  'model-refusal', // the model refused, or its output never validated
  'network', // the network or a service failed in transit
  'timeout',
  'bad-message', // the queue message could not be understood
  'dead-lettered', // the queue moved the message to its dead-letter queue by itself
  'stuck', // the row stayed in flight with no live lease, found by the reconciler
  'cancelled',
  'other'
])
export type FailureCause = z.infer<typeof FailureCause>

/** Whether running the same video again can succeed without anyone changing anything first. */
export type RetryOutlook = 'likely' | 'after-fix' | 'unlikely'

export interface FailureCauseInfo {
  label: string
  retry: RetryOutlook
  /** One sentence for the operator: what it means and what to do. */
  advice: string
}

export const failureCauseInfo: Record<FailureCause, FailureCauseInfo> = {
  configuration: { label: 'Configuration', retry: 'after-fix', advice: 'A backend this video needs is missing or misconfigured; fix the setting named in the error, then retry.' },
  'unsupported-source': { label: 'Unsupported source', retry: 'after-fix', advice: 'Nothing configured can read this kind of source; configure a backend that can, or enqueue it differently.' },
  'source-missing': { label: 'Source not found or forbidden', retry: 'after-fix', advice: 'The file, object or URL does not exist or may not be read; fix the source or its permissions, then retry.' },
  'unreadable-media': { label: 'Unreadable media', retry: 'unlikely', advice: 'The file is empty, not a video, truncated or has no usable stream; the same bytes will fail again.' },
  'too-large': { label: 'Too large', retry: 'unlikely', advice: 'The video is over a size or length limit of the service; shorten or compress it, or raise the limit.' },
  quota: { label: 'Quota or rate limit', retry: 'likely', advice: 'An outside service refused for quota; retry once the quota resets.' },
  'model-refusal': { label: 'Model refusal', retry: 'unlikely', advice: 'The model refused or never returned a valid analysis; a retry may behave the same.' },
  network: { label: 'Network', retry: 'likely', advice: 'A connection failed or a service was unavailable; a retry usually succeeds.' },
  timeout: { label: 'Timeout', retry: 'likely', advice: 'A step took longer than its limit; a retry usually succeeds, or raise the timeout.' },
  'bad-message': { label: 'Bad message', retry: 'unlikely', advice: 'The queue message could not be understood; fix the producer and send it again.' },
  'dead-lettered': { label: 'Dead-lettered', retry: 'likely', advice: 'The queue gave up on the message after too many deliveries; requeue it once the cause is fixed.' },
  stuck: { label: 'Stuck', retry: 'likely', advice: 'The video stayed in progress with no worker holding it (a crash or a lost message); retry it.' },
  cancelled: { label: 'Cancelled', retry: 'likely', advice: 'An operator cancelled it; run it again when wanted.' },
  other: { label: 'Other', retry: 'likely', advice: 'An unexpected error; see the evidence below.' }
}

/** Timed stages of one job; per-stage durations feed statistics and the detail waterfall. */
export const Stage = z.enum(['download', 'upload', 'wait', 'analyze', 'save'])
export type Stage = z.infer<typeof Stage>

/**
 * What the console shows as a video's state: the row's status, except that a failure with the
 * cause `cancelled` is its own state (an operator's decision, not a failure) while the row keeps
 * `failed`.
 */
export const DisplayStatus = z.enum(['queued', 'processing', 'downloading', 'uploading', 'completed', 'failed', 'cancelled'])
export type DisplayStatus = z.infer<typeof DisplayStatus>

export function displayStatus(video: { processingStatus: VideoStatus; errorCause: FailureCause | null }): DisplayStatus {
  return video.processingStatus === 'failed' && video.errorCause === 'cancelled' ? 'cancelled' : video.processingStatus
}

/** Statuses of a video a worker is working on right now. */
export const IN_FLIGHT_STATUSES: readonly VideoStatus[] = ['processing', 'downloading', 'uploading']
