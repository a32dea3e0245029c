import { JobError } from '../errors'
import type { ReceivedMessage } from '../ports'
import { parseQueueMessage } from '../parse-message'
import { handBack } from './hand-back'
import { startHeartbeat } from './heartbeat'
import { runJob, type JobDeps, type JobOutcome } from './run-job'

export interface MessageDeps extends JobDeps {
  maxReceiveCount: number
  backoffSeconds(receiveCount: number): number
  /** Registers a running job's controller so `videos.cancel` can reach it; returns the unregister function. */
  track(videoId: string, controller: AbortController): () => void
}

/**
 * One delivery of a queue message: parse it, run its jobs under a visibility heartbeat, then
 * delete it, leave it for a retry, hand it back or dead-letter it. Never throws.
 */
export async function handleMessage(deps: MessageDeps, message: ReceivedMessage, signal: AbortSignal): Promise<void> {
  const { ports, rec, stats } = deps
  const queue = ports.queue
  stats.received()
  const parsed = parseQueueMessage(message.body)
  const firstId = parsed.kind === 'jobs' ? (parsed.jobs[0]?.videoId ?? null) : parsed.kind === 'invalid' ? (parsed.videoId ?? null) : null
  rec.emit({ type: 'message.received', at: rec.now(), messageId: message.id, videoId: firstId, receiveCount: message.receiveCount })

  const remove = async (why: string) => {
    await queue.delete([message.receiptHandle]).catch((e: unknown) => rec.log('warn', `message ${message.id} not deleted (${why}): ${errorText(e)}`))
  }

  if (parsed.kind === 'ignore') {
    rec.log('info', `message ${message.id} ignored: ${parsed.reason}`)
    return remove('ignored')
  }
  if (parsed.kind === 'invalid') {
    if (parsed.videoId) {
      const recorded = await failBadMessage(deps, parsed.videoId, parsed.reason, parsed.unsupportedSource ? 'unsupported-source' : 'bad-message').then(
        () => true,
        (e: unknown) => {
          rec.log('error', `could not mark video failed: ${errorText(e)}`, parsed.videoId)
          return false
        }
      )
      if (recorded) return remove('bad message')
    }
    rec.log('warn', `message ${message.id} moved to the dead-letter queue: ${parsed.reason}`)
    return queue.deadLetter(message, parsed.reason).catch(async (e: unknown) => {
      rec.log('error', `dead-lettering message ${message.id} failed (${errorText(e)}); deleting it`)
      await remove('dead-letter failed')
    })
  }

  const limit = Math.min(queue.maxReceiveCount ?? deps.maxReceiveCount, deps.maxReceiveCount)
  const delivery = { receiveCount: message.receiveCount, lastReceive: message.receiveCount >= limit }
  const heartbeat = startHeartbeat(queue, message.receiptHandle, (e) =>
    rec.log('warn', `lease on message ${message.id} lost (${errorText(e)}); another worker may process it`, firstId)
  )
  const outcomes: JobOutcome[] = []
  let orphan: JobError | null = null
  for (const job of parsed.jobs) {
    const controller = new AbortController()
    const forward = () => controller.abort(signal.reason)
    if (signal.aborted) forward()
    else signal.addEventListener('abort', forward, { once: true })
    const untrack = deps.track(job.videoId, controller)
    stats.jobStarted()
    try {
      outcomes.push(await runJob(deps, job, delivery, controller.signal))
    } catch (e) {
      // The video's row could not be read or written, so the failure cannot be recorded on it.
      // A store outage is delivered again after the backoff (no tight redelivery loop); a row
      // that can never exist (Supabase rows are made upstream) sends the message to the DLQ.
      const error = e instanceof JobError ? e : new JobError(`store unavailable: ${errorText(e)}`, { cause: 'other', retryable: true, error: e })
      const final = !error.retryable || delivery.lastReceive
      rec.log(
        'error',
        final
          ? `message ${message.id} goes to the dead-letter queue at once (no row to record the failure on): ${error.message}`
          : `the video's row could not be read or written (${error.message}); message ${message.id} will be delivered again after the backoff`,
        job.videoId
      )
      outcomes.push({ kind: 'failed', error, final })
      if (final) orphan ??= error
    } finally {
      stats.jobEnded()
      untrack()
      signal.removeEventListener('abort', forward)
    }
    if (signal.aborted) break
  }
  // Stop the heartbeat before touching the message, so a late renewal never races the delete.
  await heartbeat.stop()

  for (const o of outcomes) if (o.kind === 'skipped') rec.log('info', `skipped: ${o.reason}`, firstId)
  const handedBack = signal.aborted || outcomes.some((o) => o.kind === 'handed-back')
  const retry = outcomes.find((o) => o.kind === 'failed' && !o.final)
  const exhausted = outcomes.find((o) => o.kind === 'failed' && o.final && o.error.retryable)
  const deadReason = orphan?.message ?? (exhausted?.kind === 'failed' ? exhausted.error.message : null)
  if (handedBack) {
    await handBack(queue, message.receiptHandle).catch((e: unknown) => rec.log('warn', `message ${message.id} not handed back: ${errorText(e)}`))
  } else if (retry) {
    const seconds = deps.backoffSeconds(message.receiveCount)
    rec.log('info', `will retry in ${seconds} s (delivery ${message.receiveCount} of ${limit})`, firstId)
    await queue.changeVisibility(message.receiptHandle, seconds).catch((e: unknown) => rec.log('warn', `retry delay not set: ${errorText(e)}`, firstId))
  } else if (deadReason !== null) {
    await queue.deadLetter(message, deadReason).catch(async (e: unknown) => {
      rec.log('warn', `dead-lettering failed (${errorText(e)}); deleting the message`, firstId)
      await remove('exhausted')
    })
  } else {
    await remove('done')
  }
}

async function failBadMessage(deps: MessageDeps, videoId: string, reason: string, cause: 'bad-message' | 'unsupported-source'): Promise<void> {
  const { ports, rec, stats } = deps
  const row = (await ports.store.get(videoId)) ?? (await ports.store.ensureVideo({ id: videoId, title: null, source: null }))
  const attempt = row.attempts + 1
  rec.setAttempt(videoId, attempt)
  const error = cause === 'bad-message' ? `bad queue message: ${reason}` : reason
  await rec.update(videoId, {
    processingStatus: 'failed',
    analysisResult: `Error: ${error}`,
    isProcessed: false,
    errorCause: cause,
    attempts: attempt,
    completedAt: new Date()
  })
  rec.emit({ type: 'video.status', at: rec.now(), videoId, status: 'failed', attempt })
  stats.failed()
  rec.emit({ type: 'video.failed', at: rec.now(), videoId, error, cause, attempt, final: true })
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e)
}
