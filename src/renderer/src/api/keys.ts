/** React Query keys: one place, so the event stream and the views agree. */
export const keys = {
  worker: ['worker'] as const,
  stats: ['stats'] as const,
  history: ['stats-history'] as const,
  videos: ['videos'] as const,
  video: (id: string) => ['video', id] as const,
  failures: ['failures'] as const,
  deadLetters: ['dead-letters'] as const,
  analyses: (id: string) => ['analyses', id] as const,
  media: (id: string) => ['media', id] as const,
  capabilities: ['capabilities'] as const,
  config: ['config'] as const,
  settings: (profile: string | null) => ['settings', profile ?? 'active'] as const,
  profiles: ['profiles'] as const
}

/** The list holds up to this many rows; filtering and sorting happen in the page. */
export const LIST_LIMIT = 20_000
