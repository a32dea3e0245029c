import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Protocol } from 'electron'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { registerAppProtocol } from '../../src/main/app-protocol'
import { createInMemoryCore } from '../contract/in-memory-core'

type Handler = (request: Request) => Promise<Response>

describe('app:// protocol handler', () => {
  const core = createInMemoryCore()
  let dir: string
  let handle: Handler
  let videoId: string

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vp-protocol-'))
    await mkdir(join(dir, 'renderer', 'assets'), { recursive: true })
    await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><div id="root"></div>')
    await writeFile(join(dir, 'renderer', 'assets', 'app.js'), 'console.log(1)')
    await writeFile(join(dir, 'secret.txt'), 'outside')
    await writeFile(join(dir, 'clip.mp4'), Buffer.from('0123456789'))
    videoId = (await core.api['videos.enqueue']({ source: { kind: 'file', path: join(dir, 'clip.mp4') } })).id
    // Electron's protocol module, reduced to the one call the handler makes.
    const protocol = {
      handle(scheme: string, handler: Handler) {
        expect(scheme).toBe('app')
        handle = handler
      }
    } as unknown as Protocol
    registerAppProtocol(protocol, join(dir, 'renderer'), core.api, join(dir, 'data'))
  })
  afterAll(() => rm(dir, { recursive: true, force: true }))

  it('serves the renderer with the CSP header, and index.html for client routes', async () => {
    const page = await handle(new Request('app://console/'))
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(page.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await page.text()).toContain('id="root"')
    const script = await handle(new Request('app://console/assets/app.js'))
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(await (await handle(new Request('app://console/videos/abc'))).text()).toContain('id="root"')
  })

  it('refuses other hosts, other methods and paths outside the renderer', async () => {
    expect((await handle(new Request('app://evil/index.html'))).status).toBe(404)
    expect((await handle(new Request('app://console/index.html', { method: 'POST', body: 'x' }))).status).toBe(405)
    const escape = await handle(new Request('app://console/..%2f..%2fsecret.txt'))
    expect([403, 404]).toContain(escape.status)
    expect(await escape.text()).not.toContain('outside')
  })

  it('streams a local video with ranges for the player, and nothing for unknown ids', async () => {
    const whole = await handle(new Request(`app://console/media/${videoId}/video`))
    expect(whole.status).toBe(200)
    expect(whole.headers.get('content-type')).toBe('video/mp4')
    expect(await whole.text()).toBe('0123456789')
    const part = await handle(new Request(`app://console/media/${videoId}/video`, { headers: { Range: 'bytes=2-4' } }))
    expect(part.status).toBe(206)
    expect(part.headers.get('content-range')).toBe('bytes 2-4/10')
    expect(await part.text()).toBe('234')
    expect((await handle(new Request('app://console/media/00000000-0000-4000-8000-000000000000/video'))).status).toBe(404)
    expect((await handle(new Request(`app://console/media/${videoId}/keyframe/0`))).status).toBe(404)
  })
})
