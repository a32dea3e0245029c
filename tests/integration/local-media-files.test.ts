import { copyFile, mkdir, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createEmbeddedStore } from '../../src/adapters/store/embedded'
import { loadConfig } from '../../src/app/load-config'
import { createLogger } from '../../src/shared/logger'
import { openApp, type App } from '../../src/app/open-app'
import { serveOwnerConsole } from '../../src/server/owner-console'
import type { VideoSource } from '../../src/shared/video-source'
import { makeTestVideo, tempDir } from '../support/media'
import { waitUntil } from '../support/wait-until'

const FAKE_CREDENTIALS = '[default]\naws_access_key_id = AKIAFAKEFAKEFAKEFAKE\naws_secret_access_key = fake/secret/key/that/must/never/leave\n'

let dir: string
let cleanup: () => Promise<void>
let home: string
let media: string
let clip: string
let credentials: string
let credentialsTxt: string
let hiddenClip: string
let outsideClip: string
let linkToOutside: string
const dataDir = () => path.join(dir, 'data')

function configFor(extra: Record<string, string> = {}) {
  return loadConfig({ env: { DATA_DIR: dataDir(), DOWNLOAD_DIR: path.join(dir, 'dl'), ...extra }, envFileName: null })
}

beforeAll(async () => {
  ;({ dir, cleanup } = await tempDir('vp-media-files-'))
  home = path.join(dir, 'home')
  media = path.join(dir, 'media')
  await mkdir(path.join(home, '.aws'), { recursive: true })
  await mkdir(path.join(home, '.cache'), { recursive: true })
  await mkdir(path.join(home, 'notes'), { recursive: true })
  await mkdir(media, { recursive: true })
  credentials = path.join(home, '.aws', 'credentials')
  await writeFile(credentials, FAKE_CREDENTIALS)
  credentialsTxt = path.join(home, 'notes', 'credentials.txt')
  await copyFile(credentials, credentialsTxt)
  clip = await makeTestVideo(media, 'clip.mp4', { seconds: 1 })
  outsideClip = path.join(home, 'notes', 'outside.mp4')
  await copyFile(clip, outsideClip)
  hiddenClip = path.join(home, '.cache', 'clip.mp4')
  await copyFile(clip, hiddenClip)
  linkToOutside = path.join(media, 'link.mp4')
  await symlink(outsideClip, linkToOutside)
}, 60_000)
afterAll(() => cleanup())

async function refusal(app: App, source: VideoSource): Promise<string> {
  const error = await app.core.api['videos.enqueue']({ source }).then(
    () => null,
    (e: unknown) => e
  )
  expect(error, `${JSON.stringify(source)} was accepted`).toBeInstanceOf(Error)
  return (error as Error).message
}

describe('local files at enqueue', () => {
  it('accepts a video file and refuses secrets, relative paths, hidden folders and folders, each with the fix', async () => {
    const app = await openApp(configFor(), { logger: createLogger({ level: 'silent' }) })
    try {
      expect((await app.core.api['videos.enqueue']({ source: { kind: 'file', path: clip } })).source).toEqual({ kind: 'file', path: clip })
      expect(await refusal(app, { kind: 'file', path: 'media/clip.mp4' })).toMatch(/not an absolute path: give the full path/)
      expect(await refusal(app, { kind: 'file', path: credentials })).toMatch(/hidden folder \(\.aws\).*move the file/)
      expect(await refusal(app, { kind: 'file', path: hiddenClip })).toMatch(/hidden folder \(\.cache\)/)
      expect(await refusal(app, { kind: 'file', path: credentialsTxt })).toMatch(/not a video or audio file.*ffprobe/)
      expect(await refusal(app, { kind: 'file', path: media })).toMatch(/not a regular file/)
      expect(await refusal(app, { kind: 'file', path: path.join(media, 'missing.mp4') })).toMatch(/no such file/)
    } finally {
      await app.close()
    }
  })

  it('refuses files outside MEDIA_ROOTS, also through a link that leads out of them', async () => {
    const app = await openApp(configFor({ MEDIA_ROOTS: media }), { logger: createLogger({ level: 'silent' }) })
    try {
      expect((await app.core.api['videos.enqueue']({ source: { kind: 'file', path: clip } })).processingStatus).toBe('queued')
      expect(await refusal(app, { kind: 'file', path: outsideClip })).toMatch(/outside MEDIA_ROOTS.*add its folder to MEDIA_ROOTS/)
      expect(await refusal(app, { kind: 'file', path: linkToOutside })).toMatch(/outside MEDIA_ROOTS/)
    } finally {
      await app.close()
    }
  })

  it('refuses a relative MEDIA_ROOTS entry as a setting to fix', () => {
    expect(() => configFor({ MEDIA_ROOTS: 'videos' })).toThrow(/MEDIA_ROOTS/)
  })

  it('keeps the password of an http source out of the row', async () => {
    const app = await openApp(configFor(), { logger: createLogger({ level: 'silent' }) })
    try {
      const video = await app.core.api['videos.enqueue']({ source: { kind: 'http', url: 'http://alice:hunter2secret@127.0.0.1:9/v.mp4?x=1' } })
      expect(JSON.stringify(video.source)).not.toContain('hunter2secret')
      expect(JSON.stringify((await app.core.api['videos.get']({ id: video.id }))?.video.source)).not.toContain('hunter2secret')
    } finally {
      await app.close()
    }
  })
})

