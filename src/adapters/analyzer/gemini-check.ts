import { GoogleGenAI } from '@google/genai'
import type { CheckResult } from '../../shared/settings'
import { errorText } from '../../shared/error-text'
import { DEPRECATED_MODELS, deprecationWarning, isAlias } from './gemini-models'

export interface GeminiCheckOptions {
  apiKey: string
  model: string
  baseUrl?: string
  timeoutMs?: number
}

const version = (id: string) => Number(id.match(/^gemini-(\d+(?:\.\d+)?)/)?.[1] ?? 0)
/** Aliases first (they follow Google's current model), then newest first; deprecated ones last. */
const rank = (id: string) => (isAlias(id) ? 0 : DEPRECATED_MODELS[id] ? 2 : 1)

/** Flash and Pro models that can generate content: the ones worth offering for video analysis. */
export function pickableModels(models: { name?: string; supportedActions?: string[] }[]): string[] {
  return models
    .filter((m) => !m.supportedActions || m.supportedActions.includes('generateContent'))
    .map((m) => (m.name ?? '').replace(/^models\//, ''))
    .filter((id) => /^gemini-.*(flash|pro)/i.test(id))
    .sort((a, b) => rank(a) - rank(b) || version(b) - version(a) || a.localeCompare(b))
}

/**
 * The key works and the model exists (models.get), and which Flash/Pro models this key may
 * use (models.list, read straight from the SDK here rather than through the analyzer).
 */
export async function checkGemini(opts: GeminiCheckOptions): Promise<CheckResult> {
  const timeout = opts.timeoutMs ?? 15_000
  const ai = new GoogleGenAI({
    apiKey: opts.apiKey,
    vertexai: false,
    apiVersion: 'v1beta',
    httpOptions: { ...(opts.baseUrl ? { baseUrl: opts.baseUrl } : {}), timeout }
  })
  const host = opts.baseUrl && URL.canParse(opts.baseUrl) ? new URL(opts.baseUrl).host : 'generativelanguage.googleapis.com'
  const model = opts.model.replace(/^models\//, '')
  let models: string[]
  try {
    const pager = await ai.models.list({ config: { pageSize: 100, queryBase: true } })
    const all: { name?: string; supportedActions?: string[] }[] = []
    for await (const m of pager) {
      all.push(m)
      if (all.length >= 500) break
    }
    models = pickableModels(all)
  } catch (error) {
    return { backend: 'gemini', status: 'failed', message: scrub(failureSentence(error, host, model, []), opts.apiKey), details: [] }
  }
  try {
    const found = await ai.models.get({ model })
    if (found.supportedActions && found.supportedActions.length > 0 && !found.supportedActions.includes('generateContent'))
      return {
        backend: 'gemini',
        status: 'failed',
        message: `The model ${model} cannot generate content: set GEMINI_MODEL to a Flash or Pro model${models[0] ? ` such as ${models[0]}` : ''}.`,
        details: [],
        models
      }
    const deprecated = deprecationWarning(model)
    return {
      backend: 'gemini',
      status: 'ok',
      message: `The key works and the model ${model} is available (${models.length} Flash/Pro model${models.length === 1 ? '' : 's'} to choose from).${deprecated ? ` ${deprecated}` : ''}`,
      details: [
        { label: 'model', value: found.displayName ? `${model} (${found.displayName})` : model },
        { label: 'endpoint', value: host },
        ...(found.inputTokenLimit ? [{ label: 'input token limit', value: String(found.inputTokenLimit) }] : [])
      ],
      models
    }
  } catch (error) {
    return { backend: 'gemini', status: 'failed', message: scrub(failureSentence(error, host, model, models), opts.apiKey), details: [], models }
  }
}

function failureSentence(error: unknown, host: string, model: string, models: string[]): string {
  const status = typeof (error as { status?: unknown })?.status === 'number' ? (error as { status: number }).status : undefined
  const text = errorText(error)
  if (status === 404) {
    const some = models.slice(0, 4).join(', ')
    return `The model ${model} does not exist or has been retired: set GEMINI_MODEL to an available one${some ? ` (${some})` : ''}.`
  }
  if ((status === 400 && /API_KEY_INVALID|API key not valid/i.test(text)) || status === 401)
    return 'Gemini refused GEMINI_API_KEY as not valid: create a key in Google AI Studio and set it again.'
  if (status === 403) return 'The key may not use the Gemini API (permission denied): enable the Generative Language API for its project, or use another key.'
  if (status === 429) return 'The key works but its quota is used up right now (HTTP 429): wait, or raise the quota of its project.'
  if (status !== undefined && status >= 500) return `Gemini at ${host} is failing right now (HTTP ${status}): try the check again in a minute.`
  if (/timed? ?out|aborted/i.test(text)) return `Gemini at ${host} did not answer in time: check GEMINI_BASE_URL and the network.`
  if (/fetch failed|ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|socket hang up/i.test(`${text} ${String((error as { cause?: unknown })?.cause)}`))
    return `Cannot reach Gemini at ${host}: check GEMINI_BASE_URL (unset it for Google's endpoint) and that this machine can reach it.`
  return `Gemini refused the check (${status ? `HTTP ${status}` : 'no answer'}): ${text.split('\n')[0]?.slice(0, 200) ?? ''}`
}

/** An error text from a proxy might quote the request: the key never goes out in a message. */
function scrub(text: string, key: string): string {
  return key.length >= 4 ? text.replaceAll(key, '****') : text
}
