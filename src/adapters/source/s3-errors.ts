import { JobError } from '../../core/errors'
import { describeAwsError, errorName, httpStatusOf, isTransientAwsError } from '../aws-errors'

/** Maps an S3 GetObject failure to the job error the worker understands. */
export function s3JobError(error: unknown, where: string): JobError {
  const name = errorName(error) ?? ''
  const status = httpStatusOf(error)
  const detail = { code: name, ...(status ? { status } : {}) }
  if (name === 'NoSuchKey' || name === 'NotFound' || (status === 404 && name !== 'NoSuchBucket'))
    return new JobError(`S3 object ${where} not found (NoSuchKey): check the key and the bucket`, { failure: 'source-missing', retryable: false, detail, cause: error })
  if (name === 'NoSuchBucket')
    return new JobError(`S3 bucket of ${where} does not exist (NoSuchBucket): check AWS_S3_BUCKET or the message's bucket`, {
      failure: 'source-missing',
      retryable: false,
      detail,
      cause: error })
  if (name === 'AccessDenied' || name === 'Forbidden' || status === 403)
    return new JobError(`access denied to S3 object ${where} (AccessDenied): the credentials need s3:GetObject on it`, {
      failure: 'source-missing',
      retryable: false,
      detail,
      cause: error })
  if (name === 'SlowDown' || status === 429)
    return new JobError(`S3 throttled the download of ${where}: ${describeAwsError(error)}`, { failure: 'quota', retryable: true, detail, cause: error })
  return new JobError(`S3 download of ${where} failed: ${describeAwsError(error)}`, {
    failure: isTransientAwsError(error) || status === undefined ? 'network' : 'other',
    retryable: isTransientAwsError(error) || status === undefined,
    detail,
    cause: error })
}
