import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startConsoleServer, type ConsoleServer } from '../../src/server'
import { createSseParser } from '../../src/shared/http-events'
import { createInMemoryCore } from '../contract/in-memory-core'

type Frame = { event: string; data: string; id?: string }

/** Opens a stream; `take(n)` resolves with the next n frames. */
async function open(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController()
  const response = await fetch(url, { headers, signal: abort.signal })
  const frames: Frame[] = []
  const parse = createSseParser((message) => {
    if (message.data !== '' || message.event !== 'message') frames.push(message)
  })
  const reader = response.body!.getReader()
  const decoder = new TextDecoder()
  return {
    async take(count: number): Promise<Frame[]> {
      while (frames.length < count) {
        const { done, value } = await reader.read()
        if (done) break
        parse(decoder.decode(value, { stream: true }))
      }
      return frames.splice(0, count)
    },
    close: () => abort.abort()
  }
}

async function read(url: string, count: number, headers: Record<string, string> = {}): Promise<Frame[]> {
  const stream = await open(url, headers)
  const frames = await stream.take(count)
  stream.close()
  return frames
}

describe('event stream', () => {
  const core = createInMemoryCore() // its bus keeps the last 50 events
  let server: ConsoleServer
  beforeAll(async () => {
    server = await startConsoleServer({ core })
  })
  afterAll(() => server.close())

  it('greets a new client with the current position, then streams events with ids', async () => {
    const stream = await open(`${server.url}/api/events`)
    const [hello] = await stream.take(1)
    expect(hello).toMatchObject({ event: 'hello', id: String(core.events.lastSeq) })
    await core.api['worker.start'](undefined)
    const [event] = await stream.take(1)
    stream.close()
    expect(event?.id).toBe(String(core.events.lastSeq))
    expect(JSON.parse(event?.data ?? '')).toMatchObject({ type: 'worker.state', state: 'running' })
  })

  it('replays what a reconnecting client missed after its Last-Event-ID', async () => {
    const from = core.events.lastSeq
    await core.api['worker.stop'](undefined)
    await core.api['worker.start'](undefined)
    const frames = await read(`${server.url}/api/events`, 2, { 'Last-Event-ID': String(from) })
    expect(frames.map((f) => [f.id, JSON.parse(f.data).state])).toEqual([
      [String(from + 1), 'stopped'],
      [String(from + 2), 'running']
    ])
  })

  it('sends reset when the missed events are gone or the server restarted', async () => {
    for (let i = 0; i < 60; i++) await core.api['worker.start'](undefined)
    const [gone] = await read(`${server.url}/api/events`, 1, { 'Last-Event-ID': '1' })
    expect(gone?.event).toBe('reset')
    const [restarted] = await read(`${server.url}/api/events?lastEventId=999999`, 1)
    expect(restarted).toMatchObject({ event: 'reset', id: String(core.events.lastSeq) })
  })
})
