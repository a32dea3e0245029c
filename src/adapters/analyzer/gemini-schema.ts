import { z } from 'zod'
import { ModelAnalysis } from '../../shared/analysis'

/**
 * JSON Schema keywords Gemini's `responseJsonSchema` supports (API reference, GenerationConfig);
 * anything else (`$schema`, `minLength`, `pattern`…) is dropped rather than sent.
 */
export const GEMINI_SCHEMA_KEYWORDS = new Set([
  '$id', '$defs', '$ref', '$anchor', 'type', 'format', 'title', 'description', 'enum', 'items', 'prefixItems',
  'minItems', 'maxItems', 'minimum', 'maximum', 'anyOf', 'oneOf', 'properties', 'additionalProperties', 'required',
  'propertyOrdering'
])

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
type JsonObject = { [key: string]: Json }

/** Field descriptions by property path (`[]` marks array items): the model reads them. */
const DESCRIPTIONS: Record<string, string> = {
  summary: 'A faithful summary of the whole video in a few paragraphs.',
  topics: 'The main topics, short noun phrases, most important first.',
  quiz: 'Multiple-choice questions about the video content.',
  'quiz[].answer': 'The exact text of the correct option.',
  'quiz[].explanation': 'Why the answer is right, citing the video.',
  chapters: 'Chapters in order.',
  'chapters[].start': 'Seconds from the beginning of the video.',
  'chapters[].end': 'Seconds from the beginning of the video.',
  'chapters[].summary': 'One sentence on what the chapter covers.'
}

function adapt(node: Json, path = ''): Json {
  if (Array.isArray(node)) return node.map((n) => adapt(n, path))
  if (node === null || typeof node !== 'object') return node
  const out: JsonObject = {}
  for (const [k, v] of Object.entries(node)) {
    if (!GEMINI_SCHEMA_KEYWORDS.has(k)) continue
    if (k === 'properties' && v && typeof v === 'object' && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([name, sub]) => [name, adapt(sub, path ? `${path}.${name}` : name)]))
      out.propertyOrdering = Object.keys(v)
    } else {
      out[k] = adapt(v, k === 'items' ? `${path}[]` : path)
    }
  }
  const description = DESCRIPTIONS[path]
  if (description && !out.description && 'type' in out) out.description = description
  return out
}

/**
 * The response schema sent to Gemini, derived from the shared `ModelAnalysis` so the two cannot
 * drift: `z.toJSONSchema`, trimmed to the keywords Gemini takes, with chapters required and the
 * quiz sized as the prompt asks.
 */
export function responseJsonSchema(quizSize = 5): JsonObject {
  const schema = adapt(z.toJSONSchema(ModelAnalysis, { io: 'output' }) as Json) as JsonObject
  const props = schema.properties as JsonObject
  const quiz = props.quiz as JsonObject
  props.quiz = { ...quiz, minItems: quizSize, maxItems: quizSize }
  schema.required = ['summary', 'topics', 'quiz', 'chapters']
  return schema
}

export type ParsedOutput = { ok: true; value: ModelAnalysis } | { ok: false; problem: string }

/** Parses the model's text: JSON (a stray code fence is tolerated), then the zod schema. */
export function parseModelOutput(text: string | undefined): ParsedOutput {
  if (!text || !text.trim()) return { ok: false, problem: 'the model returned no text' }
  const unfenced = text.trim().replace(/^```(?:json)?\s*([\s\S]*?)\s*```$/, '$1')
  let json: unknown
  try {
    json = JSON.parse(unfenced)
  } catch (error) {
    return { ok: false, problem: `not valid JSON (${(error as Error).message})` }
  }
  const parsed = ModelAnalysis.safeParse(json)
  if (parsed.success) return { ok: true, value: parsed.data }
  const issues = parsed.error.issues.slice(0, 8).map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
  return { ok: false, problem: `does not match the schema (${issues.join('; ')})` }
}
