import { describe, expect, it } from 'vitest'
import { createShutdown, type RunningApp, type ShutdownNotice } from '../../src/main/shutdown'

/** A running app whose parts can hang (a stop that never ends, a close that never returns). */
function fakeApp(opts: { inFlight?: number; stopHangs?: boolean; closeHangs?: boolean } = {}) {
  const calls: string[] = []
  const never = new Promise<void>(() => undefined)
  const app: RunningApp = {
    inFlight: async () => opts.inFlight ?? 0,
    stopWorker: async (mode) => {
      calls.push(`stop:${mode}`)
      if (opts.stopHangs) await never
    },
    close: async () => {
      calls.push('close')
      if (opts.closeHangs) await never
    },
    closeDatabase: async () => void calls.push('close-db')
  }
  return { app, calls }
}

function harness(deadlineMs: number, graceMs: number) {
  const notices: ShutdownNotice[] = []
  const lines: string[] = []
  let exit: (code: number) => void = () => undefined
  const exited = new Promise<number>((resolve) => (exit = resolve))
  const shutdown = createShutdown({ deadlineMs: () => deadlineMs, graceMs, exit: (code) => exit(code), notify: (n) => notices.push(n), log: (l) => lines.push(l) })
  return { shutdown, notices, lines, exited }
}

describe('the desktop shutdown', () => {
  it('drains, closes and exits 0 when nothing hangs', async () => {
    const { app, calls } = fakeApp({ inFlight: 2 })
    const h = harness(60_000, 60_000)
    h.shutdown.attach(app)
    h.shutdown.request('quit')
    expect(await h.exited).toBe(0)
    expect(calls).toEqual(['stop:drain', 'close'])
    expect(h.notices).toEqual([
      { phase: 'draining', inFlight: 2, deadlineSeconds: 60 },
      { phase: 'closing', handedBack: 0 }
    ])
  })

  it('a quit during start-up waits for the app to open, then closes it', async () => {
    const { app, calls } = fakeApp()
    const h = harness(60_000, 60_000)
    h.shutdown.request('quit')
    expect(h.shutdown.started).toBe(true)
    expect(calls).toEqual([])
    h.shutdown.attach(app)
    expect(await h.exited).toBe(0)
    expect(calls).toEqual(['stop:drain', 'close'])
  })

  it('a quit before anything opened (start-up failed) exits with the given code', async () => {
    const h = harness(60_000, 60_000)
    h.shutdown.request('start-up failed', 1)
    h.shutdown.attach(null)
    expect(await h.exited).toBe(1)
  })

  it('at the deadline hands back what is left, and says how many', async () => {
    const { app, calls } = fakeApp({ inFlight: 3, stopHangs: true })
    const h = harness(20, 60_000)
    h.shutdown.attach(app)
    h.shutdown.request('quit')
    await expect.poll(() => calls).toContain('stop:now')
    expect(h.notices).toContainEqual({ phase: 'handing-back', handedBack: 3 })
  })

  it('a second quit hands back at once but never skips closing the database', async () => {
    const { app, calls } = fakeApp({ inFlight: 1 })
    let release: () => void = () => undefined
    app.stopWorker = async (mode) => {
      calls.push(`stop:${mode}`)
      if (mode === 'drain') await new Promise<void>((resolve) => (release = resolve))
    }
    const h = harness(60_000, 60_000)
    h.shutdown.attach(app)
    h.shutdown.request('quit')
    await expect.poll(() => calls).toContain('stop:drain')
    h.shutdown.request('quit')
    await expect.poll(() => calls).toContain('stop:now')
    release()
    expect(await h.exited).toBe(0)
    expect(calls).toEqual(['stop:drain', 'stop:now', 'close'])
  })

  it('after deadline + grace closes the database itself and exits 1, whatever hangs', async () => {
    const { app, calls } = fakeApp({ closeHangs: true })
    const h = harness(10, 30)
    h.shutdown.attach(app)
    h.shutdown.request('quit')
    expect(await h.exited).toBe(1)
    expect(calls).toEqual(['stop:drain', 'close', 'close-db'])
    expect(h.lines.join('\n')).toContain('did not end in time')
  })
})
