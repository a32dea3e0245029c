import { S3Client } from '@aws-sdk/client-s3'
import { SQSClient } from '@aws-sdk/client-sqs'

/**
 * How to reach AWS (or an S3/SQS-compatible server). The composition root fills this from
 * `AWS_REGION`, `AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY`, `AWS_ENDPOINT_URL`,
 * `AWS_ENDPOINT_URL_SQS` and `AWS_ENDPOINT_URL_S3`. Anything left out falls back to the
 * SDK's default provider chain (environment, profile, instance role).
 */
export interface AwsClientOptions {
  region?: string
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string }
  /** Endpoint for every service (`AWS_ENDPOINT_URL`). */
  endpoint?: string
  /** SQS endpoint (`AWS_ENDPOINT_URL_SQS`); wins over `endpoint`. */
  sqsEndpoint?: string
  /** S3 endpoint (`AWS_ENDPOINT_URL_S3`); wins over `endpoint`. */
  s3Endpoint?: string
  /** Path-style S3 URLs; defaults to true whenever an S3 endpoint is set (local servers have no bucket DNS). */
  forcePathStyle?: boolean
  /** `WHEN_REQUIRED` for servers that store aws-chunked framing as data (s3rver). */
  requestChecksumCalculation?: 'WHEN_SUPPORTED' | 'WHEN_REQUIRED'
  /** SDK-level attempts per call; the adapters add their own backoff on top. */
  maxAttempts?: number
}

const DEFAULT_REGION = 'us-east-1'

/**
 * An SQS client whose HTTP timeout outlasts the longest long poll, so a 20 s
 * `WaitTimeSeconds` is never cut short by the socket timeout.
 */
export function createSqsClient(opts: AwsClientOptions = {}, longestWaitSeconds = 20): SQSClient {
  const endpoint = opts.sqsEndpoint ?? opts.endpoint
  return new SQSClient({
    region: opts.region ?? DEFAULT_REGION,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
    // Our own backoff (p-retry, logged) does the retrying; one SDK retry covers a dropped keep-alive socket.
    maxAttempts: opts.maxAttempts ?? 2,
    // Without throwOnRequestTimeout the SDK only warns at the timeout: a request on a connection that
    // went silent (a dropped route, a black-holed peer) would wait forever, and with it a stop.
    requestHandler: { requestTimeout: (longestWaitSeconds + 10) * 1000, connectionTimeout: 5000, throwOnRequestTimeout: true }
  })
}

export function createS3Client(opts: AwsClientOptions = {}): S3Client {
  const endpoint = opts.s3Endpoint ?? opts.endpoint
  return new S3Client({
    region: opts.region ?? DEFAULT_REGION,
    ...(opts.credentials ? { credentials: opts.credentials } : {}),
    ...(endpoint ? { endpoint } : {}),
    forcePathStyle: opts.forcePathStyle ?? endpoint !== undefined,
    ...(opts.requestChecksumCalculation
      ? { requestChecksumCalculation: opts.requestChecksumCalculation, responseChecksumValidation: opts.requestChecksumCalculation }
      : {}),
    maxAttempts: opts.maxAttempts ?? 3,
    // A stalled body stream (no bytes for 60 s) fails, and the source resumes it with a Range request.
    requestHandler: { requestTimeout: 60_000, connectionTimeout: 10_000 }
  })
}
