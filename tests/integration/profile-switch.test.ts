/**
 * Switching connection profiles in a running app: the worker drains, the ports reopen with the
 * new profile's settings and the worker restarts, all behind the same ConsoleApi and event
 * stream (no process restart). A profile whose backends cannot work leaves the app as it was.
 */
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createLogger } from '../../src/shared/logger'
import { loadConfig, type LoadConfigOptions } from '../../src/app/load-config'
import { openApp, type App } from '../../src/app/open-app'
import type { WorkerEvent } from '../../src/shared/events'
import { startAwsLocal, type AwsLocal } from '../support/aws-local'
import { awsSettings } from '../support/cloud-settings'
import { makeTestVideo, tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'

let aws: AwsLocal
let dir: string
let cleanup: () => Promise<void>
let clip: string
let app: App
let queueUrl: string
const events: WorkerEvent[] = []

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-profile-switch-'))
  aws = await startAwsLocal()
  await aws.createBucket('media')
  queueUrl = (await aws.createQueue('switch-videos')).url
  clip = await makeTestVideo(dir)
  const load: LoadConfigOptions = { cwd: dir, envFileName: null, env: { DATA_DIR: path.join(dir, 'data'), POLL_WAIT_SECONDS: '1' } }
  app = await openApp(loadConfig(load), { logger: createLogger({ level: 'silent' }), settings: load })
  app.core.events.subscribe((e) => void events.push(e))
  await app.core.start()
})
afterAll(async () => {
  await app?.close()
  await aws?.stop()
  await cleanup?.()
})

const api = () => app.core.api

async function completes(id: string): Promise<void> {
  await waitUntil(`video ${id} completed`, async () => (await api()['videos.get']({ id }))?.video.processingStatus === 'completed', 90_000)
}

describe('profiles in a running app', () => {
  it('keeps a bad profile from taking over: the error names the cause and the worker runs on', async () => {
    const bad = `http://127.0.0.1:1/000000000000/nowhere`
    await api()['settings.set']({ profile: 'broken', values: { AWS_SQS_URL: bad, AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test' } })
    const check = await api()['settings.check']({ backend: 'sqs', profile: 'broken' })
    expect(check).toMatchObject({ status: 'failed', message: expect.stringMatching(/^Cannot reach SQS at 127\.0\.0\.1:1 \(ECONNREFUSED\)/) })
    await expect(api()['profiles.use']({ name: 'broken' })).rejects.toThrow(/^Profile "broken" cannot be used, so "local" stays active: SQS queue .* cannot be used/)
    const status = await api()['worker.status'](undefined)
    expect([status.state, status.backends.queue]).toEqual(['running', 'local (PGlite)'])
    expect((await api()['profiles.list'](undefined)).active).toBe('local')
  }, 120_000)

  it('switches to SQS + S3, completes a video enqueued through S3, and switches back, on the same api object', async () => {
    const before = api()
    await api()['settings.set']({ profile: 'staging', values: awsSettings(aws.endpoint, queueUrl, 'media') })
    for (const backend of ['sqs', 's3'] as const) expect((await api()['settings.check']({ backend, profile: 'staging' })).status).toBe('ok')
    // A second click while the switch runs is refused, not queued behind it.
    const [first, second] = await Promise.allSettled([api()['profiles.use']({ name: 'staging' }), api()['profiles.use']({ name: 'staging' })])
    expect(second).toMatchObject({ status: 'rejected', reason: expect.objectContaining({ code: 'conflict', message: 'a switch to profile "staging" is under way: wait for it to finish' }) })
    expect(first.status === 'fulfilled' && first.value.active).toBe('staging')
    const status = await api()['worker.status'](undefined)
    expect([status.state, status.backends.queue]).toEqual(['running', 'sqs (switch-videos)'])
    expect(api()).toBe(before)
    expect(events.some((e) => e.type === 'settings.changed' && e.switching === 'staging')).toBe(true)
    expect((await api()['config.get'](undefined))['AWS_SQS_URL']).toBe(queueUrl)

    const video = await api()['videos.enqueue']({ source: { kind: 'file', path: clip }, title: 'through S3' })
    expect(video.source).toMatchObject({ kind: 's3', bucket: 'media' })
    await completes(video.id)

    await api()['profiles.use']({ name: 'local' })
    const back = await api()['worker.status'](undefined)
    expect([back.state, back.backends.queue]).toEqual(['running', 'local (PGlite)'])
    const local = await api()['videos.enqueue']({ source: { kind: 'file', path: clip }, title: 'local again' })
    await completes(local.id)
    // The history of the embedded store is the same one as before the switches.
    expect((await api()['videos.list']({ limit: 10 })).items.map((v) => v.title)).toContain('local again')
  }, 180_000)

  it('closes cleanly when the app shuts down in the middle of a switch', async () => {
    // The broken profile's SQS is retried for a while: a shutdown arrives meanwhile.
    const switching = api()['profiles.use']({ name: 'broken' }).then(
      () => null,
      (e: unknown) => e
    )
    await waitUntil('the switch to start', async () => (await api()['profiles.list'](undefined)).switching === 'broken', 10_000)
    await app.close()
    expect(String(await switching)).toMatch(/Profile "broken" cannot be used/)
    await expect(api()['profiles.use']({ name: 'staging' })).rejects.toThrow()
  }, 120_000)
})
