import { GEMINI_PRICE_LIST_DATE, type PriceTable } from '../../shared/settings-catalog'
import type { TokenUsage } from '../../shared/analysis'
import { bareModel } from './gemini-models'

export type { PriceTable }

/** USD per million tokens (text/image/video input; output includes thinking), from a date on. */
export interface DatedPrice {
  /** First day (UTC, ISO date) the price applies; none: since the model was listed. */
  from?: string
  inputPerMTok: number
  outputPerMTok: number
}

/**
 * Paid-tier list prices (≤200k-token prompts) as published by Google on the date
 * {@link GEMINI_PRICE_LIST_DATE}, each with the day it takes effect, so an announced change
 * applies by itself on its date. Estimates only: GEMINI_PRICES overrides a model's price.
 * Models missing here (gemini-3.7-flash had no published list price) get no cost estimate.
 */
export const LIST_PRICES: Record<string, DatedPrice[]> = {
  'gemini-2.5-flash': [{ inputPerMTok: 0.3, outputPerMTok: 2.5 }],
  'gemini-2.5-flash-lite': [{ inputPerMTok: 0.1, outputPerMTok: 0.4 }],
  'gemini-2.5-pro': [{ inputPerMTok: 1.25, outputPerMTok: 10 }],
  'gemini-3.1-pro-preview': [{ inputPerMTok: 2, outputPerMTok: 12 }],
  'gemini-3.5-flash': [{ inputPerMTok: 1.5, outputPerMTok: 9 }],
  'gemini-3.5-flash-lite': [{ inputPerMTok: 0.3, outputPerMTok: 2.5 }],
  'gemini-3.6-flash': [{ inputPerMTok: 1.5, outputPerMTok: 7.5 }],
  'gemini-3.8-flash': [
    { inputPerMTok: 0.75, outputPerMTok: 3.75 },
    { from: '2027-01-01', inputPerMTok: 1.5, outputPerMTok: 7.5 }
  ]
}

export interface PriceOptions {
  /** GEMINI_PRICES: undated prices that win over the list. */
  overrides?: PriceTable
  list?: Record<string, DatedPrice[]>
}

export interface Priced {
  inputPerMTok: number
  outputPerMTok: number
  /** What the console shows next to the cost: the list's date, or GEMINI_PRICES. */
  source: string
}

/** `gemini-3.8-flash-001` and `models/gemini-3.8-flash` are priced as `gemini-3.8-flash`. */
function candidates(model: string): string[] {
  const id = bareModel(model)
  const trimmed = id.replace(/-\d{3}$/, '')
  return trimmed === id ? [id] : [id, trimmed]
}

/** The price of a model on a day: an override, else the latest list row in effect. */
export function priceOf(model: string, at: Date, opts: PriceOptions = {}): Priced | null {
  const day = at.toISOString().slice(0, 10)
  for (const id of candidates(model)) {
    const custom = opts.overrides?.[id]
    if (custom) return { ...custom, source: 'GEMINI_PRICES' }
    const rows = (opts.list ?? LIST_PRICES)[id]?.filter((r) => (r.from ?? '') <= day).sort((a, b) => (a.from ?? '').localeCompare(b.from ?? ''))
    const row = rows?.at(-1)
    if (row) return { inputPerMTok: row.inputPerMTok, outputPerMTok: row.outputPerMTok, source: `list prices of ${GEMINI_PRICE_LIST_DATE}` }
  }
  return null
}

/** The SDK's usageMetadata fields we read. */
export interface UsageMetadata {
  promptTokenCount?: number
  candidatesTokenCount?: number
  thoughtsTokenCount?: number
  totalTokenCount?: number
}

/** One generateContent answer: its usage and the model that actually answered. */
export interface Answer {
  usageMetadata?: UsageMetadata | undefined
  modelVersion?: string | undefined
}

/**
 * Sums the usage of several answers (the first and its repair) into one TokenUsage. Each answer
 * is priced by the model that produced it (`modelVersion`: differs from the request when Google
 * reroutes a model or resolves an alias), at the price in effect on `at`.
 */
export function toTokenUsage(answers: Answer[], requestedModel: string, at: Date, opts: PriceOptions = {}): TokenUsage {
  let promptTokens = 0
  let outputTokens = 0
  let thoughtsTokens = 0
  let total = 0
  let cost: number | null = 0
  const sources = new Set<string>()
  for (const a of answers) {
    const u = a.usageMetadata ?? {}
    const p = u.promptTokenCount ?? 0
    const o = u.candidatesTokenCount ?? 0
    const t = u.thoughtsTokenCount ?? 0
    promptTokens += p
    outputTokens += o
    thoughtsTokens += t
    total += u.totalTokenCount ?? 0
    const price = priceOf(a.modelVersion ?? requestedModel, at, opts)
    if (!price || cost === null) {
      cost = null
      continue
    }
    sources.add(price.source)
    cost += (p * price.inputPerMTok + (o + t) * price.outputPerMTok) / 1e6
  }
  const totalTokens = total || promptTokens + outputTokens + thoughtsTokens
  return {
    promptTokens,
    outputTokens,
    thoughtsTokens,
    totalTokens,
    costUsd: cost,
    ...(cost !== null && sources.size > 0 ? { pricedBy: [...sources].join(', ') } : {})
  }
}
