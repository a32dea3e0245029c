import {
  MediaResolution,
  ThinkingLevel,
  type Content,
  type GenerateContentConfig,
  type GenerateContentResponse,
  type GoogleGenAI,
  type Part
} from '@google/genai'
import { JobError } from '../../core/errors'
import type { AnalyzeContext } from '../../core/ports'
import type { ModelAnalysis, TokenUsage } from '../../shared/analysis'
import { isGemini3 } from './gemini-models'
import { parseModelOutput, responseJsonSchema } from './gemini-schema'
import { withRetries, type RetryContext } from './gemini-retry'

export interface GenerateArgs {
  ai: GoogleGenAI
  model: string
  video: Part
  prompt: string
  timeoutMs: number
  maxOutputTokens: number
  retry: RetryContext
  ctx: AnalyzeContext
  /** Token usage (with the cost estimate) of the answers so far: a failure still reports what it spent. */
  usageOf(responses: GenerateContentResponse[]): TokenUsage
}

export interface Generated {
  analysis: ModelAnalysis
  responses: GenerateContentResponse[]
  warnings: string[]
}

/** Raw text kept in the journal is capped so one runaway answer cannot bloat it. */
const RAW_TEXT_LIMIT = 50_000
const SCHEMA = responseJsonSchema()
const REFUSALS = new Set(['SAFETY', 'PROHIBITED_CONTENT', 'RECITATION', 'BLOCKLIST', 'SPII', 'IMAGE_SAFETY'])


/** Gemini 3 takes thinkingLevel, 2.5 Flash thinkingBudget; never both (a 400). */
function thinkingFor(model: string): GenerateContentConfig['thinkingConfig'] {
  if (isGemini3(model)) return { thinkingLevel: ThinkingLevel.LOW }
  if (/^(models\/)?gemini-2\.5-flash/.test(model)) return { thinkingBudget: 0 }
  return undefined
}

function refusal(res: GenerateContentResponse): string | null {
  const blocked = res.promptFeedback?.blockReason
  if (blocked) return `the request was blocked (${blocked})`
  const finish = res.candidates?.[0]?.finishReason
  return finish && REFUSALS.has(finish) ? `the model stopped with finishReason ${finish}` : null
}

/**
 * Asks for the analysis with a response schema, validates it with zod, and on invalid output
 * asks once more with the problem named; a second invalid answer fails the video with the raw text kept.
 */
export async function generateAnalysis(a: GenerateArgs): Promise<Generated> {
  const first: Content = { role: 'user', parts: [a.video, { text: a.prompt }] }
  // Billed as the model that answered (Google reroutes deprecated models and resolves aliases).
  const spent = (responses: GenerateContentResponse[]) => ({ usage: a.usageOf(responses), model: responses.at(-1)?.modelVersion ?? a.model })
  const call = async (contents: Content[], maxOutputTokens: number, earlier: GenerateContentResponse[] = []) => {
    const config: GenerateContentConfig = {
      responseMimeType: 'application/json',
      responseJsonSchema: SCHEMA,
      // LOW: ~70 tokens a frame, plenty for summaries and quizzes, a third of the default cost on 2.5.
      mediaResolution: MediaResolution.MEDIA_RESOLUTION_LOW,
      maxOutputTokens,
      httpOptions: { timeout: a.timeoutMs }
    }
    const thinking = thinkingFor(a.model)
    if (thinking) config.thinkingConfig = thinking
    // Gemini 3 is tuned for its default temperature (1.0); older models answer steadier when cooler.
    if (!isGemini3(a.model)) config.temperature = 0.2
    const res = await withRetries((signal) => a.ai.models.generateContent({ model: a.model, contents, config: { ...config, abortSignal: signal } }), a.retry)
    const refused = refusal(res)
    if (refused) {
      a.ctx.log('error', `Gemini refused: ${refused}`, { rawText: (res.text ?? '').slice(0, RAW_TEXT_LIMIT) })
      throw new JobError(`Gemini refused to analyse the video: ${refused}`, { failure: 'model-refusal', retryable: false, usage: spent([...earlier, res]) })
    }
    return res
  }

  const res1 = await call([first], a.maxOutputTokens)
  const out1 = parseModelOutput(res1.text)
  if (out1.ok) return { analysis: out1.value, responses: [res1], warnings: [] }

  const finish1 = res1.candidates?.[0]?.finishReason ?? null
  const raw1 = (res1.text ?? '').slice(0, RAW_TEXT_LIMIT)
  a.ctx.log('warn', `Gemini's answer ${out1.problem}; asking once for a corrected answer`, { rawText: raw1, finishReason: finish1 })
  const truncated = finish1 === 'MAX_TOKENS'
  const note = truncated
    ? 'Your previous answer was cut off before the JSON was complete. Reply again with the complete JSON object, keeping every text short.'
    : `Your previous answer was not usable: it ${out1.problem}. Reply with the corrected, complete JSON object only.`
  const history: Content[] = raw1 ? [first, { role: 'model', parts: [{ text: raw1 }] }] : [first]
  const res2 = await call([...history, { role: 'user', parts: [{ text: note }] }], truncated ? a.maxOutputTokens * 2 : a.maxOutputTokens, [res1])
  const out2 = parseModelOutput(res2.text)
  if (out2.ok) {
    return { analysis: out2.value, responses: [res1, res2], warnings: [`The first answer ${out1.problem}; it was repaired once.`] }
  }
  const raw2 = (res2.text ?? '').slice(0, RAW_TEXT_LIMIT)
  a.ctx.log('error', `Gemini's corrected answer ${out2.problem}; giving up`, { rawText: raw2, firstRawText: raw1 })
  throw new JobError(`Gemini's answer did not validate after one repair: it ${out2.problem}`, {
    failure: 'model-refusal',
    retryable: false,
    detail: { rawText: raw2, firstRawText: raw1, finishReason: res2.candidates?.[0]?.finishReason ?? null },
    usage: spent([res1, res2])
  })
}
