import { describeAwsError, errorName, httpStatusOf, isNetworkError } from './aws-errors'

/**
 * Why an AWS call made by a connection check failed, as one sentence naming the cause and the
 * fix. Names of settings, never their values: a secret must not reach the console or a log.
 */
export function awsFailureSentence(error: unknown, ctx: { service: 'SQS' | 'S3'; host: string; endpointSetting: string; what: string }): string {
  const name = errorName(error) ?? ''
  const code = (error as { code?: string } | null)?.code ?? ''
  if (name === 'TimeoutError' || code === 'ETIMEDOUT' || name === 'RequestTimeout')
    return `${ctx.host} did not answer in time: check ${ctx.endpointSetting} and that this machine can reach it.`
  if (isNetworkError(error)) {
    const cause = networkCode(error)
    return `Cannot reach ${ctx.service} at ${ctx.host}${cause ? ` (${cause})` : ''}: check ${ctx.endpointSetting} and that the server is up.`
  }
  if (name === 'CredentialsProviderError' || /Could not load credentials/i.test(String((error as Error)?.message)))
    return 'No AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or configure an AWS profile or role for this machine.'
  if (name === 'InvalidClientTokenId' || name === 'UnrecognizedClientException' || name === 'InvalidAccessKeyId')
    return `${ctx.service} does not know the access key: check AWS_ACCESS_KEY_ID (and AWS_SESSION_TOKEN for temporary credentials).`
  if (name === 'SignatureDoesNotMatch' || name === 'IncompleteSignature')
    return `${ctx.service} refused the request signature: AWS_SECRET_ACCESS_KEY does not belong to AWS_ACCESS_KEY_ID.`
  if (name === 'ExpiredToken' || name === 'ExpiredTokenException' || name === 'RequestExpired')
    return 'The temporary credentials have expired: renew them and set AWS_SESSION_TOKEN again.'
  if (name === 'AccessDenied' || name === 'AccessDeniedException' || httpStatusOf(error) === 403)
    return `The credentials may not use ${ctx.what}: grant them access to it in IAM, or use other credentials.`
  return `${ctx.service} refused the check of ${ctx.what} (${describeAwsError(error)}).`
}

function networkCode(error: unknown): string | undefined {
  for (let e: unknown = error, depth = 0; e && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) return code
  }
  return undefined
}

export function hostOf(url: string | undefined, fallback: string): string {
  return url && URL.canParse(url) ? new URL(url).host : fallback
}
