import type { WebContents } from 'electron'
import { describe, expect, it } from 'vitest'
import { SHUTDOWN_CHANNEL } from '../../src/main/shutdown'
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL, type ApiResult } from '../../src/shared/console-api'
import type { WorkerEvent } from '../../src/shared/events'
import { registerIpcBridge, relayEvents } from '../../src/main/ipc-bridge'
import { cspFor, externalUrl, isAppUrl, isTrustedSender } from '../../src/main/security'
import * as preload from '../../src/preload/api'
import { createPreloadApi } from '../../src/preload/api'
import { createFakeIpc } from '../support/fake-ipc'
import { createInMemoryCore } from '../contract/in-memory-core'

function bridge(readOnly = false) {
  const core = createInMemoryCore()
  const fake = createFakeIpc()
  registerIpcBridge({
    ipcMain: fake.ipcMain,
    api: core.api,
    readOnly,
    isTrustedSender: (event) => isTrustedSender(event, fake.webContents as unknown as WebContents)
  })
  return { core, fake }
}

const call = (renderer: ReturnType<typeof createFakeIpc>['ipcRenderer'], name: string, input?: unknown) =>
  renderer.invoke(IPC_CALL_CHANNEL, name, input) as Promise<ApiResult>

describe('IPC bridge sender check', () => {
  it('serves the main frame of the console window', async () => {
    const { fake } = bridge()
    expect(await call(fake.ipcRenderer, 'worker.status')).toMatchObject({ ok: true, result: { state: 'stopped' } })
  })

  it('refuses another window, a subframe and a foreign page in the right window', async () => {
    const { fake } = bridge()
    const otherWindow = fake.rendererFor({ id: 2 }, fake.mainFrame)
    const subframe = fake.rendererFor(fake.webContents, { url: 'app://console/index.html' })
    fake.mainFrame.url = 'https://evil.example/'
    for (const renderer of [otherWindow, subframe, fake.ipcRenderer]) {
      expect(await call(renderer, 'worker.start')).toEqual({
        ok: false,
        error: { code: 'unauthorized', message: 'This frame may not call the console API' }
      })
    }
  })

  it('validates the procedure name and input with the shared schemas', async () => {
    const { fake } = bridge()
    expect(await call(fake.ipcRenderer, 'process.exit')).toMatchObject({ ok: false, error: { code: 'not-found' } })
    expect(await call(fake.ipcRenderer, 'toString')).toMatchObject({ ok: false, error: { code: 'not-found' } })
    const bad = await call(fake.ipcRenderer, 'videos.enqueue', { source: { kind: 'ftp', path: 'x' } })
    expect(bad).toMatchObject({ ok: false, error: { code: 'bad-request' } })
  })

  it('refuses writes in read-only mode', async () => {
    const { fake } = bridge(true)
    expect(await call(fake.ipcRenderer, 'videos.retryFailed')).toMatchObject({ ok: false, error: { code: 'read-only' } })
    expect(await call(fake.ipcRenderer, 'worker.status')).toMatchObject({ ok: true, result: { readOnly: true } })
  })

  it('relays events to the window until it is destroyed, without the IPC event object', async () => {
    const { core, fake } = bridge()
    relayEvents(core.events, fake.webContents)
    const received: WorkerEvent[] = []
    const preload = createPreloadApi(fake.ipcRenderer, () => '')
    preload.onEvent((event) => received.push(event))
    await core.api['worker.start'](undefined)
    expect(received).toEqual([expect.objectContaining({ type: 'worker.state', state: 'running' })])
    fake.webContents.destroy()
    await core.api['worker.stop'](undefined)
    expect(received).toHaveLength(1)
  })
})

describe('Electron security helpers', () => {
  it('the preload uses the shared channel names', () => {
    expect([preload.IPC_CALL_CHANNEL, preload.IPC_EVENT_CHANNEL]).toEqual([IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL])
    expect(preload.SHUTDOWN_CHANNEL).toBe(SHUTDOWN_CHANNEL)
  })

  it('recognises only the console origin', () => {
    expect(isAppUrl('app://console/index.html')).toBe(true)
    expect(isAppUrl('app://console.evil/index.html')).toBe(false)
    expect(isAppUrl('app://evil/console')).toBe(false)
    expect(isAppUrl('javascript:alert(1)')).toBe(false)
    expect(isAppUrl('file:///etc/passwd')).toBe(false)
    expect(isAppUrl('http://localhost:5173/', 'http://localhost:5173')).toBe(true)
    expect(isAppUrl('http://localhost:5174/', 'http://localhost:5173')).toBe(false)
  })

  it('opens only http(s) links externally', () => {
    expect(externalUrl('https://example.com/a')).toBe('https://example.com/a')
    expect(externalUrl('file:///etc/passwd')).toBeUndefined()
    expect(externalUrl('javascript:alert(1)')).toBeUndefined()
  })

  it('pins the production CSP: no inline or eval script, no plugins, no framing', () => {
    const csp = cspFor(false)
    expect(csp).toContain("script-src 'self'")
    expect(csp).not.toMatch(/script-src[^;]*unsafe/)
    expect(csp).toContain("object-src 'none'")
    expect(csp).toContain("frame-ancestors 'none'")
    expect(cspFor(true)).toContain("'unsafe-inline'")
  })
})
