import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Analysis, type TokenUsage } from '../../shared/analysis'
import type { VideoJob } from '../../shared/queue-message'
import type { Video } from '../../shared/video'
import type { Stage, VideoStatus } from '../../shared/video-status'
import type { VideoSource } from '../../shared/video-source'
import { JobError } from '../errors'
import type { Ports, Source, VideoPatch } from '../ports'
import type { Recorder } from '../recorder'
import type { StatsTracker } from '../stats'
import { errorEvidence } from '../error-evidence'
import { abortReason, toJobError } from './failure'
import { markJobDir, recordChild } from './job-dirs'

export interface JobDeps {
  ports: Ports
  recorder: Recorder
  stats: StatsTracker
  downloadDir: string
  dataDir: string
}

export type JobOutcome =
  | { kind: 'completed' }
  | { kind: 'skipped'; reason: string }
  /** `final`: the video failed for good; otherwise the queue delivers the message again. */
  | { kind: 'failed'; error: JobError; final: boolean }
  /** The worker is stopping: the job was abandoned and its message goes back to the queue. */
  | { kind: 'handed-back' }

export interface Delivery {
  receiveCount: number
  /** No further delivery will come: a retryable failure is final too. */
  lastReceive: boolean
}

/**
 * One claimed video through the `videos` table's status workflow: (claimed: processing) → downloading →
 * (uploading →) processing → completed | failed. The job's download directory, when it needs
 * one, is removed afterwards, always.
 */
