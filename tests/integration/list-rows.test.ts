import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/app/load-config'
import { openApp, type App } from '../../src/app/open-app'
import { analysisFacts } from '../../src/shared/video-view'
import { makeTestVideo, tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'

// The list carries what its columns show of a completed analysis, not the analysis itself:
// a console with thousands of analyses would otherwise load tens of megabytes per refresh.
let dir: string
let cleanup: () => Promise<void>
let app: App
const quiet = { debug() {}, info() {}, warn() {}, error() {} }

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-list-rows-'))
  const config = loadConfig({ cwd: dir, envFileName: null, env: { DATA_DIR: path.join(dir, 'data'), POLL_WAIT_SECONDS: '1', PATH: process.env['PATH'] ?? '' } })
  app = await openApp(config, { logger: quiet })
})

afterAll(async () => {
  await app?.close()
  await cleanup?.()
})

describe('videos.list rows', () => {
  it('gives a completed video its facts instead of the analysis JSON, which videos.get still returns whole', async () => {
    const api = app.core.api
    const clip = await makeTestVideo(dir, 'clip.mp4', { seconds: 3 })
    const video = await api['videos.enqueue']({ source: { kind: 'file', path: clip }, title: 'Listed' })
    await api['worker.start'](undefined)
    await waitUntil('the video to complete', async () => (await api['videos.get']({ id: video.id }))?.video.processingStatus === 'completed')

    const detail = await api['videos.get']({ id: video.id })
    expect(detail!.video.analysisResult).toContain('"summary"')
    const row = (await api['videos.list']({})).items.find((v) => v.id === video.id)!
    expect(row.analysisResult).toBeNull()
    expect(row.facts).toEqual(analysisFacts(detail!.video))
    expect(row.facts).toMatchObject({ engine: 'local', costUsd: null })
    expect(row.facts!.mediaSeconds).toBeCloseTo(3, 0)
    // The list's own filters still read it: the analyzer filter finds it, as the store's SQL did.
    expect((await api['videos.list']({ analyzer: 'local' })).items.map((v) => v.id)).toContain(video.id)
    expect(JSON.stringify(row).length).toBeLessThan(JSON.stringify(detail!.video).length / 2)
  })
})
