import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { startConsoleServer, type ConsoleServer } from '../../src/server'
import { createInMemoryCore } from '../contract/in-memory-core'

// A person who opens the console's address without the token gets a page saying where to find
// it; programs (RPC, events, media) keep getting the JSON error they can read.
describe('the console opened without its token', () => {
  let server: ConsoleServer
  beforeAll(async () => {
    server = await startConsoleServer({ core: createInMemoryCore(), token: 'page-token-123' })
  })
  afterAll(() => server.close())

  it('explains where the token is, as a page, without showing it', async () => {
    const res = await fetch(`${server.url}/`, { headers: { Accept: 'text/html,application/xhtml+xml' } })
    expect(res.status).toBe(401)
    expect(res.headers.get('content-type')).toMatch(/^text\/html/)
    const body = await res.text()
    expect(body).toContain('needs its access token')
    expect(body).toContain('/?token=')
    expect(body).toContain('DATA_DIR/console-token')
    expect(body).not.toContain('page-token-123')
    expect(res.headers.get('content-security-policy')).toMatch(/script-src 'self'/)
  })

  it('still answers programs with JSON', async () => {
    const rpc = await fetch(`${server.url}/api/rpc/worker.status`, { method: 'POST', headers: { Accept: 'text/html' } })
    expect(rpc.status).toBe(401)
    expect(await rpc.json()).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    const plain = await fetch(`${server.url}/`)
    expect(plain.headers.get('content-type')).toMatch(/^application\/json/)
  })
})
