import { errorText } from '../../shared/error-text'
import type { VideoJob } from '../../shared/queue-message'
import { withoutCredentials } from '../../shared/video-source'
import { JobError } from '../errors'
import type { ClaimResult, ReceivedMessage } from '../ports'
import { parseQueueMessage } from '../parse-message'
import { ClaimLostError, CLAIM_OWNER, generationOf, keepClaim, leasedRecorder } from './claim'
import { handBack } from './hand-back'
import { startHeartbeat } from './heartbeat'
import { runJob, type Delivery, type JobDeps, type JobOutcome } from './run-job'

export interface MessageDeps extends JobDeps {
  maxReceiveCount: number
  backoffSeconds(receiveCount: number): number
  /** Registers a running job's controller so `videos.cancel` can reach it; returns the unregister function. */
  track(videoId: string, controller: AbortController): () => void
}

/** What became of one job of a message, beyond what `runJob` reports. */
type Outcome =
  | JobOutcome
  /** Another delivery holds the video: look at the message again once its lease may have ended. */
  | { kind: 'deferred'; seconds: number; reason: string }
  /** The claim was lost mid-run: the message is left alone, to come back after its visibility timeout. */
  | { kind: 'abandoned' }

/**
 * One delivery of a queue message: parse it, claim each of its videos and run them under a
 * visibility heartbeat, then delete it, leave it for a retry, hand it back or dead-letter it.
 * Never throws.
 */