describe('local files served by the console and read by the worker', () => {
  it('never serves a row pointing at a copy of credentials, in normal and read-only mode; serves the video', async () => {
    // Rows as another producer could write them (a queue message, a Supabase row): no enqueue check ran.
    const ids = { secret: randomUUID(), secretTxt: randomUUID(), clip: randomUUID() }
    {
      const app = await openApp(configFor(), { logger: createLogger({ level: 'silent' }) })
      const store = createEmbeddedStore(app.db)
      await store.createVideo({ id: ids.secret, title: null, source: { kind: 'file', path: credentials } })
      await store.createVideo({ id: ids.secretTxt, title: null, source: { kind: 'file', path: credentialsTxt } })
      await store.createVideo({ id: ids.clip, title: null, source: { kind: 'file', path: clip } })
      await app.close()
    }
    for (const readOnly of ['false', 'true']) {
      const app = await openApp(configFor({ READ_ONLY: readOnly }), { logger: createLogger({ level: 'silent' }) })
      const owner = await serveOwnerConsole(app, { token: 'a-test-token-of-enough-length' })
      try {
        const get = (id: string) => fetch(`${owner.server.url}/media/${id}/video`, { headers: { authorization: 'Bearer a-test-token-of-enough-length' } })
        for (const id of [ids.secret, ids.secretTxt]) {
          const res = await get(id)
          const body = await res.text()
          expect(res.status, `read-only ${readOnly}`).toBe(404)
          expect(body).not.toContain('aws_secret_access_key')
        }
        const inspected = await app.core.api['videos.inspect']({ id: ids.secret })
        expect(inspected).toMatchObject({ present: false, stills: [], metadata: null })
        expect(inspected.note).toMatch(/^Not inspected: .*hidden folder \(\.aws\)/)
        const ok = await get(ids.clip)
        expect(ok.status).toBe(200)
        expect(ok.headers.get('content-type')).toBe('video/mp4')
        await ok.arrayBuffer()
      } finally {
        await owner.close()
        await app.close()
      }
    }
  })

  it('fails a queued message naming a secret file instead of reading it', async () => {
    const app = await openApp(configFor(), { logger: createLogger({ level: 'silent' }) })
    try {
      const id = randomUUID()
      await app.core.api['queue.send']({ body: JSON.stringify({ video_id: id, source_type: 'file', file_path: credentialsTxt }) })
      await app.core.start()
      await waitUntil('the video to fail', async () => (await app.core.api['videos.get']({ id }))?.video.processingStatus === 'failed', 60_000)
      const detail = await app.core.api['videos.get']({ id })
      expect(detail?.video.errorCause).toBe('unreadable-media')
      expect(detail?.video.analysisResult ?? '').toMatch(/not a video or audio file/)
    } finally {
      await app.close()
    }
  })
})
