import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Browser, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startAwsLocal, TEST_CREDENTIALS, TEST_REGION, type AwsLocal } from '../support/aws-local'
import { makeTestVideo, tempDir } from '../support/media'

// An operator connects a fresh console to SQS + S3 (fauxqs here) from the settings panel, checks
// the connection, saves a profile, switches the running worker to it, watches a video go through
// S3, and switches back: one serve process throughout, one page load.
const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const BIN = path.join(ROOT, 'bin/video-processor.js')
const ARTIFACTS = path.join(ROOT, 'tests/artifacts')
const CHROMIUM = '/usr/bin/chromium'
const skipReason = existsSync(CHROMIUM) ? null : `${CHROMIUM} is missing: apt-get install -y chromium`
if (skipReason) console.warn(`settings e2e skipped: ${skipReason}`)

let dir: string
let cleanup: () => Promise<void>
let aws: AwsLocal
let queueUrl: string
let serve: ChildProcess
let output = ''
let openUrl: string
let browser: Browser
let page: Page
let clip: string
let loads = 0

/** No cloud setting may leak in from the machine: the console must start on its embedded defaults. */
function cleanEnv(dataDir: string): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(AWS_|GEMINI_|GOOGLE_|NEXT_PUBLIC_SUPABASE|SUPABASE_|WORKER_|POLL_|DOWNLOAD_DIR|DATA_DIR|READ_ONLY|CONSOLE_TOKEN|HOST|PORT)/.test(k))
  )
  return { ...clean, DATA_DIR: dataDir, POLL_WAIT_SECONDS: '1' }
}

async function rpc<T>(name: string, input?: unknown): Promise<T> {
  const url = new URL(openUrl)
  const res = await fetch(`${url.origin}/api/rpc/${name}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${url.searchParams.get('token')}`, 'Content-Type': 'application/json' },
    body: input === undefined ? '' : JSON.stringify(input)
  })
  return ((await res.json()) as { result: T }).result
}

const field = (name: string) => page.locator(`#setting-${name}`)
const activeProfile = () => page.getByTestId('active-profile').getAttribute('data-profile')
const row = (title: string) => page.getByTestId('video-row').filter({ hasText: title })

async function switchProfile(name: string): Promise<void> {
  await page.getByTestId('profile-select').selectOption(name)
  await page.getByTestId('profile-use').click()
  await page.getByTestId('profile-confirm').waitFor()
  await page.getByTestId('profile-confirm-yes').click()
  await expect.poll(activeProfile, { timeout: 90_000 }).toBe(name)
  await expect.poll(() => page.getByTestId('worker-state').getAttribute('data-state'), { timeout: 30_000 }).toBe('running')
}

