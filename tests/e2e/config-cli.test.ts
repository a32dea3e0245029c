import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAwsLocal, type AwsLocal } from '../support/aws-local'
import { tempDir } from '../support/media'

// `video-processor config …`: the same store, rules and checks as the console, from a shell.
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = path.join(ROOT, 'bin/video-processor.js')
const SECRET = 'cli-secret-access-key-value-9876'

let dir: string
let cleanup: () => Promise<void>
let aws: AwsLocal
let queueUrl: string

function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(AWS_|GEMINI_|GOOGLE_|NEXT_PUBLIC_SUPABASE|SUPABASE_|WORKER_|POLL_|DATA_DIR|CONSOLE_TOKEN|HOST|PORT)/.test(k)))
  return { ...clean, DATA_DIR: path.join(dir, 'data'), ...extra }
}

/** Runs the CLI (asynchronously: fauxqs answers from this process). */
function cli(args: string[], extra: Record<string, string> = {}): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: dir, env: env(extra), stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (d: Buffer) => (out += d.toString()))
    child.stderr.on('data', (d: Buffer) => (err += d.toString()))
    child.on('exit', (code) => resolve({ code, out, err }))
  })
}

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-config-cli-'))
  aws = await startAwsLocal()
  queueUrl = (await aws.createQueue('cli-videos')).url
})
afterAll(async () => {
  await aws?.stop()
  await cleanup?.()
})

describe('video-processor config', () => {
  it('lists every setting on a fresh install, saying it runs on the embedded defaults', async () => {
    const { code, out } = await cli(['config', 'list'])
    expect(code).toBe(0)
    expect(out).toContain('Nothing is configured: the worker runs on its embedded defaults')
    expect(out).toMatch(/WORKER_CONCURRENCY\s+\(default: 10 with Gemini \(its jobs wait on the network\); one per CPU core, at most 8, with the local analyzer\)/)
    expect(out).toContain('Queue (Amazon SQS)')
  })

  it('refuses a bad value with one line and exit code 2, and a value the environment decides', async () => {
    const bad = await cli(['config', 'set', 'WORKER_CONCURRENCY', 'abc'])
    expect([bad.code, bad.err]).toEqual([2, 'WORKER_CONCURRENCY="abc" is not valid: expected a whole number from 1 to 64\n'])
    const env = await cli(['config', 'set', 'AWS_REGION', 'eu-west-1'], { AWS_REGION: 'us-west-2' })
    expect([env.code, env.err.trim()]).toEqual([2, 'AWS_REGION is set by the environment, which wins over saved settings: change or remove it there'])
    expect((await cli(['config', 'set', 'NOT_A_THING', 'x'])).err).toMatch(/NOT_A_THING is not a setting/)
  })

  it('saves a profile named after the variables, masks the secret, and checks it', async () => {
    const set = await cli(['config', 'set', '--profile', 'staging', `AWS_SQS_URL=${queueUrl}`, `AWS_ENDPOINT_URL=${aws.endpoint}`, 'AWS_REGION=us-east-1', 'AWS_ACCESS_KEY_ID=test', `AWS_SECRET_ACCESS_KEY=${SECRET}`])
    expect(set.code).toBe(0)
    expect(set.out).toContain('AWS_SECRET_ACCESS_KEY = ****9876  (profile staging)')
    expect(set.out + set.err).not.toContain(SECRET)
    expect((await cli(['config', 'get', 'AWS_SECRET_ACCESS_KEY', '--profile', 'staging'])).out).toBe('****9876\n')
    expect((await readFile(path.join(dir, 'data', 'settings.json'), 'utf8'))).not.toContain(SECRET)

    const check = await cli(['config', 'check', '--profile', 'staging'])
    expect(check.code).toBe(0)
    expect(check.out).toMatch(/^sqs\s+ok\s+Queue cli-videos answers: standard/m)
    expect(check.out).toMatch(/^gemini\s+-\s+GEMINI_API_KEY is not set/m)
    expect(check.out).not.toContain(SECRET)
  })

  it('exits 1 when a configured backend fails its check, naming the cause', async () => {
    await cli(['config', 'set', '--profile', 'broken', 'AWS_SQS_URL=http://127.0.0.1:1/000000000000/q', 'AWS_ENDPOINT_URL=http://127.0.0.1:1', 'AWS_ACCESS_KEY_ID=test', 'AWS_SECRET_ACCESS_KEY=test'])
    // No credentials at all is a failure of its own, named as such.
    const bare = await cli(['config', 'check', 'sqs', '--profile', 'bare'], { AWS_SQS_URL: 'http://127.0.0.1:1/000000000000/q', AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent' })
    expect([bare.code, bare.out]).toEqual([1, expect.stringMatching(/^sqs\s+FAILED\s+No AWS credentials were found: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY/)])
    const check = await cli(['config', 'check', 'sqs', '--profile', 'broken'])
    expect(check.code).toBe(1)
    expect(check.out).toMatch(/^sqs\s+FAILED\s+Cannot reach SQS at 127\.0\.0\.1:1 \(ECONNREFUSED\)/m)
  })

  it('makes a profile active, lists profiles, and unsets a value', async () => {
    expect((await cli(['config', 'profile', 'use', 'staging'])).out).toBe('Profile staging is active\n')
    const list = await cli(['config', 'profile', 'list'])
    expect(list.out).toMatch(/^\* staging\s+sqs$/m)
    expect(list.out).toMatch(/^ {2}local\s+embedded defaults$/m)
    expect((await cli(['config', 'get', 'AWS_SQS_URL'])).out.trim()).toBe(queueUrl)
    expect((await cli(['config', 'unset', 'AWS_SECRET_ACCESS_KEY', 'AWS_ACCESS_KEY_ID'])).code).toBe(0)
    const gone = await cli(['config', 'get', 'AWS_ACCESS_KEY_ID'])
    expect([gone.code, gone.out]).toEqual([1, "(not set; default: the SDK's provider chain (profile, instance role))\n"])
    const missing = await cli(['config', 'profile', 'use', 'nowhere'])
    expect([missing.code, missing.err.trim()]).toEqual([1, 'There is no profile "nowhere": save a setting to it first (it is made then)'])
  })
})
