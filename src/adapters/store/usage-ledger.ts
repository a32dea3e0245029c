import type { UsageLedger } from '../../core/ports'
import type { TokenUsage } from '../../shared/analysis'
import type { EmbeddedDb } from '../embedded/database'

/** Token usage and cost summed per video and model in the embedded database. */
export function createUsageLedger(db: EmbeddedDb): UsageLedger {
  return {
    async addUsage(videoId: string, usage: TokenUsage, model: string): Promise<void> {
      await db.query(
        `insert into token_usage (video_id, model, prompt_tokens, output_tokens, thoughts_tokens, total_tokens, cost_usd, calls)
         values ($1, $2, $3, $4, $5, $6, $7, 1)
         on conflict (video_id, model) do update set
           prompt_tokens = token_usage.prompt_tokens + excluded.prompt_tokens,
           output_tokens = token_usage.output_tokens + excluded.output_tokens,
           thoughts_tokens = token_usage.thoughts_tokens + excluded.thoughts_tokens,
           total_tokens = token_usage.total_tokens + excluded.total_tokens,
           cost_usd = token_usage.cost_usd + excluded.cost_usd,
           calls = token_usage.calls + 1,
           updated_at = now()`,
        [videoId, model, usage.promptTokens, usage.outputTokens, usage.thoughtsTokens ?? 0, usage.totalTokens, usage.costUsd ?? 0]
      )
    }
  }
}
