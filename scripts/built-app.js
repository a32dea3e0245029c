// When out/ (the desktop main bundle, its preload and the renderer the console serves) must be
// built again: one rule for `npm start` and for the tests that drive the built app, so neither
// runs a bundle the other would have rebuilt.
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

const OUTPUTS = ['out/renderer/index.html', 'out/main/index.js', 'out/preload/index.cjs']
const SOURCES = ['src', 'electron.vite.config.ts', 'package.json']

/** The newest modification time of a file, or of the files under a folder; 0 when missing. */
function newestMtime(path) {
  if (!existsSync(path)) return 0
  const stat = statSync(path)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(path).reduce((newest, name) => Math.max(newest, newestMtime(join(path, name))), 0)
}

/** 'missing' when a built file is absent, 'stale' when a source changed after the build, else 'fresh'. */
export function builtAppState(root) {
  const built = Math.min(...OUTPUTS.map((p) => newestMtime(join(root, p))))
  if (built === 0) return 'missing'
  return built >= Math.max(...SOURCES.map((p) => newestMtime(join(root, p)))) ? 'fresh' : 'stale'
}

/** Builds out/ with electron-vite (no Electron binary needed); the spawnSync result. */
export function buildApp(root, options) {
  return spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], { cwd: root, ...options })
}
