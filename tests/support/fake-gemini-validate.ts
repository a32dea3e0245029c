/**
 * Request validation for the fake Gemini's generateContent: proto-JSON field names (an unknown
 * field is a 400, as on the real API), part shapes, file state, YouTube URLs and the
 * responseJsonSchema subset the API documents. Deliberately strict: where the real service
 * might silently ignore a keyword, the fake refuses it, so the adapter cannot lean on it.
 */
import type { FakeFile } from './fake-gemini'

export interface Invalid { code: number; status: string; message: string }

const TOP = new Set(['contents', 'systemInstruction', 'generationConfig', 'safetySettings', 'tools', 'toolConfig', 'cachedContent', 'labels'])
const GEN_CONFIG = new Set([
  'temperature', 'topP', 'topK', 'candidateCount', 'maxOutputTokens', 'stopSequences', 'responseMimeType', 'responseSchema',
  'responseJsonSchema', 'presencePenalty', 'frequencyPenalty', 'seed', 'responseLogprobs', 'logprobs', 'mediaResolution',
  'thinkingConfig', 'responseModalities', 'speechConfig', 'enableEnhancedCivicAnswers'
])
const PART = new Set(['text', 'inlineData', 'fileData', 'videoMetadata', 'thought', 'thoughtSignature', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult', 'mediaResolution'])
const DATA = ['text', 'inlineData', 'fileData', 'functionCall', 'functionResponse', 'executableCode', 'codeExecutionResult']
const SCHEMA_KEYWORDS = new Set([
  '$id', '$defs', '$ref', '$anchor', 'type', 'format', 'title', 'description', 'enum', 'items', 'prefixItems',
  'minItems', 'maxItems', 'minimum', 'maximum', 'anyOf', 'oneOf', 'properties', 'additionalProperties', 'required', 'propertyOrdering'
])
const MEDIA_RESOLUTIONS = new Set(['MEDIA_RESOLUTION_UNSPECIFIED', 'MEDIA_RESOLUTION_LOW', 'MEDIA_RESOLUTION_MEDIUM', 'MEDIA_RESOLUTION_HIGH'])

const bad = (message: string): Invalid => ({ code: 400, status: 'INVALID_ARGUMENT', message })
const unknownName = (path: string, name: string) => bad(`Invalid JSON payload received. Unknown name "${name}" at '${path}': Cannot find field.`)
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v)

function checkSchema(node: unknown, path: string): Invalid | null {
  if (Array.isArray(node)) {
    for (const [i, n] of node.entries()) {
      const r = checkSchema(n, `${path}[${i}]`)
      if (r) return r
    }
    return null
  }
  if (!isObject(node)) return null
  for (const [k, v] of Object.entries(node)) {
    if (!SCHEMA_KEYWORDS.has(k)) return bad(`Invalid JSON schema at ${path}: keyword "${k}" is not supported in response_json_schema.`)
    if (k === 'properties' || k === '$defs') {
      if (!isObject(v)) return bad(`Invalid JSON schema at ${path}.${k}: expected an object`)
      for (const [name, sub] of Object.entries(v)) {
        const r = checkSchema(sub, `${path}.${k}.${name}`)
        if (r) return r
      }
    } else if (['items', 'anyOf', 'oneOf', 'prefixItems', 'additionalProperties'].includes(k)) {
      const r = checkSchema(v, `${path}.${k}`)
      if (r) return r
    }
  }
  if (node.$ref !== undefined && Object.keys(node).some((k) => !k.startsWith('$'))) return bad(`Invalid JSON schema at ${path}: $ref must not have siblings`)
  return null
}

function youtubeId(uri: string): string | null {
  try {
    const u = new URL(uri)
    if (/(^|\.)youtube\.com$/.test(u.hostname)) return u.searchParams.get('v')
    if (u.hostname === 'youtu.be') return u.pathname.slice(1)
  } catch {
    return null
  }
  return null
}

function checkFileData(fd: unknown, path: string, env: Env): Invalid | null {
  if (!isObject(fd) || typeof fd.fileUri !== 'string' || !fd.fileUri) return bad(`${path}.file_data.file_uri is required`)
  for (const k of Object.keys(fd)) if (k !== 'fileUri' && k !== 'mimeType' && k !== 'displayName') return unknownName(`${path}.file_data`, k)
  const id = youtubeId(fd.fileUri)
  if (id !== null) return env.privateYoutube(id) ? bad('Request contains an invalid argument.') : null
  const match = fd.fileUri.match(/\/v1(?:beta)?\/(files\/[a-z0-9-]+)$/)
  if (!match?.[1]) return bad(`Unsupported file uri: ${fd.fileUri}`)
  const file = env.file(match[1])
  if (!file) return { code: 403, status: 'PERMISSION_DENIED', message: `You do not have permission to access the File ${match[1].slice(6)} or it may not exist.` }
  if (file.state !== 'ACTIVE') return { code: 400, status: 'FAILED_PRECONDITION', message: `The File ${match[1].slice(6)} is not in an ACTIVE state and usage is not allowed.` }
  if (typeof fd.mimeType === 'string' && fd.mimeType !== file.mimeType) return bad(`Mime type ${fd.mimeType} does not match the file's ${file.mimeType}`)
  return null
}

interface Env { file(name: string): FakeFile | undefined; privateYoutube(id: string): boolean }

export function validateGenerateRequest(body: unknown, env: Env): Invalid | null {
  if (!isObject(body) || '__invalidJson' in body) return bad('Invalid JSON payload received.')
  for (const k of Object.keys(body)) if (!TOP.has(k)) return unknownName('', k)
  if (!Array.isArray(body.contents) || body.contents.length === 0) return bad('* GenerateContentRequest.contents: contents is not specified')
  for (const [i, content] of body.contents.entries()) {
    const path = `contents[${i}]`
    if (!isObject(content) || !Array.isArray(content.parts) || content.parts.length === 0) return bad(`* GenerateContentRequest.${path}.parts: contents.parts must not be empty.`)
    if (content.role !== undefined && content.role !== 'user' && content.role !== 'model') return bad(`Please use a valid role: user, model.`)
    for (const [j, part] of content.parts.entries()) {
      const ppath = `${path}.parts[${j}]`
      if (!isObject(part)) return bad(`${ppath}: expected an object`)
      for (const k of Object.keys(part)) if (!PART.has(k)) return unknownName(ppath, k)
      const data = DATA.filter((k) => part[k] !== undefined)
      if (data.length !== 1) return bad(`* GenerateContentRequest.${ppath}.data: required oneof field 'data' must have one initialized field`)
      if (part.fileData !== undefined) {
        const r = checkFileData(part.fileData, ppath, env)
        if (r) return r
      }
      if (part.text !== undefined && typeof part.text !== 'string') return bad(`${ppath}.text: expected a string`)
    }
  }
  const gc = body.generationConfig
  if (gc === undefined) return null
  if (!isObject(gc)) return bad('generation_config: expected an object')
  for (const k of Object.keys(gc)) if (!GEN_CONFIG.has(k)) return unknownName('generation_config', k)
  if (gc.responseSchema !== undefined && gc.responseJsonSchema !== undefined) return bad('response_schema and response_json_schema cannot both be set.')
  if (gc.responseJsonSchema !== undefined) {
    if (gc.responseMimeType !== 'application/json') return bad('response_mime_type must be application/json when response_json_schema is set.')
    const r = checkSchema(gc.responseJsonSchema, 'response_json_schema')
    if (r) return r
  }
  if (gc.mediaResolution !== undefined && !MEDIA_RESOLUTIONS.has(String(gc.mediaResolution))) return bad(`Invalid value at 'generation_config.media_resolution', "${String(gc.mediaResolution)}"`)
  if (isObject(gc.thinkingConfig) && gc.thinkingConfig.thinkingLevel !== undefined && gc.thinkingConfig.thinkingBudget !== undefined) {
    return bad('thinking_level and thinking_budget cannot both be set.')
  }
  return null
}
