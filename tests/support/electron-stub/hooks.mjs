// Module resolution hook: `electron` resolves to the fake next to this file; nothing else changes.
const FAKE = new URL('./electron.mjs', import.meta.url).href

export async function resolve(specifier, context, next) {
  if (specifier === 'electron') return { url: FAKE, shortCircuit: true }
  return next(specifier, context)
}
