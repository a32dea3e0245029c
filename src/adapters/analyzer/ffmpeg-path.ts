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

export interface ResolveOptions {
  ffmpegPath?: string
  ffprobePath?: string
  env?: NodeJS.ProcessEnv
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
 * The installer packages mark their binary executable in a postinstall script, which
 * `ignore-scripts=true` skips; we do that one chmod here instead.
 */
async function npmBinary(pkg: '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe'): Promise<string | null> {
  try {
    const require = createRequire(import.meta.url)
    const found = (require(pkg) as { path?: unknown }).path
    if (typeof found !== 'string') return null
    if (!(await isExecutable(found))) await chmod(found, 0o755)
    return (await isExecutable(found)) ? found : null
  } catch {
    return null
  }
}

async function resolveOne(
  name: 'ffmpeg' | 'ffprobe',
  explicit: string | undefined,
  envValue: string | undefined,
  pkg: '@ffmpeg-installer/ffmpeg' | '@ffprobe-installer/ffprobe',
  env: NodeJS.ProcessEnv
): Promise<{ file: string; origin: ToolOrigin }> {
  if (explicit) return { file: explicit, origin: 'option' }
  if (envValue) return { file: envValue, origin: 'env' }
  const system = await which(name, env)
  if (system) return { file: system, origin: 'system' }
  const bundled = await npmBinary(pkg)
  if (bundled) return { file: bundled, origin: 'npm' }
  throw new Error(
    `${name} not found: install ffmpeg (apt-get install ffmpeg), or set ${name === 'ffmpeg' ? 'FFMPEG_PATH' : 'FFPROBE_PATH'} to the binary`
  )
}

/** FFMPEG_PATH/FFPROBE_PATH, else the system binaries on PATH, else the npm installer binaries. */
export async function resolveFfmpeg(opts: ResolveOptions = {}): Promise<FfmpegTools> {
  const env = opts.env ?? process.env
  const ffmpeg = await resolveOne('ffmpeg', opts.ffmpegPath, env.FFMPEG_PATH, '@ffmpeg-installer/ffmpeg', env)
  const ffprobe = await resolveOne('ffprobe', opts.ffprobePath, env.FFPROBE_PATH, '@ffprobe-installer/ffprobe', env)
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
