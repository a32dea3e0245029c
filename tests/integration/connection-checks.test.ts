import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { checkGemini } from '../../src/adapters/analyzer/gemini-check'
import { createSqsClient } from '../../src/adapters/aws-clients'
import { checkSqsQueue } from '../../src/adapters/queue/sqs-check'
import { checkS3Bucket } from '../../src/adapters/source/s3-check'
import { checkSupabase } from '../../src/adapters/store/supabase-check'
import { runCheck } from '../../src/app/connection-checks'
import { loadConfig } from '../../src/app/load-config'
import type { CheckResult } from '../../src/shared/settings'
import { interceptResponse, startAwsLocal, startS3rver, type AwsLocal } from '../support/aws-local'
import { awsSettings, geminiSettings, supabaseSettings } from '../support/cloud-settings'
import { startFakeGemini, type FakeGemini } from '../support/fake-gemini'
import { startFakeSupabase, TEST_SERVICE_KEY, type FakeSupabase } from '../support/fake-supabase'

// Each check against the real stand-ins: a good configuration passes; each fault an operator
// meets (wrong credentials, wrong URL, missing bucket, missing column) is one sentence naming
// the cause and the fix, and never carries a secret.

let aws: AwsLocal
let s3rver: Awaited<ReturnType<typeof startS3rver>>
let gemini: FakeGemini
let supabase: FakeSupabase
let closedPort: number
let queue: { url: string; arn: string }
let dlq: { url: string; arn: string }

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

/** One sentence, and no secret in it. */
function expectOneLine(result: CheckResult, ...secrets: string[]): void {
  expect(result.message).not.toMatch(/\n/)
  for (const secret of secrets) expect(JSON.stringify(result)).not.toContain(secret)
}

beforeAll(async () => {
  aws = await startAwsLocal()
  s3rver = await startS3rver(['media'])
  gemini = await startFakeGemini()
  supabase = await startFakeSupabase()
  closedPort = await freePort()
  dlq = await aws.createQueue('checks-dlq')
  queue = await aws.createQueue('checks', { VisibilityTimeout: '45', RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlq.arn, maxReceiveCount: '4' }) })
  await aws.createBucket('uploads')
})
afterAll(async () => {
  await Promise.allSettled([aws?.stop(), s3rver?.stop(), gemini?.close(), supabase?.close()])
})

