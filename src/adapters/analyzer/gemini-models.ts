/**
 * The default model and the models Google has deprecated and reroutes.
 *
 * Default: the `gemini-flash-latest` alias. It always names Google's current Flash model, so a
 * default left untouched is never deprecated or retired under the operator (a fixed id such as
 * gemini-3.5-flash was rerouted within months). Its answers report the concrete model in
 * `modelVersion`, and costs are computed from that, so following the alias does not blur the
 * bill. Operators who need a fixed model set GEMINI_MODEL to an id.
 */
export const DEFAULT_GEMINI_MODEL = 'gemini-flash-latest'

/** Aliases that follow Google's current model of a family. */
const ALIASES = /^gemini-(flash|flash-lite|pro)-latest$/

export interface Deprecation {
  /** The model Google routes requests to now. */
  replacement: string
  /** When Google deprecated it (ISO date). */
  since: string
}

/**
 * Deprecated models that still answer because Google reroutes them, as published on the
 * Gemini API's deprecations page (checked 2026-12). Retired models (gemini-1.5, 2.0, 2.5) answer
 * 404 instead, which check() reports as an error.
 */
export const DEPRECATED_MODELS: Record<string, Deprecation> = {
  'gemini-3.5-flash': { replacement: 'gemini-3.6-flash', since: '2026-07-21' }
}

export const bareModel = (model: string) => model.replace(/^models\//, '')
export const isAlias = (model: string) => ALIASES.test(bareModel(model))

/** Gemini 3 and later (and the aliases, which name them): thinkingLevel, default temperature. */
export const isGemini3 = (model: string) => isAlias(model) || /^gemini-[3-9]/.test(bareModel(model))

/** A warning for a deprecated model, naming its replacement; null for a current one. */
export function deprecationWarning(model: string): string | null {
  const id = bareModel(model)
  const d = DEPRECATED_MODELS[id]
  if (!d) return null
  return `Gemini model '${id}' is deprecated (since ${d.since}) and Google routes its requests to ${d.replacement}: set GEMINI_MODEL to ${d.replacement} or ${DEFAULT_GEMINI_MODEL}.`
}

/**
 * A warning when the model that answered is not the one asked for (Google rerouted it); an alias
 * answering as the model it names is expected. `modelVersion` may carry a suffix (`-001`).
 */
export function rerouteWarning(requested: string, answered: string | undefined): string | null {
  const asked = bareModel(requested)
  if (!answered || isAlias(asked)) return null
  const got = bareModel(answered)
  if (got === asked || got.startsWith(`${asked}-`)) return null
  return `Gemini answered requests for '${asked}' with '${got}': Google reroutes this model; set GEMINI_MODEL to ${got} to choose it yourself.`
}
