/**
 * A fake Gemini API (generativelanguage.googleapis.com) on 127.0.0.1 that speaks the REST wire
 * protocol as the real service does: resumable uploads (start, chunks at
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

interface Session {
  id: string
  meta: { mimeType: string; displayName?: string; name?: string }
  size: number
  received: number
  hash: ReturnType<typeof createHash>
  done: boolean
  /** Once finalized: the file it created, which a `query` reports (status final). */
  file?: string
}

const GRANULARITY = 8 * 1024 * 1024
const MODELS = [
  'gemini-3.5-flash', 'gemini-3.5-flash-lite', 'gemini-3.6-flash', 'gemini-3.7-flash', 'gemini-3.8-flash', 'gemini-3.1-pro-preview',
  'gemini-flash-latest', 'gemini-flash-lite-latest'
]
/**
 * The model that really answers (`modelVersion`): aliases name a concrete model, and a deprecated
 * model is rerouted by Google to its replacement.
 */
export const ANSWERED_BY: Record<string, string> = {
  'gemini-flash-latest': 'gemini-3.8-flash',
  'gemini-flash-lite-latest': 'gemini-3.5-flash-lite',
  'gemini-3.5-flash': 'gemini-3.6-flash'
}

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
  badGatewayHtml: (): ErrorReply => ({ status: 502, body: '<html><body>502 Bad Gateway</body></html>', contentType: 'text/html' }),
  /** A YouTube video longer than the model's context: the token count is refused. */
  youtubeTooLong: () => apiError(400, 'INVALID_ARGUMENT', 'The input token count (3421876) exceeds the maximum number of tokens allowed (1048576).'),
  /** A private, unlisted or age-restricted YouTube video: the service says no more than this. */
  youtubeUnavailable: () => apiError(400, 'INVALID_ARGUMENT', 'Request contains an invalid argument.'),
  /** A YouTube live stream: the watch page is fetched as HTML. */
  youtubeLive: () => apiError(400, 'INVALID_ARGUMENT', 'Unsupported MIME type: text/html'),
  /**
   * Per-minute and per-day violations in one 429, as the free tier sends them; `dayLimit` '0' is
   * a model the tier may not use at all (the daily limit is reached before the first request).
   */
  minuteAndDay: (dayLimit: string, retryDelay = '0.02s') =>
    apiError(429, 'RESOURCE_EXHAUSTED', `You exceeded your current quota, please check your plan and billing details.\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_input_token_count, limit: 250000, model: gemini-3.8-flash\n* Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: ${dayLimit}, model: gemini-3.8-flash\nPlease retry in ${retryDelay}.`, [
      { '@type': 'type.googleapis.com/google.rpc.QuotaFailure', violations: [
        { quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_input_token_count', quotaId: 'GenerateContentInputTokensPerModelPerMinute-FreeTier', quotaDimensions: { location: 'global', model: 'gemini-3.8-flash' }, quotaValue: '250000' },
        { quotaMetric: 'generativelanguage.googleapis.com/generate_content_free_tier_requests', quotaId: 'GenerateRequestsPerDayPerProjectPerModel-FreeTier', quotaDimensions: { location: 'global', model: 'gemini-3.8-flash' }, quotaValue: dayLimit }
      ] },
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] },
      { '@type': 'type.googleapis.com/google.rpc.RetryInfo', retryDelay }
    ]),
  /** A 429 with only a Help link: no RetryInfo, no QuotaFailure. */
  helpOnly: () =>
    apiError(429, 'RESOURCE_EXHAUSTED', 'Resource has been exhausted (e.g. check quota).', [
      { '@type': 'type.googleapis.com/google.rpc.Help', links: [{ description: 'Learn more about Gemini API quotas', url: 'https://ai.google.dev/gemini-api/docs/rate-limits' }] }
    ]),
  /** An error whose `message` is itself the JSON of another error body, as some paths relay it. */
  doubleEncoded: (inner: ErrorReply): ErrorReply => {
    const body = inner.body as { error: { code: number; status: string } }
    return { status: inner.status, body: { error: { code: body.error.code, message: JSON.stringify(inner.body, null, 2), status: body.error.status } } }
  }
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
  /** Every resumable-upload request after the start: its command, offset and body length. */
  readonly uploadLog: { command: string; offset: number | null; bytes: number }[] = []
  /**
   * One-shot: the connection of the chunk that carries the upload past this byte is cut there. The
   * bytes before it are kept, so a `query` reports them, as Google's resumable protocol does.
   */
  cutUploadAt: number | null = null
  /** One-shot: the next intermediate chunk is kept but answered without X-Goog-Upload-Status (a proxy dropped it). */
  dropStatusOnce = false
  /** One-shot: the final chunk is stored and the file made, then the connection drops before the answer. */
  loseFinalResponseOnce = false
  /** One-shot: the next finished upload's File reports this many bytes, as a truncating proxy would leave it. */
  reportSizeOnce: number | null = null
  /** X-Goog-Upload-Header-Content-Length of every upload start, in order. */
  readonly declaredSizes: number[] = []
  /** Where the service is mounted (a gateway's path), e.g. `/v1/acct/google-ai-studio`; '' for the root. */
  readonly prefix: string
  private readonly faults = new Map<Route, Fault[]>()
  private readonly sessions = new Map<string, Session>()
  private server: Server | null = null
  private seq = 0
  private downUntil = 0

  constructor(opts: { prefix?: string } = {}) {
    super()
    this.prefix = (opts.prefix ?? '').replace(/\/+$/, '')
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) this.send(res, apiError(500, 'INTERNAL', `fake crashed: ${(e as Error).message}`))
    }))
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve))
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${this.prefix}`
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
    this.uploadLog.length = 0
    this.bytesReceived = 0
    this.cutUploadAt = null
    this.downUntil = 0
    this.declaredSizes.length = 0
    this.reportSizeOnce = null
    this.dropStatusOnce = false
    this.loseFinalResponseOnce = false
    this.nextFile = { processingPolls: 1, finalState: 'ACTIVE' }
    this.removeAllListeners('request')
  }

  /** Cuts every connection for `ms`, as a network blip or a restarting gateway does. */
  downFor(ms: number): void {
    this.downUntil = Date.now() + ms
  }

  /** Forgets every open upload session, as when they expire: a query or chunk then gets 404. */
  dropUploadSessions(): void {
    this.sessions.clear()
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
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    // Mounted under a prefix, as behind a gateway: a request outside it finds nothing.
    const inside = !this.prefix || url.pathname.startsWith(`${this.prefix}/`)
    if (inside && this.prefix) url.pathname = url.pathname.slice(this.prefix.length)
    const route = inside ? this.route(req.method ?? 'GET', url.pathname, url.searchParams) : 'unknown'
    if (Date.now() < this.downUntil) return void req.socket.destroy()
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
    this.declaredSizes.push(size)
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
    const command = String(req.headers['x-goog-upload-command'] ?? '').split(',').map((s) => s.trim())
    const offsetHeader = req.headers['x-goog-upload-offset']
    const logged = { command: command.join(', '), offset: offsetHeader === undefined ? null : Number(offsetHeader), bytes: 0 }
    this.uploadLog.push(logged)
    const session = this.sessions.get(url.searchParams.get('upload_id') ?? '')
    const finished = session?.done && session.file ? this.files.get(session.file) : undefined
    if (command.includes('query') && finished) {
      // A finished session still answers a query with the file it made, as Google's does.
      res.writeHead(200, { 'x-goog-upload-status': 'final', 'x-goog-upload-size-received': String(session?.received), 'content-type': 'application/json; charset=UTF-8' })
      return void res.end(JSON.stringify({ file: this.fileJson(finished) }))
    }
    if (!session || session.done) {
      await drain(req)
      return this.send(res, apiError(404, 'NOT_FOUND', 'No upload session with this id (expired, cancelled or finished).'))
    }
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
      const cut = this.cutUploadAt
      if (cut !== null && session.received + chunk + data.length > cut) {
        const kept = data.subarray(0, Math.max(0, cut - session.received - chunk))
        session.hash.update(kept)
        session.received += chunk + kept.length
        this.bytesReceived += chunk + kept.length
        logged.bytes = chunk + kept.length
        this.cutUploadAt = null
        req.socket.destroy()
        return void this.emit('upload-cut', session.received)
      }
      chunk += data.length
      session.hash.update(data)
    }
    logged.bytes = chunk
    session.received += chunk
    this.bytesReceived += chunk
    const finalize = command.includes('finalize')
    if (!finalize && chunk % GRANULARITY !== 0) {
      this.sessions.delete(session.id)
      return this.send(res, apiError(400, 'INVALID_ARGUMENT', `Chunk of ${chunk} bytes is not a multiple of the upload granularity ${GRANULARITY}`))
    }
    if (!finalize) {
      const dropped = this.dropStatusOnce
      this.dropStatusOnce = false
      res.writeHead(200, dropped ? {} : { 'x-goog-upload-status': 'active' })
      return void res.end()
    }
    if (session.received !== session.size) {
      this.sessions.delete(session.id)
      return this.send(res, apiError(400, 'INVALID_ARGUMENT', `Finalized with ${session.received} bytes but ${session.size} were declared`))
    }
    session.done = true
    const name = session.meta.name ?? `files/${(++this.seq).toString(36)}${randomBytes(5).toString('hex')}`
    // Video is processed (sampled at 1 fps) before use; other files are ACTIVE at once.
    const video = session.meta.mimeType.startsWith('video/')
    const finalState = video ? this.nextFile.finalState : 'ACTIVE'
    const file: FakeFile = {
      name, mimeType: session.meta.mimeType, sizeBytes: String(this.reportSizeOnce ?? session.size), sha256Hash: session.hash.digest('base64'),
      createTime: new Date().toISOString(), state: video && this.nextFile.processingPolls > 0 ? 'PROCESSING' : finalState,
      pollsLeft: this.nextFile.processingPolls, finalState,
      ...(session.meta.displayName ? { displayName: session.meta.displayName } : {})
    }
    this.reportSizeOnce = null
    this.files.set(name, file)
    session.file = name
    if (this.loseFinalResponseOnce) {
      // The file exists, but its answer never reaches the client.
      this.loseFinalResponseOnce = false
      return void req.socket.destroy()
    }
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
    const modelVersion = ANSWERED_BY[model] ?? model
    // A client killed while waiting never gets the answer: only answers that went out count.
    if (!reply.blockReason) res.once('finish', () => this.answeredFor.push(...used))
    if (reply.blockReason) return this.send(res, { status: 200, body: { promptFeedback: { blockReason: reply.blockReason }, usageMetadata, modelVersion } })
    this.send(res, { status: 200, body: {
      candidates: [{ content: { role: 'model', parts: [{ text: reply.text ?? '' }] }, finishReason: reply.finishReason ?? 'STOP', index: 0 }],
      usageMetadata, modelVersion, responseId: randomBytes(8).toString('hex')
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

export async function startFakeGemini(opts: { prefix?: string } = {}): Promise<FakeGemini> {
  return new FakeGemini(opts).start()
}