describe('SQS check (fauxqs)', () => {
  it('passes on a good queue and reports its type, visibility, redrive policy and depth', async () => {
    await aws.sqs.send(new (await import('@aws-sdk/client-sqs')).SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{}' }))
    const result = await checkSqsQueue({ queueUrl: queue.url, aws: aws.aws })
    expect(result.status).toBe('ok')
    expect(result.message).toBe('Queue checks answers: standard, visibility 45 s, dead-letter queue checks-dlq after 4 receives, about 1 message waiting.')
    expect(result.details).toContainEqual({ label: 'redrive policy', value: 'checks-dlq, maxReceiveCount 4' })
    const fifo = await aws.createQueue('checks.fifo', { FifoQueue: 'true' })
    expect((await checkSqsQueue({ queueUrl: fifo.url, aws: aws.aws })).message).toMatch(/^Queue checks\.fifo answers: FIFO, visibility 30 s, no dead-letter queue/)
  })

  it('names a queue that does not exist', async () => {
    const url = queue.url.replace(/checks$/, 'nope')
    const result = await checkSqsQueue({ queueUrl: url, aws: aws.aws })
    expect(result).toMatchObject({ status: 'failed', message: `The queue nope does not exist at 127.0.0.1:${aws.port}: check AWS_SQS_URL (and AWS_REGION), or create the queue.` })
  })

  it('names an endpoint nothing listens on', async () => {
    const endpoint = `http://127.0.0.1:${closedPort}`
    const result = await checkSqsQueue({ queueUrl: `${endpoint}/000000000000/checks`, aws: { ...aws.aws, endpoint } })
    expect(result).toMatchObject({ status: 'failed', message: `Cannot reach SQS at 127.0.0.1:${closedPort} (ECONNREFUSED): check AWS_SQS_URL and AWS_ENDPOINT_URL and that the server is up.` })
  })

  it('names wrong credentials (answered as AWS answers them: fauxqs checks no signature)', async () => {
    const client = createSqsClient({ ...aws.aws, maxAttempts: 1 }, 0)
    interceptResponse(client, 'GetQueueAttributesCommand', 1, () => ({
      statusCode: 403,
      body: { __type: 'com.amazon.coral.service#InvalidClientTokenId', message: 'The security token included in the request is invalid.' }
    }))
    const wrong = await checkSqsQueue({ queueUrl: queue.url, aws: aws.aws, client })
    expect(wrong).toMatchObject({ status: 'failed', message: 'SQS does not know the access key: check AWS_ACCESS_KEY_ID (and AWS_SESSION_TOKEN for temporary credentials).' })
    interceptResponse(client, 'GetQueueAttributesCommand', 1, () => ({ statusCode: 400, body: { __type: 'com.amazon.coral.service#SignatureDoesNotMatch', message: 'The request signature we calculated does not match.' } }))
    expect((await checkSqsQueue({ queueUrl: queue.url, aws: aws.aws, client })).message).toBe('SQS refused the request signature: AWS_SECRET_ACCESS_KEY does not belong to AWS_ACCESS_KEY_ID.')
    client.destroy()
  })
})

describe('S3 check (s3rver, fauxqs)', () => {
  const secret = 'S3RVER'
  it('passes on an existing bucket', async () => {
    const result = await checkS3Bucket({ bucket: 'media', aws: s3rver.aws })
    expect(result).toMatchObject({ status: 'ok', message: expect.stringMatching(/^Bucket media is reachable/) })
    expect((await checkS3Bucket({ bucket: 'uploads', aws: aws.aws })).status).toBe('ok')
  })

  it('names a missing bucket', async () => {
    const result = await checkS3Bucket({ bucket: 'missing-bucket', aws: s3rver.aws })
    expect(result).toMatchObject({ status: 'failed', message: `The bucket missing-bucket does not exist at ${new URL(s3rver.endpoint).host}: check AWS_S3_BUCKET and AWS_ENDPOINT_URL, or create the bucket.` })
  })

  it('names wrong credentials (s3rver knows its one access key)', async () => {
    const result = await checkS3Bucket({ bucket: 'media', aws: { ...s3rver.aws, credentials: { accessKeyId: 'AKIAWRONGKEY', secretAccessKey: 'wrong-secret-value' } } })
    expect(result.status).toBe('failed')
    expect(result.message).toMatch(/refused access to the bucket media: check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/)
    expectOneLine(result, 'wrong-secret-value', secret)
  })

  it('names an endpoint nothing listens on', async () => {
    const endpoint = `http://127.0.0.1:${closedPort}`
    const result = await checkS3Bucket({ bucket: 'media', aws: { ...s3rver.aws, endpoint } })
    expect(result.message).toBe(`Cannot reach S3 at 127.0.0.1:${closedPort} (ECONNREFUSED): check AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3) and that the server is up.`)
  })
})

describe('Gemini check (fake Gemini)', () => {
  it('passes with a good key and model, and lists the Flash/Pro models to pick from', async () => {
    const result = await checkGemini({ apiKey: gemini.apiKey, model: 'gemini-3.5-flash', baseUrl: gemini.url })
    expect(result).toMatchObject({ status: 'ok', message: expect.stringMatching(/^The key works and the model gemini-3\.5-flash is available/) })
    // Aliases first, newest first, the deprecated gemini-3.5-flash last; no embedding model.
    expect(result.models).toEqual([
      'gemini-flash-latest', 'gemini-flash-lite-latest', 'gemini-3.8-flash', 'gemini-3.7-flash', 'gemini-3.6-flash',
      'gemini-3.5-flash-lite', 'gemini-3.1-pro-preview', 'gemini-3.5-flash'
    ])
    expectOneLine(result, gemini.apiKey)
  })

  it('passes a deprecated model that Google reroutes, with a warning naming the replacement', async () => {
    const result = await checkGemini({ apiKey: gemini.apiKey, model: 'gemini-3.5-flash', baseUrl: gemini.url })
    expect(result.status).toBe('ok')
    expect(result.message).toMatch(/'gemini-3\.5-flash' is deprecated .*routes its requests to gemini-3\.6-flash: set GEMINI_MODEL to gemini-3\.6-flash or gemini-flash-latest\.$/)
    const current = await checkGemini({ apiKey: gemini.apiKey, model: 'gemini-flash-latest', baseUrl: gemini.url })
    expect(current.message).not.toMatch(/deprecated/)
  })

  it('names a wrong key, a retired model, and a wrong URL', async () => {
    const wrongKey = await checkGemini({ apiKey: 'AIza-wrong-key-000000000', model: 'gemini-3.5-flash', baseUrl: gemini.url })
    expect(wrongKey).toMatchObject({ status: 'failed', message: 'Gemini refused GEMINI_API_KEY as not valid: create a key in Google AI Studio and set it again.' })
    expectOneLine(wrongKey, 'AIza-wrong-key-000000000')
    const retired = await checkGemini({ apiKey: gemini.apiKey, model: 'gemini-1.0-pro', baseUrl: gemini.url })
    expect(retired.message).toBe('The model gemini-1.0-pro does not exist or has been retired: set GEMINI_MODEL to an available one (gemini-flash-latest, gemini-flash-lite-latest, gemini-3.8-flash, gemini-3.7-flash).')
    const nowhere = await checkGemini({ apiKey: gemini.apiKey, model: 'gemini-3.5-flash', baseUrl: `http://127.0.0.1:${closedPort}` })
    expect(nowhere.message).toBe(`Cannot reach Gemini at 127.0.0.1:${closedPort}: check GEMINI_BASE_URL (unset it for Google's endpoint) and that this machine can reach it.`)
    expectOneLine(nowhere, gemini.apiKey)
  })
})

describe('Supabase check (fake PostgREST)', () => {
  const check = (over: { url?: string; serviceRoleKey?: string } = {}) => checkSupabase({ url: supabase.rest.url, serviceRoleKey: TEST_SERVICE_KEY, ...over })

  it('passes when the videos table has every column', async () => {
    const result = await check()
    expect(result).toMatchObject({ status: 'ok', message: expect.stringMatching(/^The videos table on 127\.0\.0\.1:\d+ has every column the worker needs \(0 rows\)\.$/) })
    expectOneLine(result, TEST_SERVICE_KEY)
  })

  it('names a refused key, an anon key, and a wrong URL', async () => {
    const wrong = await check({ serviceRoleKey: 'not-the-service-role-key-123' })
    expect(wrong.message).toMatch(/refused SUPABASE_SERVICE_ROLE_KEY: copy the service_role key of this project/)
    expectOneLine(wrong, 'not-the-service-role-key-123')
    const anonJwt = `eyJhbGciOiJIUzI1NiJ9.${Buffer.from(JSON.stringify({ role: 'anon', iss: 'supabase' })).toString('base64url')}.c2lnbmF0dXJl`
    expect((await check({ serviceRoleKey: anonJwt })).message).toBe(
      'SUPABASE_SERVICE_ROLE_KEY holds the anon (public) key, which row-level security limits: use the service_role key (Project Settings → API).'
    )
    const nowhere = await check({ url: `http://127.0.0.1:${closedPort}` })
    expect(nowhere.message).toBe(`Cannot reach Supabase at 127.0.0.1:${closedPort}: check NEXT_PUBLIC_SUPABASE_URL (the project URL, https://<ref>.supabase.co) and the network.`)
    const notSupabase = await check({ url: `${gemini.url}/elsewhere` })
    expect(notSupabase.message).toMatch(/does not answer like a Supabase project \(HTTP 404\)/)
  })

  it('names a permission problem (row-level security, a role without grants)', async () => {
    supabase.rest.fail({ status: 403, code: '42501', message: 'permission denied for table videos' })
    expect((await check()).message).toBe('The key may not read the videos table (permission denied): use the service_role key, which bypasses row-level security, or grant its role access to the table.')
  })

  it('names a missing column and the migration that adds it', async () => {
    await supabase.db.exec('alter table videos rename column error_cause to error_cause_old')
    try {
      const result = await check()
      expect(result.message).toMatch(
        /^The videos table on 127\.0\.0\.1:\d+ lacks error_cause: apply supabase\/migrations\/20261126000002_videos_console_columns\.sql \(SQL editor or supabase db push\)\.$/
      )
    } finally {
      await supabase.db.exec('alter table videos rename column error_cause_old to error_cause')
    }
  })
})

describe('checks from a configuration (the app composes them)', () => {
  it('runs each backend from the settings an operator enters, and says which are not configured', async () => {
    const env = {
      DATA_DIR: '/tmp/vp-unused-data-dir',
      ...awsSettings(aws.endpoint, queue.url, 'uploads'),
      ...geminiSettings(gemini),
      ...supabaseSettings(supabase.rest.url)
    }
    const config = loadConfig({ env, envFileName: null })
    const results = await Promise.all((['sqs', 's3', 'gemini', 'supabase'] as const).map((b) => runCheck(config, b)))
    expect(results.map((r) => r.status)).toEqual(['ok', 'ok', 'ok', 'ok'])
    const bare = loadConfig({ env: { DATA_DIR: '/tmp/vp-unused-data-dir' }, envFileName: null })
    expect((await runCheck(bare, 'sqs'))).toMatchObject({ status: 'not-configured', message: 'AWS_SQS_URL is not set: the embedded local queue is used.' })
  })
})