export async function handleMessage(deps: MessageDeps, message: ReceivedMessage, signal: AbortSignal): Promise<void> {
  const { ports, recorder, stats } = deps
  const queue = ports.queue
  stats.received()
  const parsed = parseQueueMessage(message.body)
  // The video the message names (the first, when it names several), for the log lines about it.
  const namedVideoId = parsed.kind === 'jobs' ? (parsed.jobs[0]?.videoId ?? null) : parsed.kind === 'invalid' ? (parsed.videoId ?? null) : null
  recorder.emit({ type: 'message.received', at: recorder.now(), messageId: message.id, videoId: namedVideoId, receiveCount: message.receiveCount })

  const remove = async (why: string) => {
    await queue.delete([message.receiptHandle]).catch((e: unknown) => recorder.log('warn', `message ${message.id} not deleted (${why}): ${errorText(e)}`))
  }
  /** Never deletes: a message that could not be moved stays in the queue for its own redrive. */
  const deadLetter = async (reason: string, videoId: string | null) => {
    await queue.deadLetter(message, reason).then(
      (result) =>
        result === 'moved'
          ? recorder.log('warn', `message ${message.id} moved to the dead-letter queue: ${reason}`)
          : recorder.log(
              'warn',
              `message ${message.id} kept in the queue, hidden for as long as the queue allows: ${queue.name} has no dead-letter queue (add a redrive policy, or delete the message): ${reason}`,
              videoId
            ),
      (e: unknown) =>
        recorder.log('error', `message ${message.id} could not be moved to the dead-letter queue (${errorText(e)}); it stays in the queue and comes back after its visibility timeout: ${reason}`, videoId)
    )
  }

  if (parsed.kind === 'ignore') {
    recorder.log('info', `message ${message.id} ignored: ${parsed.reason}`)
    return remove('ignored')
  }
  if (parsed.kind === 'invalid') {
    if (parsed.videoId) {
      const recorded = await failBadMessage(deps, parsed.videoId, parsed.reason, parsed.unsupportedSource ? 'unsupported-source' : 'bad-message').then(
        () => true,
        (e: unknown) => {
          recorder.log('error', `could not mark video failed: ${errorText(e)}`, parsed.videoId)
          return false
        }
      )
      if (recorded) return remove('bad message')
    }
    return deadLetter(parsed.reason, null)
  }

  const limit = Math.min(queue.maxReceiveCount ?? deps.maxReceiveCount, deps.maxReceiveCount)
  if (message.receiveCount > limit) return beyondLimit(deps, message, parsed.jobs, limit, deadLetter)
  const delivery = { receiveCount: message.receiveCount, lastReceive: message.receiveCount >= limit }
  const heartbeat = startHeartbeat(queue, message.receiptHandle, (e) =>
    recorder.log('warn', `lease on message ${message.id} lost (${errorText(e)}); another worker may process it`, namedVideoId)
  )
  const outcomes: Outcome[] = []
  // A final failure that no row records (its row could not be read or written).
  let rowlessFailure: JobError | null = null
  for (const job of parsed.jobs) {
    const controller = new AbortController()
    const forward = () => controller.abort(signal.reason)
    if (signal.aborted) forward()
    else signal.addEventListener('abort', forward, { once: true })
    const untrack = deps.track(job.videoId, controller)
    stats.jobStarted()
    try {
      outcomes.push(await claimAndRun(deps, job, delivery, controller))
    } catch (e) {
      if (e instanceof ClaimLostError) {
        recorder.log('warn', `${e.message}; message ${message.id} is left to come back after its visibility timeout`, job.videoId)
        outcomes.push({ kind: 'abandoned' })
        continue
      }
      // The video's row could not be read or written, so the failure cannot be recorded on it.
      // A store outage is delivered again after the backoff (no tight redelivery loop); a row
      // that can never exist (Supabase rows are made upstream) sends the message to the DLQ.
      const error = e instanceof JobError ? e : new JobError(`store unavailable: ${errorText(e)}`, { failure: 'other', retryable: true, cause: e })
      const final = !error.retryable || delivery.lastReceive
      recorder.log(
        'error',
        final
          ? `message ${message.id} goes to the dead-letter queue at once (no row to record the failure on): ${error.message}`
          : `the video's row could not be read or written (${error.message}); message ${message.id} will be delivered again after the backoff`,
        job.videoId
      )
      outcomes.push({ kind: 'failed', error, final })
      if (final) rowlessFailure ??= error
    } finally {
      stats.jobEnded()
      untrack()
      signal.removeEventListener('abort', forward)
    }
    if (signal.aborted) break
  }
  // Stop the heartbeat before touching the message, so a late renewal never races the delete.
  await heartbeat.stop()

  for (const o of outcomes) if (o.kind === 'skipped') recorder.log('info', `message ${message.id} deleted without running the video: ${o.reason}`, namedVideoId)
  // A stop hands the message back unless every one of its videos was saved or skipped before it struck:
  // a saved analysis is not delivered again only to be found completed, and anything else the stop
  // touched (a job cut short whose row could not even be set back to `queued`) goes back uncounted.
  const settled = outcomes.length === parsed.jobs.length && outcomes.every((o) => o.kind === 'completed' || o.kind === 'skipped')
  const handedBack = outcomes.some((o) => o.kind === 'handed-back') || (signal.aborted && !settled)
  const retry = outcomes.find((o) => o.kind === 'failed' && !o.final)
  const exhausted = outcomes.find((o) => o.kind === 'failed' && o.final && o.error.retryable)
  const deferred = outcomes.find((o) => o.kind === 'deferred')
  const deadReason = rowlessFailure?.message ?? (exhausted?.kind === 'failed' ? exhausted.error.message : null)
  if (outcomes.some((o) => o.kind === 'abandoned')) return
  if (handedBack) {
    await handBack(queue, message.receiptHandle).catch((e: unknown) => recorder.log('warn', `message ${message.id} not handed back: ${errorText(e)}`))
  } else if (retry) {
    const seconds = deps.backoffSeconds(message.receiveCount)
    recorder.log('info', `will retry in ${seconds} s (delivery ${message.receiveCount} of ${limit})`, namedVideoId)
    await queue.changeVisibility(message.receiptHandle, seconds).catch((e: unknown) => recorder.log('warn', `retry delay not set: ${errorText(e)}`, namedVideoId))
  } else if (deferred?.kind === 'deferred') {
    recorder.log('info', `message ${message.id} set aside for ${deferred.seconds} s: ${deferred.reason}`, namedVideoId)
    await queue.changeVisibility(message.receiptHandle, deferred.seconds).catch((e: unknown) => recorder.log('warn', `message ${message.id} not set aside: ${errorText(e)}`, namedVideoId))
  } else if (deadReason !== null) {
    await deadLetter(deadReason, namedVideoId)
  } else {
    await remove('done')
  }
}

/**
 * Claims the video for this delivery, then runs it. The claim is the duplicate check: a video
 * completed, cancelled, superseded by a later retry or held by another delivery is not run.
 */
