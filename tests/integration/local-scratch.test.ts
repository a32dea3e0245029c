import { watch } from 'node:fs'
import { mkdir, readdir } from 'node:fs/promises'
import path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { loadConfig } from '../../src/app/load-config'
import { createLogger } from '../../src/shared/logger'
import { openApp } from '../../src/app/open-app'
import { makeTestVideo, tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'

let dir: string
let cleanup: () => Promise<void>
beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-scratch-'))
})
afterAll(() => cleanup())

describe('the local analyzer scratch space', () => {
  it('lives in the job directory under DOWNLOAD_DIR, never in the OS temp folder', async () => {
    const clip = await makeTestVideo(dir, 'talk.mp4', { seconds: 2 })
    const osTemp = path.join(dir, 'os-temp')
    const downloads = path.join(dir, 'downloads')
    await mkdir(osTemp, { recursive: true })
    const app = await openApp(loadConfig({ env: { DATA_DIR: path.join(dir, 'data'), DOWNLOAD_DIR: downloads }, envFileName: null }), { logger: createLogger({ level: 'silent' }) })
    // Everything written to the OS temp folder while the job runs, and every job directory's content.
    const inTemp: string[] = []
    const inJobDirs: string[] = []
    const tempWatch = watch(osTemp, (_event, name) => name && inTemp.push(name))
    const jobWatch = watch(downloads, { recursive: true }, (_event, name) => name && inJobDirs.push(name))
    const saved = process.env['TMPDIR']
    process.env['TMPDIR'] = osTemp
    try {
      const video = await app.core.api['videos.enqueue']({ source: { kind: 'file', path: clip } })
      await app.core.start()
      await waitUntil('the analysis', async () => (await app.core.api['videos.get']({ id: video.id }))?.video.processingStatus === 'completed', 120_000)
    } finally {
      if (saved === undefined) delete process.env['TMPDIR']
      else process.env['TMPDIR'] = saved
      tempWatch.close()
      jobWatch.close()
      await app.close()
    }
    expect(inTemp).toEqual([])
    expect(inJobDirs.some((name) => /^[0-9a-f-]{36}-\d+[\\/]vp-local-/.test(name))).toBe(true)
    expect(await readdir(downloads)).toEqual([])
  })
})
