import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { JobError, LocalMediaRefused } from '../../core/errors'
import type { FetchContext, FetchedVideo, Source } from '../../core/ports'
import type { VideoSource } from '../../shared/video-source'

export interface FileSourceOptions {
  /**
   * Decides whether a path may be read as a video (absolute, no hidden folder, inside
   * MEDIA_ROOTS, video or audio); resolves with the real path, rejects with a
   * `LocalMediaRefused`. A queue message is anyone's input: without this only the basic checks run.
   */
  check?: (path: string, signal: AbortSignal) => Promise<string>
}

const REFUSAL_CAUSE = { 'not-media': 'unreadable-media', 'not-a-file': 'unreadable-media' } as const

/** A local file, used where it is: nothing is copied, and the operator's file is never deleted. */
export function createFileSource(opts: FileSourceOptions = {}): Source {
  return {
    name: 'file',
    kinds: ['file'],
    async fetch(source: VideoSource, ctx: FetchContext): Promise<FetchedVideo> {
      if (source.kind !== 'file') throw new Error(`file source cannot fetch ${source.kind} videos`)
      // A cancelled job must not go on to the analyzer with the operator's file.
      ctx.signal.throwIfAborted()
      if (opts.check) {
        await opts.check(source.path, ctx.signal).catch((error: unknown) => {
          if (!(error instanceof LocalMediaRefused)) throw error
          if (error.reason === 'missing') return // said below, with the error code
          const failure = error.reason in REFUSAL_CAUSE ? REFUSAL_CAUSE[error.reason as keyof typeof REFUSAL_CAUSE] : 'source-missing'
          throw new JobError(`refused to read ${source.path}: ${error.message}`, { failure, retryable: false, cause: error, ...(error.evidence ? { detail: error.evidence } : {}) })
        })
      }
      const path = resolve(source.path)
      const info = await stat(path).catch((error: unknown) => {
        throw new JobError(`video file not found: ${path} (${codeOf(error)}); check the path or enqueue it again`, {
          failure: 'source-missing',
          retryable: false,
          cause: error })
      })
      if (!info.isFile()) throw new JobError(`${path} is not a regular file`, { failure: 'source-missing', retryable: false })
      await access(path, constants.R_OK).catch((error: unknown) => {
        throw new JobError(`video file ${path} cannot be read: permission denied`, { failure: 'source-missing', retryable: false, cause: error })
      })
      ctx.onProgress(info.size, info.size)
      return { kind: 'file', path, sizeBytes: info.size, temporary: false }
    }
  }
}

function codeOf(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | null)?.code
  return code === 'ENOENT' ? 'no such file' : (code ?? String(error))
}
