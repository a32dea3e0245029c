import { realpath, stat } from 'node:fs/promises'
import { isAbsolute, join, relative, resolve, sep } from 'node:path'
import type { MediaInspector } from './debug-ports'
import { LocalMediaRefused } from './errors'
import { errorText } from '../shared/error-text'

export { LocalMediaRefused }

export interface LocalMediaRules {
  /** `MEDIA_ROOTS`, absolute; empty: any folder. */
  mediaRoots: string[]
  /** Folders of the app's own (e.g. `DATA_DIR/uploads`, which may sit in a hidden folder such as ~/.local): exempt from the folder rules. */
  trusted?: string[]
  /** Tells video and audio from anything else (ffprobe); without it that check is skipped. */
  inspector?: MediaInspector
}

/** The rules of a configuration: its MEDIA_ROOTS, and the console's upload folder as its own. */
export function localMediaRules(opts: { mediaRoots: string[]; dataDir: string; inspector?: MediaInspector }): LocalMediaRules {
  return { mediaRoots: opts.mediaRoots, trusted: [join(opts.dataDir, 'uploads')], ...(opts.inspector ? { inspector: opts.inspector } : {}) }
}

/** Formats ffprobe reads from files that are not media: text shown as ANSI art, still images, raw pipes. */
const NOT_MEDIA_FORMATS = /(^|,)(tty|image2|[\w]+_pipe|lavfi|bin|xbin|idf|adf)(,|$)/
const TEXT_CODECS = new Set(['ansi', 'bintext', 'xbin', 'idf'])

/**
 * Whether a local file may be read as a video (at enqueue, by the worker, by the console's
 * player). A path anyone can write into a queue message or a table row must not turn the
 * console into a file server: only absolute paths, outside hidden folders (`.aws`, `.ssh`…),
 * inside `MEDIA_ROOTS` when set (after following links), regular files that ffprobe reads as
 * video or audio. Resolves with the real path; throws {@link LocalMediaRefused}.
 */
export async function checkLocalMedia(path: string, rules: LocalMediaRules, signal: AbortSignal = new AbortController().signal): Promise<string> {
  if (!isAbsolute(path)) throw new LocalMediaRefused(`${path} is not an absolute path: give the full path of the file (e.g. /home/me/Videos/clip.mp4)`, 'relative')
  const trusted = (rules.trusted ?? []).some((folder) => inside(resolve(folder), resolve(path)))
  if (!trusted) hiddenCheck(path, path)
  const real = await realpath(path).catch((error: NodeJS.ErrnoException) => {
    throw new LocalMediaRefused(
      error.code === 'ENOENT' ? `no such file: ${path}` : `${path} cannot be read (${error.code ?? error.message})`,
      'missing'
    )
  })
  if (trusted && !(await Promise.all((rules.trusted ?? []).map((f) => realpath(f).catch(() => resolve(f))))).some((f) => inside(f, real)))
    throw new LocalMediaRefused(`${path} leads out of the app's own folder: give the path of the video itself`, 'outside-roots')
  if (!trusted) hiddenCheck(real, path)
  if (!trusted && rules.mediaRoots.length > 0) {
    const roots = await Promise.all(rules.mediaRoots.map((root) => realpath(root).catch(() => resolve(root))))
    if (!roots.some((root) => inside(root, real)))
      throw new LocalMediaRefused(
        `${path} is outside MEDIA_ROOTS (${rules.mediaRoots.join(', ')}): move the file into one of those folders or add its folder to MEDIA_ROOTS`,
        'outside-roots'
      )
  }
  const info = await stat(real)
  if (!info.isFile()) throw new LocalMediaRefused(`${path} is not a regular file: give the path of a video or audio file`, 'not-a-file')
  if (info.size === 0) throw new LocalMediaRefused(`${path} is empty (0 bytes): give the path of a video, or check the upload`, 'not-media')
  if (rules.inspector) {
    let said: string | null = null
    const metadata = await rules.inspector.probe(real, signal).catch((error: unknown) => {
      said = errorText(error)
      return null
    })
    const container = metadata?.container ?? ''
    const media =
      metadata !== null &&
      !NOT_MEDIA_FORMATS.test(container) &&
      ((metadata.videoCodec != null && !TEXT_CODECS.has(metadata.videoCodec)) || metadata.hasAudio)
    if (!media) {
      // The prober's own words (first line: its summary, then what ffprobe printed) are the evidence.
      const [summary = '', ...output] = (said ?? '').split('\n')
      const why = summary.replace(/^Cannot analyse this file: /, '')
      throw new LocalMediaRefused(
        `${path} is not a video or audio file that ffprobe can read${why ? ` (${why})` : ''}: give the path of a video`,
        'not-media',
        output.length > 0 ? { ffprobe: output.join('\n').slice(-1000) } : undefined
      )
    }
  }
  return real
}

function hiddenCheck(path: string, shown: string): void {
  const parts = path.split(/[\\/]/)
  const at = parts.findIndex((part) => part.startsWith('.') && part !== '.' && part !== '..')
  if (at < 0) return
  const what = at === parts.length - 1 ? `is a hidden file (${parts[at]})` : `is inside a hidden folder (${parts[at]})`
  throw new LocalMediaRefused(
    `${shown} ${what}: video files are never read from hidden folders or files (they hold keys and settings); move the file to a regular folder`,
    'hidden'
  )
}

function inside(root: string, file: string): boolean {
  const rel = relative(root, file)
  return rel !== '' && !rel.startsWith(`..${sep}`) && rel !== '..' && !isAbsolute(rel)
}
