/**
 * Global setup of the test files that drive the built app (out/): builds it once, before any of
 * them starts, by the rule `npm start` follows. Files that each built for themselves raced once
 * they shared the pool: one file's rebuild emptied out/ while another was launching the bundle from it.
 */
import { fileURLToPath } from 'node:url'
import { buildApp, builtAppState } from '../../scripts/built-app.js'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))

export default function setup(): void {
  if (builtAppState(ROOT) === 'fresh') return
  const built = buildApp(ROOT, { encoding: 'utf8' })
  if (built.status !== 0) throw new Error(`electron-vite build failed:\n${String(built.stderr)}`)
}
