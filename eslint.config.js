import js from '@eslint/js'
import tseslint from 'typescript-eslint'
import reactHooks from 'eslint-plugin-react-hooks'
import globals from 'globals'

export default tseslint.config(
  { ignores: ['node_modules/**', 'out/**', 'dist/**', 'coverage/**', 'tests/artifacts/**', 'bench/.tmp/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error'
    }
  },
  {
    files: ['src/renderer/**/*.{ts,tsx}', 'tests/unit/renderer/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
    plugins: { 'react-hooks': reactHooks },
    rules: {
      'react-hooks/rules-of-hooks': 'error',
      'react-hooks/exhaustive-deps': 'warn'
    }
  },
  ...layerRules()
)

/**
 * The layers of src/ and what each may import (docs/architecture.md, "Layers and their rules").
 * A relative import leaves its own layer only by climbing to src/, so the folder after the
 * leading `../` run names the layer it reaches: `../../core/ports` from an adapter is core.
 */
function layerRules() {
  const layers = ['shared', 'core', 'adapters', 'app', 'bridge', 'server', 'main', 'preload', 'cli', 'renderer']
  const bridges = ['server', 'main', 'preload', 'cli']
  const reach = (names) => `^(\\.\\./)+(${names.join('|')})(/|$)`
  const except = (...names) => layers.filter((l) => !names.includes(l))
  const noUi = { group: ['electron', 'electron/*', 'react', 'react/*', 'react-dom', 'react-dom/*'], message: 'Only src/main and src/preload use Electron, only src/renderer React.' }
  const rule = (files, patterns) => ({ files, rules: { 'no-restricted-imports': ['error', { patterns }] } })
  return [
    rule(['src/shared/**/*.ts'], [
      { regex: reach(except('shared')), message: 'src/shared imports nothing of the other layers: everything imports it.' },
      { regex: '^(?!zod$|zod/|\\.)', message: 'src/shared imports zod only (the renderer and every process load it).' }
    ]),
    rule(['src/core/**/*.ts'], [
      { group: ['electron', 'react', 'react-dom', 'node:http', 'node:https', 'http', 'https'], message: 'src/core knows no transport or UI.' },
      { group: ['@aws-sdk/*', '@google/genai', '@supabase/*', '@electric-sql/*'], message: 'src/core knows no vendor SDK: use a port.' },
      { regex: reach(except('shared', 'core')), message: 'src/core imports only src/shared and itself.' }
    ]),
    rule(['src/adapters/**/*.ts'], [
      noUi,
      { regex: reach(except('shared', 'core', 'adapters')), message: 'src/adapters import only core\'s ports and errors, src/shared and vendor packages.' },
      { regex: '^(\\.\\./)+core/(?!(ports|debug-ports|settings-port|errors)$)', message: 'src/adapters import only core\'s ports and errors (core/ports, core/debug-ports, core/settings-port, core/errors).' }
    ]),
    rule(['src/app/**/*.ts'], [
      noUi,
      { regex: reach([...bridges, 'bridge', 'renderer']), message: 'src/app composes core, adapters and shared; the bridges import it, never the reverse.' }
    ]),
    rule(['src/bridge/**/*.ts'], [
      noUi,
      { regex: reach(except('shared', 'app', 'bridge')), message: 'src/bridge serves every bridge: it imports src/app and src/shared only.' }
    ]),
    // The HTTP server is the one bridge others start (the owner of DATA_DIR serves the API on
    // loopback from the CLI and from Electron alike): through server/owner-console, nothing else.
    ...bridges.map((bridge) =>
      rule([`src/${bridge}/**/*.ts`], [
        ...(bridge === 'main' || bridge === 'preload' ? [] : [noUi]),
        { regex: reach(except('shared', 'app', 'bridge', bridge, 'server')), message: `src/${bridge} is a bridge: it imports src/app, src/bridge and src/shared only, never core, adapters or another bridge.` },
        ...(bridge === 'server' ? [] : [{ regex: '^(\\.\\./)+server(/(?!owner-console$)|$)', message: `src/${bridge} is a bridge: of src/server it may start the owner's console (server/owner-console), nothing else.` }])
      ])
    ),
    rule(['src/renderer/**/*.{ts,tsx}'], [
      { group: ['electron', 'electron/*', 'node:*'], message: 'src/renderer runs in a page: no Electron or Node.' },
      { regex: reach(except('shared', 'renderer')), message: 'src/renderer imports src/shared only; it reaches the core through its Transport.' }
    ])
  ]
}
