import type { SettingName } from '../shared/settings-catalog'
import type { BackendSummary, CheckBackend } from '../shared/settings'

type Values = Partial<Record<SettingName, string>>

function queueName(url: string): string {
  return url.replace(/\/+$/, '').split('/').pop() ?? url
}

/** Which backends a set of values configures (an SQS URL, a bucket, a Gemini key, a Supabase URL). */
export function configuredBackends(v: Values): CheckBackend[] {
  const out: CheckBackend[] = []
  if (v.AWS_SQS_URL) out.push('sqs')
  if (v.AWS_S3_BUCKET) out.push('s3')
  if (v.GEMINI_API_KEY) out.push('gemini')
  if (v.NEXT_PUBLIC_SUPABASE_URL || v.SUPABASE_SERVICE_ROLE_KEY) out.push('supabase')
  return out
}

/**
 * One sentence per backend: what runs, or what is missing and what that means, so a first run
 * (nothing set) and a half-finished setup (SQS without a bucket) both say where they stand.
 */
export function summarize(v: Values): BackendSummary[] {
  const credentials = v.AWS_ACCESS_KEY_ID ? '' : " No AWS_ACCESS_KEY_ID: the SDK's provider chain (profile, instance role) must supply credentials."
  const sqs: BackendSummary = v.AWS_SQS_URL
    ? { backend: 'sqs', state: 'configured', message: `The worker consumes the SQS queue ${queueName(v.AWS_SQS_URL)}.${credentials}` }
    : { backend: 'sqs', state: 'embedded', message: "The queue is the embedded local queue: only this machine's worker takes its videos." }
  let s3: BackendSummary
  if (v.AWS_S3_BUCKET) s3 = { backend: 's3', state: 'configured', message: `S3 sources default to the bucket ${v.AWS_S3_BUCKET}; local files enqueued to SQS are uploaded there.` }
  else if (v.AWS_SQS_URL)
    s3 = {
      backend: 's3',
      state: 'partial',
      message: "AWS_S3_BUCKET is not set: with SQS, local files cannot be enqueued (other workers cannot read this machine's paths) and S3 messages must name their bucket."
    }
  else s3 = { backend: 's3', state: 'embedded', message: 'No bucket: videos come from local files and http(s) or YouTube URLs.' }
  const gemini: BackendSummary = v.GEMINI_API_KEY
    ? { backend: 'gemini', state: 'configured', message: `Videos are analysed by Gemini (${v.GEMINI_MODEL ?? 'the default model'}).` }
    : { backend: 'gemini', state: 'embedded', message: 'Videos are analysed on this machine with ffmpeg (the local analyzer); set GEMINI_API_KEY to use Gemini.' }
  let supabase: BackendSummary
  if (v.NEXT_PUBLIC_SUPABASE_URL && v.SUPABASE_SERVICE_ROLE_KEY)
    supabase = { backend: 'supabase', state: 'configured', message: `The videos table is in Supabase at ${hostOf(v.NEXT_PUBLIC_SUPABASE_URL)}.` }
  else if (v.NEXT_PUBLIC_SUPABASE_URL || v.SUPABASE_SERVICE_ROLE_KEY) {
    const [set, missing] = v.NEXT_PUBLIC_SUPABASE_URL ? ['NEXT_PUBLIC_SUPABASE_URL', 'SUPABASE_SERVICE_ROLE_KEY'] : ['SUPABASE_SERVICE_ROLE_KEY', 'NEXT_PUBLIC_SUPABASE_URL']
    supabase = { backend: 'supabase', state: 'partial', message: `${set} is set without ${missing}: the worker cannot start until both are set.` }
  } else supabase = { backend: 'supabase', state: 'embedded', message: 'The videos table is in the embedded database (PGlite) in DATA_DIR.' }
  return [sqs, s3, gemini, supabase]
}

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).host : url
}
