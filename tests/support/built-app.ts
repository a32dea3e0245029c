/**
 * Global setup of the test files that drive the built app (out/: the desktop main bundle, its
 * preload and the renderer the console serves): builds it once, before any of them starts, when it
 * is missing or older than its sources. Files that each built for themselves raced once they shared
 * the pool: one file's rebuild emptied out/ while another was launching the bundle from it.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const ROOT = fileURLToPath(new URL('../..', import.meta.url))
const OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html'].map((file) => path.join(ROOT, file))
const SOURCES = ['src', 'electron.vite.config.ts', 'package.json'].map((file) => path.join(ROOT, file))

function newest(file: string): number {
  const stat = statSync(file)
  if (!stat.isDirectory()) return stat.mtimeMs
  return readdirSync(file).reduce((latest, name) => Math.max(latest, newest(path.join(file, name))), stat.mtimeMs)
}

/** True when a built file is missing or older than any source. */
export function builtAppStale(): boolean {
  if (!OUTPUTS.every((file) => existsSync(file))) return true
  const built = Math.min(...OUTPUTS.map((file) => statSync(file).mtimeMs))
  return SOURCES.some((file) => existsSync(file) && newest(file) > built)
}

export default function setup(): void {
  if (!builtAppStale()) return
  const built = spawnSync(process.execPath, [path.join(ROOT, 'node_modules/electron-vite/bin/electron-vite.js'), 'build'], { cwd: ROOT, encoding: 'utf8' })
  if (built.status !== 0) throw new Error(`electron-vite build failed:\n${built.stderr}`)
}