async function claimAndRun(deps: MessageDeps, job: VideoJob, delivery: Delivery, controller: AbortController): Promise<Outcome> {
  const { ports, recorder } = deps
  const seconds = ports.queue.visibilityTimeoutSeconds
  // The row never keeps a password from a URL (the message does, for the download).
  const source = withoutCredentials(job.source)
  const request = { id: job.videoId, title: job.title ?? null, source, owner: CLAIM_OWNER, leaseSeconds: seconds, generation: generationOf(job) }
  let claim: ClaimResult = await ports.store.claim(request)
  if (!claim.claimed && claim.reason === 'missing') {
    // A store that does not make rows in a claim says, through ensureVideo, whether it makes them at all.
    // Nobody makes a row for an S3 upload: the store makes it even where rows are made upstream.
    await ports.store.ensureVideo({ id: job.videoId, title: request.title, source, ...(job.origin === 's3-event' ? { createIfMissing: true } : {}) })
    claim = await ports.store.claim(request)
  }
  if (!claim.claimed) {
    switch (claim.reason) {
      case 'completed':
        return { kind: 'skipped', reason: 'the video is already completed (a duplicate delivery)' }
      case 'cancelled':
        return { kind: 'skipped', reason: 'the video was cancelled by the operator before this delivery' }
      case 'superseded':
        return { kind: 'skipped', reason: `the message was sent for generation ${job.generation ?? '?'} of the video, which a later retry replaced (generation ${claim.generation})` }
      case 'missing':
        throw new JobError(`video ${job.videoId} has no row in the videos table of ${ports.store.name}: create the row before sending its message`, {
          failure: 'bad-message',
          retryable: false,
          detail: { videoId: job.videoId }
        })
      case 'leased': {
        const left = claim.until ? Math.ceil((claim.until.getTime() - Date.now()) / 1000) : seconds
        return { kind: 'deferred', seconds: Math.min(seconds, Math.max(1, left)), reason: `another delivery holds video ${job.videoId} (${claim.owner ?? 'unknown owner'})` }
      }
    }
  }
  recorder.emit({ type: 'video.updated', at: recorder.now(), video: claim.video })
  const keeper = keepClaim(
    ports.store,
    claim.lease,
    seconds,
    () => {
      recorder.log('warn', 'the claim on this video was taken over by another delivery; stopping this run', job.videoId)
      controller.abort({ kind: 'shutdown' })
    },
    (e) => recorder.log('warn', `claim not renewed (${errorText(e)}); trying again`, job.videoId)
  )
  try {
    return await runJob({ ...deps, recorder: leasedRecorder(recorder, ports.store, claim.lease) }, job, delivery, controller.signal, claim.video)
  } finally {
    await keeper.stop()
  }
}

/**
 * The queue delivered the message more often than allowed (the last allowed delivery ended
 * without a verdict: a crash, a stop, a lost lease). Its videos are failed `dead-lettered`
 * unless they settled meanwhile, and the message goes to the dead-letter store.
 */
async function beyondLimit(
  deps: MessageDeps,
  message: ReceivedMessage,
  jobs: VideoJob[],
  limit: number,
  deadLetter: (reason: string, videoId: string | null) => Promise<void>
): Promise<void> {
  const reason = `the queue delivered the message ${message.receiveCount} times, beyond the limit of ${limit}, without a result`
  for (const job of jobs) await markDeadLettered(deps, job.videoId, reason)
  await deadLetter(reason, jobs[0]?.videoId ?? null)
}

/** Fails a video whose message was given up on, unless it settled or someone holds it. */
export async function markDeadLettered(deps: Pick<MessageDeps, 'ports' | 'recorder' | 'stats'>, videoId: string, reason: string): Promise<boolean> {
  const { ports, recorder, stats } = deps
  const video = await ports.store.failUnleased(videoId, { cause: 'dead-lettered', error: reason }).catch((e: unknown) => {
    recorder.log('error', `could not mark the video dead-lettered: ${errorText(e)}`, videoId)
    return null
  })
  if (!video) return false
  recorder.emit({ type: 'video.updated', at: recorder.now(), video })
  recorder.emit({ type: 'video.status', at: recorder.now(), videoId, status: 'failed', attempt: video.attempts })
  stats.failed()
  recorder.emit({ type: 'video.failed', at: recorder.now(), videoId, error: reason, cause: 'dead-lettered', attempt: video.attempts, final: true })
  return true
}

async function failBadMessage(deps: MessageDeps, videoId: string, reason: string, cause: 'bad-message' | 'unsupported-source'): Promise<void> {
  const { ports, recorder, stats } = deps
  const row = (await ports.store.get(videoId)) ?? (await ports.store.ensureVideo({ id: videoId, title: null, source: null }))
  const attempt = row.attempts + 1
  recorder.setAttempt(videoId, attempt)
  const error = cause === 'bad-message' ? `bad queue message: ${reason}` : reason
  await recorder.update(videoId, {
    processingStatus: 'failed',
    analysisResult: `Error: ${error}`,
    isProcessed: false,
    errorCause: cause,
    attempts: attempt,
    completedAt: new Date()
  })
  recorder.emit({ type: 'video.status', at: recorder.now(), videoId, status: 'failed', attempt })
  stats.failed()
  recorder.emit({ type: 'video.failed', at: recorder.now(), videoId, error, cause, attempt, final: true })
}