export async function runJob(deps: JobDeps, job: VideoJob, delivery: Delivery, signal: AbortSignal, claimed: Video): Promise<JobOutcome> {
  const { ports, recorder, stats } = deps
  const id = job.videoId
  // The claim (`Store.claim`) took the video: the row is `processing`, its attempt counted.
  const attempt = claimed.attempts
  const title = claimed.title ?? job.title ?? null
  recorder.setAttempt(id, attempt)
  const stageMs: Partial<Record<Stage, number>> = {}
  const started = Date.now()
  const dir = join(deps.downloadDir, `${id}-${delivery.receiveCount}`)
  // An analyzer that takes the source's URL (YouTube for Gemini) needs nothing on disk: such a
  // job makes no directory, which spares every such message a mkdir, a mark and a removal.
  const preferUrl = ports.analyzer.acceptsUrl(job.source)
  let temporaryFile: string | null = null
  let running: { stage: Stage; since: number } | null = null

  const setStatus = async (status: VideoStatus, extra: VideoPatch = {}) => {
    await recorder.update(id, { processingStatus: status, ...extra })
    recorder.emit({ type: 'video.status', at: recorder.now(), videoId: id, status, attempt })
  }
  const stage = (name: Stage, ms: number) => {
    stageMs[name] = (stageMs[name] ?? 0) + ms
    stats.stage(name, ms)
    recorder.emit({ type: 'video.stage', at: recorder.now(), videoId: id, stage: name, ms })
  }
  const progress = (kind: 'downloading' | 'uploading' | 'analysing' | (() => 'uploading' | 'analysing')) => {
    let last = 0
    return (bytes: number, total: number | null) => {
      const t = Date.now()
      if (t - last < 250 && bytes !== total) return
      last = t
      recorder.emit({ type: 'video.progress', at: recorder.now(), videoId: id, stage: typeof kind === 'function' ? kind() : kind, bytes, total })
    }
  }

  const recordUsage = async (usage: TokenUsage, model: string) => {
    stats.usage(usage)
    await ports.usage?.addUsage(id, usage, model).catch((e: unknown) => recorder.log('warn', `token usage not recorded: ${String(e)}`, id))
  }

  try {
    recorder.emit({ type: 'video.status', at: recorder.now(), videoId: id, status: 'processing', attempt })
    await setStatus('downloading')
    const source = pickSource(ports.sources, job.source)
    if (!preferUrl) {
      await mkdir(dir, { recursive: true })
      await markJobDir(dir)
    }
    const tDownload = Date.now()
    running = { stage: 'download', since: tDownload }
    const fetched = await source.fetch(
      job.source,
      { videoId: id, dir, signal, onProgress: progress('downloading'), log: (m) => recorder.log('info', m, id) },
      { preferUrl }
    )
    if (fetched.kind === 'file' && fetched.temporary) temporaryFile = fetched.path
    stage('download', Date.now() - tDownload)
    running = null
    signal.throwIfAborted()

    await setStatus('processing')
    const tAnalyze = Date.now()
    running = { stage: 'analyze', since: tAnalyze }
    const reported = new Map<Stage, number>()
    // Progress while the video is `uploading` is an upload (Gemini); otherwise the analyzer is reading the file itself.
    let analyzerStatus: 'uploading' | 'processing' = 'processing'
    const raw = await ports.analyzer.analyze(fetched, {
      videoId: id,
      title,
      signal,
      setStatus: (s) => {
        analyzerStatus = s
        return setStatus(s)
      },
      onProgress: progress(() => (analyzerStatus === 'uploading' ? 'uploading' : 'analysing')),
      stage: (s, ms) => {
        reported.set(s, (reported.get(s) ?? 0) + ms)
        stage(s, ms)
      },
      log: (level, message, data) => recorder.log(level, message, id, data),
      artifactsDir: join(deps.dataDir, 'artifacts', id),
      workDir: dir,
      onChildProcess: (pid, command) => {
        recordChild(dir, pid, command).catch((e: unknown) => recorder.log('warn', `child process ${pid} not recorded: ${String(e)}`, id))
      }
    })
    if (!reported.has('analyze')) stage('analyze', Math.max(0, Date.now() - tAnalyze - [...reported.values()].reduce((a, b) => a + b, 0)))
    running = null
    // A stop that comes once the analysis is in still saves it: handing it back would pay for it twice.
    if (abortReason(signal)?.kind !== 'shutdown') signal.throwIfAborted()
    const analysis = Analysis.safeParse(raw)
    if (!analysis.success) {
      const issue = analysis.error.issues[0]
      throw new JobError(`the analyzer returned an analysis that does not match the schema (${issue?.path.join('.') || 'root'}: ${issue?.message})`, {
        failure: 'model-refusal',
        retryable: false
      })
    }

    const tSave = Date.now()
    await setStatus('completed', { analysisResult: JSON.stringify(analysis.data), isProcessed: true, completedAt: new Date(), stageMs })
    stage('save', Date.now() - tSave)
    // Each run's analysis is kept apart from the row, which only holds the latest, so runs can be compared.
    recorder.keep(id, { type: 'analysis', level: 'info', message: 'analysis saved', data: { analysis: analysis.data } })
    if (analysis.data.usage) await recordUsage(analysis.data.usage, analysis.data.provenance.model)
    stats.processed()
    recorder.emit({ type: 'video.completed', at: recorder.now(), videoId: id, ms: Date.now() - started })
    return { kind: 'completed' }
  } catch (error) {
    if (abortReason(signal)?.kind === 'shutdown') {
      await setStatus('queued', { stageMs })
      recorder.log('warn', 'worker stopping: job abandoned, message handed back to the queue', id)
      return { kind: 'handed-back' }
    }
    // The stage that failed took time too: without it the stages would not add up to the attempt.
    if (running && stageMs[running.stage] === undefined) stageMs[running.stage] = Date.now() - running.since
    const jobError = toJobError(error, signal)
    const final = !jobError.retryable || delivery.lastReceive
    const reason = jobError.retryable && final ? `${jobError.message} (gave up after ${delivery.receiveCount} deliveries)` : jobError.message
    await setStatus('failed', {
      analysisResult: `Error: ${reason}`,
      isProcessed: false,
      errorCause: jobError.failureCause,
      stageMs,
      completedAt: final ? new Date() : null
    })
    const evidence = errorEvidence(jobError)
    if (evidence) recorder.log('debug', 'error detail', id, evidence)
    if (jobError.usage) await recordUsage(jobError.usage.usage, jobError.usage.model)
    // An operator's cancel is not a failure of the pipeline: it counts apart.
    if (final && jobError.failureCause === 'cancelled') stats.cancelled()
    else if (final) stats.failed()
    recorder.emit({ type: 'video.failed', at: recorder.now(), videoId: id, error: reason, cause: jobError.failureCause, attempt, final })
    return { kind: 'failed', error: jobError, final }
  } finally {
    if (!preferUrl) await rm(dir, { recursive: true, force: true }).catch(() => undefined)
    if (temporaryFile) await rm(temporaryFile, { force: true }).catch(() => undefined)
  }
}

function pickSource(sources: Source[], source: VideoSource): Source {
  const found = sources.find((s) => s.kinds.includes(source.kind))
  if (found) return found
  if (source.kind === 's3')
    throw new JobError('no source is configured for s3 videos: set AWS_S3_BUCKET and AWS credentials to read from S3', { failure: 'configuration', retryable: false })
  throw new JobError(`no source is configured for ${source.kind} videos`, { failure: 'unsupported-source', retryable: false })
}
