import { constants } from 'node:fs'
import { access, stat } from 'node:fs/promises'
import { resolve } from 'node:path'
import { JobError } from '../../core/errors'
import type { FetchContext, FetchedVideo, Source } from '../../core/ports'
import type { VideoSource } from '../../shared/video-source'

/** A local file, used where it is: nothing is copied, and the operator's file is never deleted. */
export function createFileSource(): Source {
  return {
    name: 'file',
    kinds: ['file'],
    async fetch(source: VideoSource, ctx: FetchContext): Promise<FetchedVideo> {
      if (source.kind !== 'file') throw new Error(`file source cannot fetch ${source.kind} videos`)
      // A cancelled job must not go on to the analyzer with the operator's file.
      ctx.signal.throwIfAborted()
      const path = resolve(source.path)
      const info = await stat(path).catch((error: unknown) => {
        throw new JobError(`video file not found: ${path} (${codeOf(error)}); check the path or enqueue it again`, {
          cause: 'source-missing',
          retryable: false,
          error
        })
      })
      if (!info.isFile()) throw new JobError(`${path} is not a regular file`, { cause: 'source-missing', retryable: false })
      await access(path, constants.R_OK).catch((error: unknown) => {
        throw new JobError(`video file ${path} cannot be read: permission denied`, { cause: 'source-missing', retryable: false, error })
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