describe.skipIf(skipReason !== null)('connecting the console to the cloud from its settings', () => {
  beforeAll(async () => {
    ;({ dir, cleanup } = await tempDir('vp-settings-e2e-'))
    aws = await startAwsLocal()
    await aws.createBucket('media')
    queueUrl = (await aws.createQueue('e2e-videos')).url
    clip = await makeTestVideo(dir, 'upload-me.mp4')
    serve = spawn(process.execPath, [BIN, 'serve', '--port', '0'], { cwd: dir, env: cleanEnv(path.join(dir, 'data')), stdio: ['ignore', 'pipe', 'pipe'] })
    serve.stdout!.on('data', (d: Buffer) => (output += d.toString()))
    serve.stderr!.on('data', (d: Buffer) => (output += d.toString()))
    const until = Date.now() + 90_000
    for (;;) {
      // As Jupyter does: the banner carries an address that opens as it is.
      const match = /^\s+(http:\/\/127\.0\.0\.1:\d+\/\?token=\S+)$/m.exec(output)
      if (match?.[1]) {
        openUrl = match[1]
        break
      }
      if (serve.exitCode !== null || Date.now() > until) throw new Error(`serve did not start:\n${output}`)
      await new Promise((r) => setTimeout(r, 100))
    }
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']
    })
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } })
    page.on('load', () => (loads += 1))
    await mkdir(ARTIFACTS, { recursive: true })
  })

  afterAll(async () => {
    await browser?.close()
    if (serve && serve.exitCode === null) {
      const exited = new Promise((resolve) => serve.once('exit', resolve))
      serve.kill('SIGINT')
      await exited
    }
    await aws?.stop()
    await cleanup?.()
  })

  it('prints a ready-to-open address whose token is the one kept for the data directory', async () => {
    const token = (await readFile(path.join(dir, 'data', 'console-token'), 'utf8')).trim()
    expect(new URL(openUrl).searchParams.get('token')).toBe(token)
    expect(output).toMatch(/Console on http:\/\/127\.0\.0\.1:\d+\//)
  })

  it('opens on the embedded defaults and offers to connect each cloud backend', async () => {
    await page.goto(openUrl)
    await page.locator('[data-ready=true]').waitFor()
    await page.getByTestId('first-run').waitFor()
    expect(await page.getByTestId('first-run').textContent()).toContain('Running on the embedded defaults')
    expect(await activeProfile()).toBe('local')
    // The flag given to serve is what the console shows (it showed the default 5317 before).
    expect((await rpc<Record<string, string>>('config.get'))['PORT']).toBe('0')
    await page.screenshot({ path: path.join(ARTIFACTS, 'settings-first-run.png') })
  })

  it('enters SQS + S3 settings into a new profile, validates them as typed, checks and saves them', async () => {
    await page.getByTestId('connect-aws').click()
    await page.getByTestId('settings-panel').waitFor()
    await page.getByTestId('profile-new-name').fill('staging')
    await page.getByTestId('profile-new').click()
    await expect.poll(() => page.getByTestId('profile-select').inputValue()).toBe('staging')

    await field('WORKER_CONCURRENCY').fill('abc')
    await expect.poll(() => page.getByTestId('setting-WORKER_CONCURRENCY-error').textContent()).toBe('WORKER_CONCURRENCY="abc" is not valid: expected a whole number from 1 to 64')
    expect(await page.getByTestId('settings-save').isDisabled()).toBe(true)
    await field('WORKER_CONCURRENCY').fill('')

    await field('AWS_REGION').fill(TEST_REGION)
    await field('AWS_ACCESS_KEY_ID').fill(TEST_CREDENTIALS.accessKeyId)
    await field('AWS_SECRET_ACCESS_KEY').fill(TEST_CREDENTIALS.secretAccessKey)
    await field('AWS_ENDPOINT_URL').fill(aws.endpoint)
    await field('AWS_S3_BUCKET').fill('missing-bucket')
    await field('AWS_SQS_URL').fill(queueUrl)

    // Checked before saving, with the values as typed.
    await page.getByTestId('check-sqs').click()
    await expect.poll(() => page.getByTestId('check-sqs-result').getAttribute('data-status')).toBe('ok')
    expect(await page.getByTestId('check-sqs-result').textContent()).toContain('Queue e2e-videos answers: standard')
    await page.getByTestId('check-s3').click()
    await expect.poll(() => page.getByTestId('check-s3-result').getAttribute('data-status')).toBe('failed')
    expect(await page.getByTestId('check-s3-result').textContent()).toContain('The bucket missing-bucket does not exist')
    await field('AWS_S3_BUCKET').fill('media')
    await page.getByTestId('check-s3').click()
    await expect.poll(() => page.getByTestId('check-s3-result').getAttribute('data-status')).toBe('ok')
    await page.getByTestId('settings-group-sqs').scrollIntoViewIfNeeded()
    await page.screenshot({ path: path.join(ARTIFACTS, 'settings-check.png') })

    await page.getByTestId('settings-save').click()
    await expect.poll(() => page.getByTestId('settings-message').textContent()).toBe('Saved to staging.')
    // The secret went in; only its mask comes back.
    expect(await field('AWS_SECRET_ACCESS_KEY').getAttribute('placeholder')).toBe('saved (****); type to replace')
    const saved = await readFile(path.join(dir, 'data', 'settings.json'), 'utf8')
    expect(saved).toContain('e2e-videos')
    expect(saved).not.toContain('"AWS_SECRET_ACCESS_KEY"')
  })

  it('switches the running worker to the profile and completes a video enqueued through S3', async () => {
    const pid = serve.pid
    await switchProfile('staging')
    await expect.poll(() => page.getByTestId('backends').textContent()).toContain('sqs (e2e-videos)')
    await page.screenshot({ path: path.join(ARTIFACTS, 'settings-switched.png') })
    await page.getByTestId('settings-close').click()

    await page.getByTestId('open-add').click()
    await page.getByTestId('add-location').fill(clip)
    await page.getByTestId('add-title').fill('Through S3')
    await page.getByTestId('add-submit').click()
    await expect.poll(() => page.getByTestId('add-message').textContent()).toBe('Queued Through S3')
    await expect.poll(() => row('Through S3').getAttribute('data-status'), { timeout: 120_000 }).toBe('completed')
    const listed = await rpc<{ items: { title: string; source: { kind: string; bucket?: string } }[] }>('videos.list', { limit: 10 })
    expect(listed.items.find((v) => v.title === 'Through S3')?.source).toMatchObject({ kind: 's3', bucket: 'media' })
    expect(serve.pid).toBe(pid)
    expect(serve.exitCode).toBeNull()
  })

  it('switches back to local without restarting the server or reloading the page', async () => {
    await page.getByTestId('open-settings').click()
    await switchProfile('local')
    await expect.poll(() => page.getByTestId('backends').textContent()).toContain('local (PGlite)')
    expect(serve.exitCode).toBeNull()
    // The lock names its holder's pid on the first line (then its role): still the same server process.
    expect((await readFile(path.join(dir, 'data', 'owner.lock'), 'utf8')).split('\n')[0]).toBe(String(serve.pid))
    expect(loads).toBe(1)
    expect(output).toContain('Profile staging is active')
    expect(output).toContain('Profile local is active')
  })
})
