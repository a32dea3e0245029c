import { HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3'
import type { CheckResult } from '../../shared/settings'
import { createS3Client, type AwsClientOptions } from '../aws-clients'
import { awsFailureSentence, hostOf } from '../aws-check-errors'
import { errorName, httpStatusOf } from '../aws-errors'

export interface S3CheckOptions {
  bucket: string
  aws: AwsClientOptions
  client?: S3Client
  timeoutMs?: number
}

/** HeadBucket on the configured bucket: it exists, these credentials may use it, and its region. */
export async function checkS3Bucket(opts: S3CheckOptions): Promise<CheckResult> {
  const endpoint = opts.aws.s3Endpoint ?? opts.aws.endpoint
  const host = hostOf(endpoint, `s3.${opts.aws.region ?? 'us-east-1'}.amazonaws.com`)
  const client = opts.client ?? createS3Client({ ...opts.aws, maxAttempts: 1 })
  try {
    const out = await client.send(new HeadBucketCommand({ Bucket: opts.bucket }), { abortSignal: AbortSignal.timeout(opts.timeoutMs ?? 10_000) })
    const region = out.BucketRegion
    const configured = opts.aws.region
    if (region && configured && region !== configured)
      return {
        backend: 's3',
        status: 'failed',
        message: `The bucket ${opts.bucket} is in ${region}, not in AWS_REGION ${configured}: set AWS_REGION to ${region} (the queue must be there too) or use a bucket in ${configured}.`,
        details: [{ label: 'bucket region', value: region }]
      }
    return {
      backend: 's3',
      status: 'ok',
      message: `Bucket ${opts.bucket} is reachable${region ? ` in ${region}` : ''} with these credentials.`,
      details: [
        { label: 'bucket', value: opts.bucket },
        { label: 'region', value: region ?? configured ?? 'not reported by the server' },
        { label: 'endpoint', value: host }
      ]
    }
  } catch (error) {
    const name = errorName(error)
    const status = httpStatusOf(error)
    const settings = endpoint ? 'AWS_S3_BUCKET and AWS_ENDPOINT_URL' : 'AWS_S3_BUCKET and AWS_REGION'
    let message: string
    if (name === 'NotFound' || name === 'NoSuchBucket' || status === 404) message = `The bucket ${opts.bucket} does not exist at ${host}: check ${settings}, or create the bucket.`
    else if (status === 301 || name === 'PermanentRedirect') message = `The bucket ${opts.bucket} is in another region than AWS_REGION: set AWS_REGION to the bucket's region.`
    // HeadBucket answers without a body, so S3 cannot say which credential it refused.
    else if (status === 403 && !['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'ExpiredToken'].includes(name ?? ''))
      message = `${host} refused access to the bucket ${opts.bucket}: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, and that they may use this bucket (s3:ListBucket, s3:GetObject, s3:PutObject).`
    else message = awsFailureSentence(error, { service: 'S3', host, endpointSetting: endpoint ? 'AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3)' : 'AWS_REGION', what: `the bucket ${opts.bucket}` })
    return { backend: 's3', status: 'failed', message, details: [] }
  } finally {
    if (!opts.client) client.destroy()
  }
}
