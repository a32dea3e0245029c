// @vitest-environment jsdom
import { act, cleanup, render, screen } from '@testing-library/react'
import { afterEach, describe, expect, it } from 'vitest'
import { createPreloadApi, SHUTDOWN_CHANNEL, type IpcRendererLike } from '../../../src/preload/api'
import { ShutdownBanner } from '../../../src/renderer/src/features/shell/ShutdownBanner'

/** ipcRenderer's listener registry, so main's `webContents.send` can be played to the preload. */
function fakeIpcRenderer(): IpcRendererLike & { emit(channel: string, payload: unknown): void; listeners(channel: string): number } {
  const listeners = new Map<string, Set<(event: never, payload: unknown) => void>>()
  return {
    invoke: () => Promise.resolve({ ok: true, result: null }),
    on: (channel, fn) => listeners.set(channel, (listeners.get(channel) ?? new Set()).add(fn)),
    removeListener: (channel, fn) => listeners.get(channel)?.delete(fn),
    emit: (channel, payload) => listeners.get(channel)?.forEach((fn) => fn({} as never, payload)),
    listeners: (channel) => listeners.get(channel)?.size ?? 0
  }
}

afterEach(cleanup)

describe('the desktop shutdown banner', () => {
  it('shows nothing until a quit begins, then each phase, ending with the jobs handed back', () => {
    const ipc = fakeIpcRenderer()
    const api = createPreloadApi(ipc, () => '')
    render(<ShutdownBanner subscribe={api.onShutdown} />)
    expect(screen.queryByTestId('shutdown')).toBeNull()
    act(() => ipc.emit(SHUTDOWN_CHANNEL, { phase: 'draining', inFlight: 2, deadlineSeconds: 30 }))
    expect(screen.getByTestId('shutdown').textContent).toBe('Stopping — finishing 2 jobs (up to 30 s); quit again to hand them back now')
    act(() => ipc.emit(SHUTDOWN_CHANNEL, { phase: 'handing-back', handedBack: 1 }))
    expect(screen.getByTestId('shutdown').textContent).toBe('Stopping — 1 job handed back to the queue')
    act(() => ipc.emit(SHUTDOWN_CHANNEL, { phase: 'closing', handedBack: 3 }))
    expect(screen.getByTestId('shutdown').textContent).toBe('Stopping — 3 jobs handed back; closing the database')
  })

  it('unsubscribes when it unmounts', () => {
    const ipc = fakeIpcRenderer()
    const api = createPreloadApi(ipc, () => '')
    const view = render(<ShutdownBanner subscribe={api.onShutdown} />)
    expect(ipc.listeners(SHUTDOWN_CHANNEL)).toBe(1)
    view.unmount()
    expect(ipc.listeners(SHUTDOWN_CHANNEL)).toBe(0)
  })
})
