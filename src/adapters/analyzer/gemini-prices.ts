import type { PriceTable } from '../../shared/settings-catalog'
import type { TokenUsage } from '../../shared/analysis'

export type { PriceTable }

/**
 * Paid-tier list prices, text/image/video input, as transcribed on 2026-10-07 (research/gemini.md §3.6).
 * Estimates only: override with the `prices` option (GEMINI_PRICES) when Google changes them.
 */
export const DEFAULT_PRICES: PriceTable = {
  'gemini-2.5-flash': { inputPerMTok: 0.3, outputPerMTok: 2.5 },
  'gemini-2.5-flash-lite': { inputPerMTok: 0.1, outputPerMTok: 0.4 },
  'gemini-2.5-pro': { inputPerMTok: 1.25, outputPerMTok: 10 },
  'gemini-3.5-flash': { inputPerMTok: 1.5, outputPerMTok: 9 },
  'gemini-3.5-flash-lite': { inputPerMTok: 0.3, outputPerMTok: 2.5 },
  'gemini-3.8-flash': { inputPerMTok: 0.75, outputPerMTok: 3.75 },
  'gemini-3.1-pro-preview': { inputPerMTok: 2, outputPerMTok: 12 }
}

/** The SDK's usageMetadata fields we read. */
export interface UsageMetadata {
  promptTokenCount?: number
  candidatesTokenCount?: number
  thoughtsTokenCount?: number
  totalTokenCount?: number
}

/** Sums the usage of several calls (the first answer and its repair) into one TokenUsage with a cost estimate. */
export function toTokenUsage(calls: (UsageMetadata | undefined)[], model: string, prices: PriceTable): TokenUsage {
  const sum = (f: (u: UsageMetadata) => number | undefined) => calls.reduce((n, u) => n + (u ? (f(u) ?? 0) : 0), 0)
  const promptTokens = sum((u) => u.promptTokenCount)
  const outputTokens = sum((u) => u.candidatesTokenCount)
  const thoughtsTokens = sum((u) => u.thoughtsTokenCount)
  const totalTokens = sum((u) => u.totalTokenCount) || promptTokens + outputTokens + thoughtsTokens
  const price = prices[model.replace(/^models\//, '')]
  const costUsd = price ? (promptTokens * price.inputPerMTok + (outputTokens + thoughtsTokens) * price.outputPerMTok) / 1e6 : null
  return { promptTokens, outputTokens, thoughtsTokens, totalTokens, costUsd }
}
