import { stat } from 'node:fs/promises'
import { createMediaInspector } from '../adapters/analyzer/local/inspector'
import type { Config } from '../core/config'
import { checkLocalMedia, localMediaRules } from '../core/local-media'

/** Decides whether a local path may be read as a video; resolves with its real path. */
export type LocalMediaGuard = (path: string, signal?: AbortSignal) => Promise<string>

/**
 * The local-file rules of a configuration (MEDIA_ROOTS, hidden folders, ffprobe must read it as
 * video or audio) for the worker's file source, the console's `/media` and Electron's protocol.
 * Verdicts are remembered per file version (size and mtime), since a player asks for many ranges.
 */
export function createLocalMediaGuard(config: Pick<Config, 'mediaRoots' | 'dataDir' | 'ffmpegPath' | 'ffprobePath'>): LocalMediaGuard {
  const inspector = createMediaInspector({ ...(config.ffmpegPath ? { ffmpegPath: config.ffmpegPath } : {}), ...(config.ffprobePath ? { ffprobePath: config.ffprobePath } : {}) })
  const rules = localMediaRules({ mediaRoots: config.mediaRoots, dataDir: config.dataDir, inspector })
  const verdicts = new Map<string, string>()
  return async (path, signal) => {
    const info = await stat(path).catch(() => null)
    const key = info ? `${path}\0${info.size}\0${info.mtimeMs}` : null
    const known = key ? verdicts.get(key) : undefined
    if (known) return known
    const real = await checkLocalMedia(path, rules, signal)
    if (key) {
      if (verdicts.size > 500) verdicts.clear()
      verdicts.set(key, real)
    }
    return real
  }
}

/**
 * Without a guard of the configuration: the rules that need no settings or tools (absolute, no
 * hidden folder, a regular file); the app passes one that also asks ffprobe and MEDIA_ROOTS.
 */
export function basicMediaGuard(dataDir: string | undefined): LocalMediaGuard {
  const rules = localMediaRules({ mediaRoots: [], dataDir: dataDir ?? '/nonexistent' })
  return (path) => checkLocalMedia(path, rules)
}
