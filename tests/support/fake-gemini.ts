/**
 * A fake Gemini API (generativelanguage.googleapis.com) on 127.0.0.1 that speaks the REST wire
 * protocol as the real service does (research/gemini.md §2): resumable uploads (start, chunks at
 * checked offsets and 8 MiB granularity, finalize), File resources with PROCESSING → ACTIVE/FAILED,
 * generateContent with request validation, models.get, google.rpc error bodies. It refuses what the
 * real service refuses, so the real SDK pointed at it (httpOptions.baseUrl) is exercised honestly.
 * Uploaded bytes are hashed and counted, never kept. Faults are programmed per route.
 */
import { createHash, randomBytes } from 'node:crypto'
import { EventEmitter } from 'node:events'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { validateGenerateRequest, type Invalid } from './fake-gemini-validate'

export type Route = 'models.get' | 'models.list' | 'upload.start' | 'upload.chunk' | 'files.get' | 'files.list' | 'files.delete' | 'generate' | 'unknown'
export interface ErrorReply { status: number; body: unknown; contentType?: string }
export type Fault = { kind: 'error'; reply: ErrorReply } | { kind: 'reset' } | { kind: 'delay'; ms: number }
/** A scripted generateContent answer; the default is a valid analysis. */
export interface Reply { text?: string; finishReason?: string; blockReason?: string }

export interface FakeFile {
  name: string
  displayName?: string
  mimeType: string
  sizeBytes: string
  sha256Hash: string
  createTime: string
  state: 'PROCESSING' | 'ACTIVE' | 'FAILED'
  pollsLeft: number
  finalState: 'ACTIVE' | 'FAILED'
}

interface Session { id: string; meta: { mimeType: string; displayName?: string; name?: string }; size: number; received: number; hash: ReturnType<typeof createHash>; done: boolean }

const GRANULARITY = 8 * 1024 * 1024
const MODELS = ['gemini-3.5-flash', 'gemini-3.5-flash-lite', 'gemini-3.8-flash', 'gemini-3.1-pro-preview', 'gemini-flash-latest']

/** A google.rpc.Status error body. */
export function apiError(code: number, status: string, message: string, details: unknown[] = []): ErrorReply {
  return { status: code, body: { error: { code, message, status, ...(details.length ? { details } : {}) } } }
}

export const errors = {
  rateLimited: (retryDelay = '0.01s', quotaId = 'GenerateRequestsPerMinutePerProjectPerModel-FreeTier') =>
    apiError(429, 'RESOURCE_EXHAUSTED', 'You exceeded your current quota, please check your plan and billing details.', [
      { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [{ quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId, quotaValue: '10' }] },
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay }
    ]),
  dailyQuota: () => errors.rateLimited('3600s', 'GenerateRequestsPerDayPerProjectPerModel-FreeTier'),
  unavailable: () => apiError(503, 'UNAVAILABLE', 'The model is overloaded. Please try again later.'),
  internal: () => apiError(500, 'INTERNAL', 'An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting'),
  badGatewayHtml: (): ErrorReply => ({ status: 502, body: '<html><body>502 Bad Gateway</body></html>', contentType: 'text/html' })
}

export function sampleAnalysis(): Record<string, unknown> {
  const q = (n: number) => ({ question: `Question ${n} about the video?`, options: ['Alpha', 'Beta', 'Gamma', 'Delta'], answer: 'Beta', explanation: `Shown at 0:0${n}.` })
  return {
    summary: 'A test pattern with a tone, used to check the pipeline end to end.',
    topics: ['test pattern', 'audio tone'],
    quiz: [1, 2, 3, 4, 5].map(q),
    chapters: [{ start: 0, end: 5, title: 'Pattern', summary: 'The whole clip.' }]
  }
}

