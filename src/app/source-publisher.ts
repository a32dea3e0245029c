import type { Config } from '../core/config'
import type { SourcePublisher } from '../core/ports'
import { ConsoleApiError } from '../shared/console-api'
import type { VideoSource } from '../shared/video-source'
import { awsOptions } from './select-ports'
import { errorText } from '../shared/error-text'

/**
 * What `videos.enqueue` does with a local file on a shared queue: with SQS and a bucket the
 * file is uploaded to S3 first and the message names the object (a worker on another machine
 * cannot read this machine's path); with SQS and no bucket it is refused. Without SQS there
 * is nothing to do: the local queue's worker runs here and reads the file where it is.
 */
export function createSourcePublisher(config: Config): SourcePublisher | null {
  if (!config.aws.sqsUrl) return null
  const bucket = config.aws.s3Bucket
  return {
    async publish(source: VideoSource, { videoId }): Promise<VideoSource> {
      if (source.kind !== 'file') return source
      if (!bucket)
        throw new ConsoleApiError(
          'bad-request',
          `cannot enqueue the local file ${source.path} to SQS: a worker on another machine cannot read this path. ` +
            'Set AWS_S3_BUCKET so enqueue uploads the file to S3 first, or enqueue an s3://, http(s) or YouTube source'
        )
      // The SDK loads only on this path, as in selectPorts.
      const { fileSourceToS3 } = await import('../adapters/source/s3-upload')
      try {
        return await fileSourceToS3(source, { bucket, videoId, aws: awsOptions(config) })
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code
        if (code === 'ENOENT' || code === 'EACCES' || code === 'EISDIR')
          throw new ConsoleApiError('bad-request', `cannot upload ${source.path} to S3: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : 'not a file'}`)
        throw new ConsoleApiError('internal', errorText(error))
      }
    }
  }
}
