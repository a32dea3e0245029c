/** The message of anything thrown: an Error's message, else its string form. */
export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Parses JSON, or answers null for text that is not JSON (a body or attribute from outside). */
export function parseJsonOrNull(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