export class FakeGemini extends EventEmitter {
  readonly apiKey = 'fake-key-' + randomBytes(6).toString('hex')
  url = ''
  /** Stored files by name (`files/abc`): the inventory tests check is empty afterwards. */
  readonly files = new Map<string, FakeFile>()
  /** Files deleted so far, in order (with the hash of what was uploaded). */
  readonly deleted: FakeFile[] = []
  readonly requests: { route: Route; method: string; path: string }[] = []
  readonly generateBodies: Record<string, unknown>[] = []
  /** The display name of each uploaded file a successful generateContent answer was sent for (fully written to the socket). */
  readonly answeredFor: string[] = []
  readonly replies: Reply[] = []
  readonly privateYoutubeIds = new Set<string>()
  /** Applied to each new upload: PROCESSING for this many polls, then finalState. */
  nextFile: { processingPolls: number; finalState: 'ACTIVE' | 'FAILED' } = { processingPolls: 1, finalState: 'ACTIVE' }
  bytesReceived = 0
  private readonly faults = new Map<Route, Fault[]>()
  private readonly sessions = new Map<string, Session>()
  private server: Server | null = null
  private seq = 0

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) this.send(res, apiError(500, 'INTERNAL', `fake crashed: ${(e as Error).message}`))
    }))
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`
    return this
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections()
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()))
  }

  /** Queues `fault` for the next `times` requests on `route`. */
  fault(route: Route, fault: Fault, times = 1): this {
    const list = this.faults.get(route) ?? []
    for (let i = 0; i < times; i++) list.push(fault)
    this.faults.set(route, list)
    return this
  }

  /** Back to a clean slate between tests (stored files are left for the test to assert on). */
  reset(): void {
    this.faults.clear()
    this.requests.length = 0
    this.generateBodies.length = 0
    this.answeredFor.length = 0
    this.deleted.length = 0
    this.replies.length = 0
    this.privateYoutubeIds.clear()
    this.nextFile = { processingPolls: 1, finalState: 'ACTIVE' }
    this.removeAllListeners('request')
  }

  storedFiles(): string[] {
    return [...this.files.keys()]
  }

  count(route: Route): number {
    return this.requests.filter((r) => r.route === route).length
  }

  private route(method: string, path: string, query: URLSearchParams): Route {
    if (/^\/upload\/v1(beta)?\/files$/.test(path) && method === 'POST') return query.has('upload_id') ? 'upload.chunk' : 'upload.start'
    if (/^\/v1(beta)?\/models\/[^/:]+:generateContent$/.test(path) && method === 'POST') return 'generate'
    if (/^\/v1(beta)?\/models\/[^/:]+$/.test(path) && method === 'GET') return 'models.get'
    if (/^\/v1(beta)?\/models$/.test(path) && method === 'GET') return 'models.list'
    if (/^\/v1(beta)?\/files$/.test(path) && method === 'GET') return 'files.list'
    if (/^\/v1(beta)?\/files\/[^/]+$/.test(path)) return method === 'DELETE' ? 'files.delete' : method === 'GET' ? 'files.get' : 'unknown'
    return 'unknown'
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', this.url)
    const route = this.route(req.method ?? 'GET', url.pathname, url.searchParams)
    this.requests.push({ route, method: req.method ?? '', path: url.pathname })
    this.emit('request', route)
    const fault = this.faults.get(route)?.shift()
    if (fault?.kind === 'reset') return void req.socket.destroy()
    if (fault?.kind === 'delay') {
      await new Promise((r) => setTimeout(r, fault.ms))
      if (req.socket.destroyed) return
    }
    if (route === 'unknown') return this.send(res, apiError(404, 'NOT_FOUND', `The requested URL ${url.pathname} was not found on this server.`))
    const key = req.headers['x-goog-api-key'] ?? url.searchParams.get('key')
    if (route !== 'upload.chunk') {
      if (!key) return this.send(res, apiError(403, 'PERMISSION_DENIED', "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."))
      if (key !== this.apiKey) {
        return this.send(res, apiError(400, 'INVALID_ARGUMENT', 'API key not valid. Please pass a valid API key.', [
          { '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com' }
        ]))
      }
    }
    if (fault?.kind === 'error') {
      await drain(req)
      return this.send(res, fault.reply)
    }
    switch (route) {
      case 'upload.start': return this.uploadStart(req, res, url)
      case 'upload.chunk': return this.uploadChunk(req, res, url)
      case 'files.get': return this.filesGet(res, url.pathname)
      case 'files.delete': return this.filesDelete(req, res, url.pathname)
      case 'files.list': return this.send(res, { status: 200, body: { files: [...this.files.values()].map((f) => this.fileJson(f)) } })
      case 'models.get': return this.modelsGet(res, url.pathname)
      case 'models.list': return this.modelsList(res, url)
      case 'generate': return this.generate(req, res, url.pathname)
    }
  }

  private async uploadStart(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const h = req.headers
    const size = Number(h['x-goog-upload-header-content-length'])
    const body = await readJson(req)
    if (h['x-goog-upload-protocol'] !== 'resumable' || h['x-goog-upload-command'] !== 'start') {
      return this.send(res, apiError(400, 'INVALID_ARGUMENT', 'Upload requests must set X-Goog-Upload-Protocol: resumable and X-Goog-Upload-Command: start'))
    }
    if (!Number.isInteger(size) || size <= 0) return this.send(res, apiError(400, 'INVALID_ARGUMENT', 'Invalid value for X-Goog-Upload-Header-Content-Length'))
    const file = (body as { file?: Record<string, unknown> } | null)?.file ?? {}
    const mimeType = String(file.mimeType ?? h['x-goog-upload-header-content-type'] ?? '')
    if (!mimeType) return this.send(res, apiError(400, 'INVALID_ARGUMENT', 'Missing mime type'))
    if (file.sizeBytes !== undefined && String(file.sizeBytes) !== String(size)) {
      return this.send(res, apiError(400, 'INVALID_ARGUMENT', `Invalid value at 'file.size_bytes' (TYPE_INT64), "${String(file.sizeBytes)}"`))
    }
    const id = randomBytes(12).toString('hex')
    const meta = { mimeType, ...(file.displayName ? { displayName: String(file.displayName) } : {}), ...(file.name ? { name: String(file.name) } : {}) }
    this.sessions.set(id, { id, meta, size, received: 0, hash: createHash('sha256'), done: false })
    const version = url.pathname.split('/')[2]
    res.writeHead(200, {
      'x-goog-upload-url': `https://generativelanguage.googleapis.com/upload/${version}/files?upload_id=${id}&upload_protocol=resumable`,
      'x-goog-upload-status': 'active',
      'x-goog-upload-chunk-granularity': String(GRANULARITY),
      'content-type': 'text/plain; charset=utf-8'
    })
    res.end()
  }

  private async uploadChunk(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const session = this.sessions.get(url.searchParams.get('upload_id') ?? '')
    if (!session || session.done) {
      await drain(req)
      return this.send(res, apiError(404, 'NOT_FOUND', 'No upload session with this id (expired, cancelled or finished).'))
    }
    const command = String(req.headers['x-goog-upload-command'] ?? '').split(',').map((s) => s.trim())
    if (command.includes('query')) {
      res.writeHead(200, { 'x-goog-upload-status': 'active', 'x-goog-upload-size-received': String(session.received) })
      return void res.end()
    }
    if (!command.includes('upload') && !command.includes('finalize')) {
      await drain(req)
      return this.send(res, apiError(400, 'INVALID_ARGUMENT', `Unsupported X-Goog-Upload-Command: ${command.join(', ')}`))
    }
    const offset = Number(req.headers['x-goog-upload-offset'])
    if (offset !== session.received) {
      await drain(req)
      return this.send(res, apiError(400, 'INVALID_ARGUMENT', `X-Goog-Upload-Offset ${offset} does not match the ${session.received} bytes received`))
    }
    let chunk = 0
    for await (const data of req as AsyncIterable<Buffer>) {
      chunk += data.length
      session.hash.update(data)
    }
    session.received += chunk
    this.bytesReceived += chunk
    const finalize = command.includes('finalize')
    if (!finalize && chunk % GRANULARITY !== 0) {
      this.sessions.delete(session.id)
      return this.send(res, apiError(400, 'INVALID_ARGUMENT', `Chunk of ${chunk} bytes is not a multiple of the upload granularity ${GRANULARITY}`))
    }
    if (!finalize) {
      res.writeHead(200, { 'x-goog-upload-status': 'active' })
      return void res.end()
    }
    if (session.received !== session.size) {
      this.sessions.delete(session.id)
      return this.send(res, apiError(400, 'INVALID_ARGUMENT', `Finalized with ${session.received} bytes but ${session.size} were declared`))
    }
    session.done = true
    this.sessions.delete(session.id)
    const name = session.meta.name ?? `files/${(++this.seq).toString(36)}${randomBytes(5).toString('hex')}`
    // Video is processed (sampled at 1 fps) before use; other files are ACTIVE at once.
    const video = session.meta.mimeType.startsWith('video/')
    const finalState = video ? this.nextFile.finalState : 'ACTIVE'
    const file: FakeFile = {
      name, mimeType: session.meta.mimeType, sizeBytes: String(session.size), sha256Hash: session.hash.digest('base64'),
      createTime: new Date().toISOString(), state: video && this.nextFile.processingPolls > 0 ? 'PROCESSING' : finalState,
      pollsLeft: this.nextFile.processingPolls, finalState,
      ...(session.meta.displayName ? { displayName: session.meta.displayName } : {})
    }
    this.files.set(name, file)
    res.writeHead(200, { 'x-goog-upload-status': 'final', 'content-type': 'application/json; charset=UTF-8' })
    res.end(JSON.stringify({ file: this.fileJson(file) }))
  }

  private fileJson(f: FakeFile): Record<string, unknown> {
    const expiration = new Date(Date.parse(f.createTime) + 48 * 3600_000).toISOString()
    return {
      name: f.name, ...(f.displayName ? { displayName: f.displayName } : {}), mimeType: f.mimeType, sizeBytes: f.sizeBytes,
      createTime: f.createTime, updateTime: f.createTime, expirationTime: expiration, sha256Hash: f.sha256Hash,
      uri: `https://generativelanguage.googleapis.com/v1beta/${f.name}`, state: f.state, source: 'UPLOADED',
      ...(f.state === 'ACTIVE' && f.mimeType.startsWith('video/') ? { videoMetadata: { videoDuration: '5s' } } : {}),
      ...(f.state === 'FAILED' ? { error: { code: 3, message: 'Video processing failed: the stream could not be decoded.' } } : {})
    }
  }

  private missing(name: string): ErrorReply {
    return apiError(403, 'PERMISSION_DENIED', `You do not have permission to access the File ${name.replace('files/', '')} or it may not exist.`)
  }

  private filesGet(res: ServerResponse, path: string): void {
    const name = path.replace(/^\/v1(beta)?\//, '')
    const file = this.files.get(name)
    if (!file) return this.send(res, this.missing(name))
    if (file.state === 'PROCESSING' && --file.pollsLeft <= 0) file.state = file.finalState
    this.send(res, { status: 200, body: this.fileJson(file) })
  }

  private async filesDelete(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    await drain(req)
    const name = path.replace(/^\/v1(beta)?\//, '')
    const file = this.files.get(name)
    if (!file) return this.send(res, this.missing(name))
    this.files.delete(name)
    this.deleted.push(file)
    this.send(res, { status: 200, body: {} })
  }

  /** models.list, paged as the real service pages it (pageSize, nextPageToken); an embedding model is listed too. */
  private modelsList(res: ServerResponse, url: URL): void {
    const all = [
      ...MODELS.map((id) => ({ name: `models/${id}`, baseModelId: id, displayName: id, supportedGenerationMethods: ['generateContent', 'countTokens'] })),
      { name: 'models/gemini-embedding-001', baseModelId: 'gemini-embedding-001', displayName: 'Gemini Embedding', supportedGenerationMethods: ['embedContent'] }
    ]
    const size = Math.max(1, Number(url.searchParams.get('pageSize') ?? 50))
    const start = Number(url.searchParams.get('pageToken') ?? 0)
    const page = all.slice(start, start + size)
    const next = start + size < all.length ? { nextPageToken: String(start + size) } : {}
    this.send(res, { status: 200, body: { models: page, ...next } })
  }

  private modelsGet(res: ServerResponse, path: string): void {
    const id = path.split('/').pop() ?? ''
    if (!MODELS.includes(id)) {
      return this.send(res, apiError(404, 'NOT_FOUND', `models/${id} is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.`))
    }
    this.send(res, { status: 200, body: {
      name: `models/${id}`, baseModelId: id, version: '001', displayName: id, inputTokenLimit: 1048576, outputTokenLimit: 65536,
      supportedGenerationMethods: ['generateContent', 'countTokens', 'createCachedContent', 'batchGenerateContent'], thinking: true
    } })
  }

  private async generate(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    const model = path.match(/models\/([^/:]+):/)?.[1] ?? ''
    const body = await readJson(req)
    if (!MODELS.includes(model)) return this.send(res, apiError(404, 'NOT_FOUND', `models/${model} is not found for API version v1beta, or is not supported for generateContent.`))
    const used: string[] = []
    const invalid: Invalid | null = validateGenerateRequest(body, {
      file: (name) => {
        const file = this.files.get(name)
        if (file) used.push(file.displayName ?? name)
        return file
      },
      privateYoutube: (id) => this.privateYoutubeIds.has(id)
    })
    if (invalid) return this.send(res, apiError(invalid.code, invalid.status, invalid.message))
    this.generateBodies.push(body as Record<string, unknown>)
    const reply = this.replies.shift() ?? { text: JSON.stringify(sampleAnalysis()) }
    const usageMetadata = { promptTokenCount: 3310, candidatesTokenCount: 200, thoughtsTokenCount: 70, totalTokenCount: 3580,
      promptTokensDetails: [{ modality: 'TEXT', tokenCount: 310 }, { modality: 'VIDEO', tokenCount: 2700 }, { modality: 'AUDIO', tokenCount: 300 }] }
    // A client killed while waiting never gets the answer: only answers that went out count.
    if (!reply.blockReason) res.once('finish', () => this.answeredFor.push(...used))
    if (reply.blockReason) return this.send(res, { status: 200, body: { promptFeedback: { blockReason: reply.blockReason }, usageMetadata, modelVersion: model } })
    this.send(res, { status: 200, body: {
      candidates: [{ content: { role: 'model', parts: [{ text: reply.text ?? '' }] }, finishReason: reply.finishReason ?? 'STOP', index: 0 }],
      usageMetadata, modelVersion: model, responseId: randomBytes(8).toString('hex')
    } })
  }

  private send(res: ServerResponse, reply: ErrorReply): void {
    const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body)
    res.writeHead(reply.status, { 'content-type': reply.contentType ?? 'application/json; charset=UTF-8' })
    res.end(text)
  }
}

async function drain(req: IncomingMessage): Promise<void> {
  for await (const _ of req as AsyncIterable<Buffer>) void _
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = []
  for await (const data of req as AsyncIterable<Buffer>) parts.push(data)
  const text = Buffer.concat(parts).toString('utf8')
  if (!text) return null
  try {
    return JSON.parse(text)
  } catch {
    return { __invalidJson: text.slice(0, 100) }
  }
}

export async function startFakeGemini(): Promise<FakeGemini> {
  return new FakeGemini().start()
}
