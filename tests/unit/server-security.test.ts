import { request as httpRequest } from 'node:http'
import { mkdtemp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { hostname, networkInterfaces } from 'node:os'
import { startConsoleServer, type ConsoleServer } from '../../src/server'
import { allowedHostnames, isAllowedHost } from '../../src/server/guards'
import { createInMemoryCore } from '../contract/in-memory-core'

type Reply = { status: number; headers: Record<string, string | string[] | undefined>; body: string }

function send(base: string, path: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  const url = new URL(path, base)
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: init.method ?? 'GET', headers: init.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }))
    })
    req.on('error', reject)
    req.end(init.body)
  })
}

const json = { 'Content-Type': 'application/json' }

describe('console server guards', () => {
  const core = createInMemoryCore()
  let dir: string
  let open: ConsoleServer
  let locked: ConsoleServer
  let readOnly: ConsoleServer

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vp-server-'))
    await mkdir(join(dir, 'renderer', 'assets'), { recursive: true })
    await writeFile(join(dir, 'renderer', 'index.html'), '<!doctype html><title>console</title>')
    await writeFile(join(dir, 'secret.txt'), 'outside the static root')
    open = await startConsoleServer({ core, staticDir: join(dir, 'renderer'), dataDir: join(dir, 'data') })
    locked = await startConsoleServer({ core, token: 's3cret-token' })
    readOnly = await startConsoleServer({ core, readOnly: true, dataDir: join(dir, 'data') })
  })
  afterAll(async () => {
    await Promise.all([open.close(), locked.close(), readOnly.close()])
    await rm(dir, { recursive: true, force: true })
  })

  it('refuses to bind a non-loopback address without a token, naming the fix', async () => {
    await expect(startConsoleServer({ core, host: '0.0.0.0' })).rejects.toThrow(/without a token.*CONSOLE_TOKEN/)
    await expect(startConsoleServer({ core, host: '192.168.1.20', token: '' })).rejects.toThrow(/--token/)
  })

  it('on a wildcard bind accepts the machine\'s own addresses and name, nothing else', () => {
    const allowed = allowedHostnames({ host: '0.0.0.0', token: 't' })
    const ip = Object.values(networkInterfaces()).flat().find((nic) => nic && !nic.internal)?.address
    if (ip) expect(isAllowedHost(ip.includes(':') ? `[${ip}]:5317` : `${ip}:5317`, allowed)).toBe(true)
    expect(isAllowedHost(`${hostname()}:5317`, allowed)).toBe(true)
    expect(isAllowedHost('evil.example:5317', allowed)).toBe(false)
    expect(isAllowedHost('10.0.0.1:5317', allowedHostnames({ host: '127.0.0.1' }))).toBe(false)
  })

  it('binds 127.0.0.1 by default', () => {
    expect(open.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/)
  })

  it('answers 401 without the token, on RPC and on the event stream', async () => {
    const rpc = await send(locked.url, '/api/rpc/worker.status', { method: 'POST' })
    expect(rpc.status).toBe(401)
    expect(JSON.parse(rpc.body)).toMatchObject({ ok: false, error: { code: 'unauthorized' } })
    expect((await send(locked.url, '/api/events')).status).toBe(401)
    const wrong = await send(locked.url, '/api/rpc/worker.status', { method: 'POST', headers: { Authorization: 'Bearer nope' } })
    expect(wrong.status).toBe(401)
    expect(wrong.body).not.toContain('s3cret-token')
  })

  it('accepts the token as Bearer, as ?token= (setting a cookie), and as that cookie', async () => {
    const bearer = await send(locked.url, '/api/rpc/worker.status', { method: 'POST', headers: { Authorization: 'Bearer s3cret-token' } })
    expect(bearer.status).toBe(200)
    const query = await send(locked.url, '/api/rpc/worker.status?token=s3cret-token', { method: 'POST' })
    expect(query.status).toBe(200)
    const cookie = String(query.headers['set-cookie']).split(';')[0] ?? ''
    expect(query.headers['set-cookie']?.[0]).toMatch(/HttpOnly; SameSite=Strict/)
    const viaCookie = await send(locked.url, '/api/rpc/worker.status', { method: 'POST', headers: { Cookie: cookie } })
    expect(viaCookie.status).toBe(200)
  })

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    const port = new URL(open.url).port
    const foreign = await send(open.url, '/api/rpc/worker.status', { method: 'POST', headers: { Host: `evil.example:${port}` } })
    expect(foreign.status).toBe(403)
    expect(foreign.body).toMatch(/Host not allowed/)
    const page = await send(open.url, '/', { headers: { Host: `rebound.attacker.test:${port}` } })
    expect(page.status).toBe(403)
    expect((await send(open.url, '/', { headers: { Host: `localhost:${port}` } })).status).toBe(200)
  })

  it('refuses a write from a foreign Origin but accepts its own page and non-browser clients', async () => {
    const body = JSON.stringify({ source: { kind: 'file', path: '/tmp/a.mp4' } })
    const foreign = await send(open.url, '/api/rpc/videos.enqueue', { method: 'POST', headers: { ...json, Origin: 'http://evil.example' }, body })
    expect(foreign.status).toBe(403)
    const otherPort = await send(open.url, '/api/rpc/videos.enqueue', { method: 'POST', headers: { ...json, Origin: 'http://127.0.0.1:1' }, body })
    expect(otherPort.status).toBe(403)
    const own = await send(open.url, '/api/rpc/videos.enqueue', { method: 'POST', headers: { ...json, Origin: open.url }, body })
    expect(own.status).toBe(200)
    expect((await send(open.url, '/api/rpc/videos.enqueue', { method: 'POST', headers: json, body })).status).toBe(200)
  })

  it('limits the body size, insists on JSON and validates input with the procedure schema', async () => {
    const big = JSON.stringify({ source: { kind: 'file', path: 'x'.repeat(70_000) } })
    expect((await send(open.url, '/api/rpc/videos.enqueue', { method: 'POST', headers: json, body: big })).status).toBe(413)
    const form = await send(open.url, '/api/rpc/videos.enqueue', { method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: '{}' })
    expect(form.status).toBe(415)
    const invalid = await send(open.url, '/api/rpc/videos.get', { method: 'POST', headers: json, body: JSON.stringify({ id: 'not-a-uuid' }) })
    expect(invalid.status).toBe(400)
    expect(JSON.parse(invalid.body).error.message).toMatch(/Invalid input for videos.get: id/)
    expect((await send(open.url, '/api/rpc/videos.drop', { method: 'POST' })).status).toBe(404)
    expect((await send(open.url, '/api/rpc/worker.status')).status).toBe(405)
  })

  it('in read-only mode refuses every write and reports readOnly in the status', async () => {
    const start = await send(readOnly.url, '/api/rpc/worker.start', { method: 'POST' })
    expect(start.status).toBe(403)
    expect(JSON.parse(start.body).error.code).toBe('read-only')
    const status = JSON.parse((await send(readOnly.url, '/api/rpc/worker.status', { method: 'POST' })).body)
    expect(status.result.readOnly).toBe(true)
  })

  it('takes an upload as a raw body into DATA_DIR/uploads and enqueues it, with the same guards as writes', async () => {
    const octet = { 'Content-Type': 'application/octet-stream' }
    const ok = await send(open.url, '/api/upload?name=..%2F..%2Fclip.mp4&title=Uploaded', { method: 'POST', headers: { ...octet, Origin: open.url }, body: 'fake video bytes' })
    expect(ok.status).toBe(200)
    const video = JSON.parse(ok.body).result
    expect(video.title).toBe('Uploaded')
    expect(video.source.path).toMatch(new RegExp(`^${join(dir, 'data', 'uploads')}/[0-9a-f-]{36}-clip\\.mp4$`))
    expect(await readFile(video.source.path, 'utf8')).toBe('fake video bytes')

    const foreign = await send(open.url, '/api/upload?name=a.mp4', { method: 'POST', headers: { ...octet, Origin: 'http://evil.example' }, body: 'x' })
    expect(foreign.status).toBe(403)
    const form = await send(open.url, '/api/upload?name=a.mp4', { method: 'POST', headers: { 'Content-Type': 'multipart/form-data; boundary=x' }, body: 'x' })
    expect(form.status).toBe(415)
    const refused = await send(readOnly.url, '/api/upload?name=a.mp4', { method: 'POST', headers: octet, body: 'x' })
    expect(refused.status).toBe(403)
    expect(JSON.parse(refused.body).error.code).toBe('read-only')
    expect((await readdir(join(dir, 'data', 'uploads'))).length).toBe(1)
  })

  it('serves the renderer with CSP and nosniff, never a file outside its root', async () => {
    const page = await send(open.url, '/')
    expect(page.status).toBe(200)
    expect(page.headers['content-security-policy']).toContain("script-src 'self'")
    expect(page.headers['content-security-policy']).not.toContain('unsafe-eval')
    expect(page.headers['x-content-type-options']).toBe('nosniff')
    expect((await send(open.url, '/videos/123')).body).toContain('<title>console</title>')
    const escape = await send(open.url, '/..%2fsecret.txt')
    expect(escape.body).not.toContain('outside the static root')
    expect((await send(open.url, '/assets/missing.js')).status).toBe(404)
  })
})
