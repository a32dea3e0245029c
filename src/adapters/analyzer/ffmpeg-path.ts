import { constants } from 'node:fs'
import { access, chmod } from 'node:fs/promises'
import { createRequire } from 'node:module'
import path from 'node:path'
import { run } from './local/run'

/** The ffmpeg/ffprobe pair the analyzer uses, and where each came from. */
export interface FfmpegTools {
  ffmpeg: string
  ffprobe: string
  /** Per binary: `option`, `env` (FFMPEG_PATH/FFPROBE_PATH), `system` (PATH) or `npm` (the installer packages). */
  origin: { ffmpeg: ToolOrigin; ffprobe: ToolOrigin }
}
export type ToolOrigin = 'option' | 'env' | 'system' | 'npm'

/** What the resolved ffmpeg can do; the 2018 npm build lacks `scdet`, `asr` and `-fps_mode`. */
export interface FfmpegCapabilities {
  version: string
  filters: Set<string>
  webp: boolean
  /** `-fps_mode` (ffmpeg ≥ 5.1); older builds take `-vsync`. */
  fpsMode: boolean
}

type InstallerPackage = '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe'

export interface ResolveOptions {
  ffmpegPath?: string
  ffprobePath?: string
  env?: NodeJS.ProcessEnv
  /** Whose install command the error names (default: this machine's). */
  platform?: NodeJS.Platform
  /** Where an installer package says its binary is (default: the package's own `path`); null when it is not installed. */
  packagePath?: (pkg: InstallerPackage) => string | null
}

async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/** Looks a command up on PATH like a shell would. */
export async function which(name: string, env: NodeJS.ProcessEnv = process.env): Promise<string | null> {
  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean)
  const names = process.platform === 'win32' ? [`${name}.exe`, name] : [name]
  for (const dir of dirs) {
    for (const n of names) {
      const candidate = path.join(dir, n)
      if (await isExecutable(candidate)) return candidate
    }
  }
  return null
}

/**
 * In a packaged Electron app the installer packages live in `app.asar`, a read-only archive no
 * binary can be spawned from; electron-builder's asarUnpack puts the real files next to it in
 * `app.asar.unpacked`. (Electron redirects execFile there by itself, but not spawn.)
 */
export function unpackedPath(file: string): string {
  return file.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2')
}

function installedPath(pkg: InstallerPackage): string | null {
  try {
    const found = (createRequire(import.meta.url)(pkg) as { path?: unknown }).path
    return typeof found === 'string' ? found : null
  } catch {
    // The package throws when this platform's binary package is not installed.
    return null
  }
}

/**
 * The installer packages mark their binary executable in a postinstall script, which
 * `ignore-scripts=true` skips; we do that one chmod here instead (packaged builds ship it
 * executable already: scripts/before-pack.cjs).
 */
async function npmBinary(pkg: InstallerPackage, locate: (pkg: InstallerPackage) => string | null): Promise<string | null> {
  const located = locate(pkg)
  if (!located) return null
  const found = unpackedPath(located)
  if (!(await isExecutable(found))) await chmod(found, 0o755).catch(() => undefined)
  return (await isExecutable(found)) ? found : null
}

/** The usual way to get ffmpeg (with ffprobe) on each system. */
export function installHint(platform: NodeJS.Platform): string {
  if (platform === 'darwin') return 'brew install ffmpeg'
  if (platform === 'win32') return 'winget install --id Gyan.FFmpeg'
  return 'sudo apt install ffmpeg, or your distribution’s package'
}

async function resolveOne(
  name: 'ffmpeg' | 'ffprobe',
  explicit: string | undefined,
  envValue: string | undefined,
  pkg: InstallerPackage,
  env: NodeJS.ProcessEnv,
  opts: ResolveOptions
): Promise<{ file: string; origin: ToolOrigin }> {
  if (explicit) return { file: explicit, origin: 'option' }
  if (envValue) return { file: envValue, origin: 'env' }
  const system = await which(name, env)
  if (system) return { file: system, origin: 'system' }
  const bundled = await npmBinary(pkg, opts.packagePath ?? installedPath)
  if (bundled) return { file: bundled, origin: 'npm' }
  throw new Error(
    `${name} not found: install ffmpeg (${installHint(opts.platform ?? process.platform)}), or set ${name === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'} to the binary`
  )
}

/** FFMPEG_PATH/FFPROBE_PATH, else the system binaries on PATH, else the npm installer binaries. */
export async function resolveFfmpeg(opts: ResolveOptions = {}): Promise<FfmpegTools> {
  const env = opts.env ?? process.env
  const ffmpeg = await resolveOne('ffmpeg', opts.ffmpegPath, env.FFMPEG_PATH, '@ffmpeg-installer/ffmpeg', env, opts)
  const ffprobe = await resolveOne('ffprobe', opts.ffprobePath, env.FFPROBE_PATH, '@ffprobe-installer/ffprobe', env, opts)
  return { ffmpeg: ffmpeg.file, ffprobe: ffprobe.file, origin: { ffmpeg: ffmpeg.origin, ffprobe: ffprobe.origin } }
}

/** Asks the binary which filters and encoders it has, rather than trusting its version string. */
export async function detectCapabilities(ffmpeg: string, signal?: AbortSignal): Promise<FfmpegCapabilities> {
  const opts = { signal, timeoutMs: 20_000 }
  const version = await run(ffmpeg, ['-hide_banner', '-version'], opts)
  if (version.code !== 0) throw new Error(`${ffmpeg} -version failed: ${version.stderrTail.trim() || `exit ${version.code}`}`)
  const [filters, encoders, help] = await Promise.all([
    run(ffmpeg, ['-hide_banner', '-filters'], opts),
    run(ffmpeg, ['-hide_banner', '-encoders'], opts),
    run(ffmpeg, ['-hide_banner', '-h', 'long'], opts)
  ])
  const names = new Set<string>()
  for (const line of filters.stdout.split('\n')) {
    const m = /^\s*[.A-Z|]{2,3}\s+(\S+)\s+\S+->\S+/.exec(line)
    if (m?.[1]) names.add(m[1])
  }
  return {
    version: (version.stdout.split('\n')[0] ?? '').replace(/^ffmpeg version /, '').split(' ')[0] ?? 'unknown',
    filters: names,
    webp: /\blibwebp\b/.test(encoders.stdout),
    fpsMode: /-fps_mode\b/.test(help.stdout)
  }
}
